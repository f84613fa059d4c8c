import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import LinearAlgebra
import Logging
import RecLabCore
import RecLabEvaluation
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore

/// The strategies issue's figures: fit time and memory of each strategy on the full
/// catalogue, and request latency of similar and personalized answers.
struct StrategiesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "strategies", abstract: "Fit time, memory and request latency of the strategies.")

    @OptionGroup var options: ServedStrategies

    func run() async throws {
        let (strategies, requests) = (options.strategies, options.requests)
        let (data, configuration) = try await options.load()
        print("# Strategies benchmark\n")
        print("Release build, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601)). Data: ml-latest-small + TMDB 5000 + IMDB 5000 (\(data.catalogue.count) movies, \(data.interactions.count) interactions). Regenerate with `swift run -c release reclab-bench strategies > benchmarks/strategies.md`.\n")

        print("## Fit\n")
        print("Each instance of `\(strategies)` fitted in file order, as `reclab serve` does; resident memory read from /proc after each fit (the models stay alive, so it accumulates).\n")
        print("| instance | strategy | fit s | resident MB after | model |")
        print("| --- | --- | ---: | ---: | --- |")
        print("| (catalogue and interactions loaded) | | | \(format(residentMegabytes(), digits: 0)) | |")
        let models = try await configuration.instances.fitInOrder(on: data) { instance, model, duration in
            print("| \(instance.name) | \(instance.strategyID) | \(format(duration.seconds, digits: 3)) | \(format(residentMegabytes(), digits: 0)) | \(model.summary.detail) |")
        }

        print("\n## Collaborative models against the outside figures\n")
        // The outside figures were measured on protocol v1's train rows: fit on the same rows.
        let order = Dictionary(uniqueKeysWithValues: data.catalogue.items.map { ($0.id, $0.movieLensID ?? Int.max) })
        let train = TrainingData(catalogue: data.catalogue, interactions: TemporalHoldout(data.interactions) { order[$0]! }.kept)
        print("Fit on protocol v1's \(train.interactions.count) train rows, as REFERENCE.md's times are (median of 5 fits).\n")
        print("| model | fit s | reference |")
        print("| --- | ---: | --- |")
        for (label, parameters, reference) in [
            ("ALS, 32 factors × 15 iterations", ParameterValue.object(["algorithm": .string("als"), "factors": .number(32), "iterations": .number(15)]), "implicit 0.18 s (BLAS 1 thread)"),
            ("ALS, 64 factors × 15 iterations", .object(["algorithm": .string("als"), "factors": .number(64), "iterations": .number(15)]), "implicit 0.38 s"),
            ("EASE^R, λ = 12000, rating input", .object(["algorithm": .string("ease"), "lambda": .number(12_000), "input": .string("rating")]), "NumPy Cholesky inverse 7.7 s"),
        ] {
            let instance = try ReclabBench.strategies.make(name: label, strategy: "personalized", parameters: parameters)
            var times: [Double] = []
            for _ in 0..<5 {
                let clock = ContinuousClock.now
                _ = try await instance.fit(FitContext(data: train))
                times.append((ContinuousClock.now - clock).seconds)
            }
            print("| \(label) | \(format(median(times), digits: 3)) | \(reference) |")
        }

        print("\n## Request latency in the process\n")
        print("`FittedModel.recommend`, limit 10, \(requests) requests each after 200 warm-up requests.\n")
        print("| surface | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        var generator = SeededGenerator(seed: 7)
        let seeds = data.catalogue.items.filter { $0.tmdbID != nil && $0.popularity != nil }.map(\.id)
        let similar = models[configuration.surfaces[.similar]!]!
        let similarTimes = try timeRequests(requests) {
            let seed = seeds[Int(generator.next() % UInt64(seeds.count))]
            _ = try similar.recommend(RecommendationRequest(seedMovie: seed, limit: 10, excluded: [seed], requireTMDBID: true))
        }
        print(latencyRow("similar (\(configuration.surfaces[.similar]!))", similarTimes))
        let histories = data.interactionsByUser()
        for (surface, reasons) in [(Surface.personalized, true), (.hybrid, true), (.hybrid, false)] {
            let model = models[configuration.surfaces[surface]!]!
            let times = try timeRequests(requests) {
                let (user, history) = histories[Int(generator.next() % UInt64(histories.count))]
                var request = RecommendationRequest(
                    userID: user, history: history, limit: 10, excluded: Set(history.map(\.movie)), requireTMDBID: true)
                request.wantsReasons = reasons
                _ = try model.recommend(request)
            }
            print(latencyRow("\(surface.rawValue) (\(configuration.surfaces[surface]!)), a MovieLens user's whole history\(reasons ? "" : ", scores alone")", times))
        }
        // The blend's components answer limit × candidate_factor candidates each, without
        // reasons (the blend asks for those of its picks alone): timed so.
        guard let blend = configuration.instances.first(where: { $0.name == configuration.surfaces[.hybrid] }),
            case .object(let blendParameters) = blend.parameters, case .object(let components)? = blendParameters["components"]
        else { return }
        let candidates: Int
        if case .number(let factor)? = blendParameters["candidate_factor"] { candidates = 10 * Int(factor) } else { candidates = 30 }
        for name in components.keys.sorted() {
            let model = models[name]!
            let times = try timeRequests(requests) {
                let (user, history) = histories[Int(generator.next() % UInt64(histories.count))]
                var request = RecommendationRequest(
                    userID: user, history: history, limit: candidates, excluded: Set(history.map(\.movie)), requireTMDBID: true)
                request.wantsReasons = false
                _ = try model.recommend(request)
            }
            print(latencyRow("\(name) in the hybrid: limit \(candidates), scores alone, a MovieLens user's whole history", times))
        }

        print("\n## Transitions against ratings × window\n")
        print("The `sequential` strategy on protocol v1's \(train.interactions.count) train rows: the sparse matrix's entries grow with ratings × window (forward, plus backward at weight 0.5), not with movies² (\(data.catalogue.count)² = \(format(Double(data.catalogue.count * data.catalogue.count) / 1e6, digits: 0)) M). Median of 3 fits.\n")
        print("| window | fit s | entries | entries per rating × window | model |")
        print("| ---: | ---: | ---: | ---: | --- |")
        for window in [5, 10, 20, 40] {
            let instance = try ReclabBench.strategies.make(
                name: "sequential-\(window)", strategy: "sequential",
                parameters: .object(["window": .number(Double(window)), "backward_weight": .number(0.5)]))
            var times: [Double] = []
            var model: (any FittedModel)?
            for _ in 0..<3 {
                let clock = ContinuousClock.now
                model = try await instance.fit(FitContext(data: train))
                times.append((ContinuousClock.now - clock).seconds)
            }
            let detail = model!.summary.detail
            let entries = Int(detail.split(separator: " ").first { $0.hasPrefix("entries=") }?.dropFirst("entries=".count) ?? "") ?? 0
            print("| \(window) | \(format(median(times), digits: 3)) | \(entries) | \(format(Double(entries) / Double(train.interactions.count * window), digits: 2)) | \(detail) |")
        }
    }
}

/// What the benchmarks of the served strategies read: the data sets and the strategies file.
struct ServedStrategies: ParsableArguments {
    @Option(help: "Folder holding ml-latest-small, tmdb-5000 and imdb-5000.")
    var datasets: String = "../shared/datasets"

    @Option(help: "The strategies file to benchmark.")
    var strategies: String = "experiments/strategies.yaml"

    @Option(help: "Requests to time per row.")
    var requests: Int = 2_000

    /// The data sets imported into a scratch store and read back, and the strategies file.
    func load() async throws -> (data: TrainingData, configuration: StrategyConfiguration) {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appending(path: "reclab-bench-\(UUID().uuidString).sqlite").path)
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: datasets)], into: store)
        return (try await store.trainingData(includingPreferences: false), try StrategyConfiguration.load(path: strategies, registry: ReclabBench.strategies))
    }
}

/// Milliseconds of each of `count` calls, after 200 warm-up calls.
func timeRequests(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<200 { try body() }
    var times: [Double] = []
    times.reserveCapacity(count)
    for _ in 0..<count {
        let clock = ContinuousClock.now
        try body()
        times.append((ContinuousClock.now - clock).seconds * 1000)
    }
    return times
}

/// A markdown row: the name, then p50, p90, p99, max and mean milliseconds (the mean is what
/// throughput follows).
func latencyRow(_ name: String, _ milliseconds: [Double]) -> String {
    let sorted = milliseconds.sorted()
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
    return "| \(name) | \(format(percentile(0.5), digits: 3)) | \(format(percentile(0.9), digits: 3)) | \(format(percentile(0.99), digits: 3)) | \(format(sorted.last!, digits: 3)) | \(format(sorted.reduce(0, +) / Double(sorted.count), digits: 3)) |"
}

/// The process's resident memory (VmRSS) in megabytes.
func residentMegabytes() -> Double { processStatus("VmRSS:") }

/// The process's peak resident memory so far (VmHWM) in megabytes.
func peakMegabytes() -> Double { processStatus("VmHWM:") }

private func processStatus(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}
