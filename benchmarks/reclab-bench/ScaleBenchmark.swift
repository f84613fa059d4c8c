import ArgumentParser
import Foundation
import RecLabCore
import RecLabModelStore
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore

/// One size of `scripts/bench-scale.sh`: a data set imported, every configured instance
/// fitted under the memory limit, requests timed; printed as a markdown section.
struct ScaleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Import, fit and request costs on one data set (a `reclab synth` folder).")

    @Option(help: "The data set folder to import.")
    var data: String

    @Option(help: "The strategies file whose instances are fitted.")
    var strategies: String = "benchmarks/scale-strategies.yaml"

    @Option(help: "MODEL_MEMORY_LIMIT for the fits, in bytes.")
    var memoryLimit: Int = 16 << 30

    @Option(help: "Requests to time per surface.")
    var requests: Int = 1_000

    @Option(help: "Instances of the strategies file not fitted at this size, comma-separated.")
    var leaveOut: String = ""

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "reclab-scale-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        var clock = ContinuousClock.now
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: data)], into: store)
        let importSeconds = (ContinuousClock.now - clock).seconds
        let databaseMB = Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576
        clock = ContinuousClock.now
        let training = try await store.trainingData(includingPreferences: false)
        let loadSeconds = (ContinuousClock.now - clock).seconds
        let users = Set(training.interactions.map(\.user)).count
        print("## \(training.interactions.count) ratings: \(users) users × \(training.catalogue.count) movies\n")
        print("Import \(format(importSeconds, digits: 1)) s (SQLite file \(format(databaseMB, digits: 0)) MB); training data read in \(format(loadSeconds, digits: 1)) s, resident \(format(residentMegabytes(), digits: 0)) MB. Fits under MODEL_MEMORY_LIMIT = \(MemoryLimitExceeded.format(memoryLimit)).\n")
        print("| instance | fit s | resident MB after | peak MB so far | model |")
        print("| --- | ---: | ---: | ---: | --- |")
        let configuration = try StrategyConfiguration.load(path: strategies, registry: ReclabBench.strategies)
        var models: [String: any FittedModel] = [:]
        var fitSeconds: [String: Double] = [:]
        let leftOut = Set(leaveOut.split(separator: ",").map(String.init))
        if let unknown = leftOut.subtracting(configuration.instances.map(\.name)).first {
            throw ValidationError("--leave-out: \(strategies) has no instance named \(unknown)")
        }
        if !leftOut.isEmpty { print("Not fitted at this size: \(leftOut.sorted().joined(separator: ", ")).\n") }
        for instance in configuration.instances where !leftOut.contains(instance.name) {
            let started = ContinuousClock.now
            do {
                models[instance.name] = try await instance.fit(FitContext(data: training, models: models, memoryLimit: memoryLimit))
                let seconds = (ContinuousClock.now - started).seconds
                fitSeconds[instance.name] = seconds
                print("| \(instance.name) | \(format(seconds, digits: 2)) | \(format(residentMegabytes(), digits: 0)) | \(format(peakMegabytes(), digits: 0)) | \(models[instance.name]!.summary.detail) |")
            } catch let refusal as MemoryLimitExceeded {
                print("| \(instance.name) | refused | | | \(refusal) |")
            } catch {
                print("| \(instance.name) | failed | | | \(error) |")
            }
        }

        try shareGeneration(models, fitSeconds: fitSeconds, instances: configuration.instances, training: training)

        print("\n| request, limit 10 (\(requests) after 200 warm-up) | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        var generator = SeededGenerator(seed: 7)
        let histories = training.interactionsByUser()
        for (name, model) in models.sorted(by: { $0.key < $1.key }) where ["content", "personalized", "als", "sequential", "slist", "gru4rec", "hybrid"].contains(where: name.hasPrefix) {
            let times = try timeRequests(requests) {
                let (user, history) = histories[Int(generator.next() % UInt64(histories.count))]
                _ = try model.recommend(RecommendationRequest(userID: user, history: history, limit: 10, excluded: Set(history.map(\.movie))))
            }
            print(latencyRow("\(name), a user's whole history", times))
        }
        if let popular = models["popular"] {
            print(latencyRow("popular", try timeRequests(requests) { _ = try popular.recommend(RecommendationRequest(limit: 10)) }))
        }
        print("")
    }

    /// What sharing the fitted models costs (`MODELS_DIR`): the generation written and read back
    /// as a replica would, against fitting them.
    func shareGeneration(_ models: [String: any FittedModel], fitSeconds: [String: Double], instances: [ConfiguredStrategy], training: TrainingData) throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "reclab-scale-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ModelGenerationStore(folder: folder)
        let fitted = instances.filter { models[$0.name] != nil }
        var clock = ContinuousClock.now
        let manifest = try store.write(
            models: models, instances: fitted, catalogue: training.catalogue, dataPosition: 0, interactions: training.interactions.count,
            fitSeconds: fitSeconds)
        let writeSeconds = (ContinuousClock.now - clock).seconds
        clock = ContinuousClock.now
        _ = try store.load(manifest, instances: fitted)
        let loadSeconds = (ContinuousClock.now - clock).seconds
        let megabytes = { (bytes: Int) in format(Double(bytes) / 1_048_576, digits: 1) }
        let total = manifest.catalogue.bytes + manifest.instances.map(\.file.bytes).reduce(0, +)
        let sizes = manifest.instances.map { "\($0.name) \(megabytes($0.file.bytes))" }.joined(separator: ", ")
        print("\nShared generation (`MODELS_DIR`): \(megabytes(total)) MB written in \(format(writeSeconds, digits: 2)) s and loaded back, checksums "
            + "checked, in \(format(loadSeconds, digits: 2)) s, against \(format(fitSeconds.values.reduce(0, +), digits: 1)) s of fitting. "
            + "MB per file: catalogue \(megabytes(manifest.catalogue.bytes)), \(sizes).")
    }
}
