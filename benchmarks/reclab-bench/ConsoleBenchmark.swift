import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabEvaluation
import RecLabExperiments
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore

/// The console issue's figure: each console page's latency in the process, through the real
/// router and middleware, with `/health` timed in the same run as the floor.
struct ConsoleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "Latency of every console page in the process, beside /health.")
    @Option(help: "Folder holding ml-latest-small, tmdb-5000 and imdb-5000.") var datasets = "../shared/datasets"
    @Option(help: "Requests per page.") var requests = 2_000

    func run() async throws {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appending(path: "reclab-bench-\(UUID().uuidString).sqlite").path)
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: datasets)], into: store)
        let configuration = try ServerConfiguration { ["HOST": "127.0.0.1", "PORT": "0", "RECLAB_DATA_DIR": datasets][$0] }
        var quiet = Logger(label: "bench")
        quiet.logLevel = .warning
        // Two stored evaluations, so the evaluations page has runs to list and to compare.
        let scratch: EvaluationJob.ScratchStore = { try SQLiteStore(path: $0.appending(path: "scratch.sqlite").path) }
        var reports: [EvaluationReport] = []
        for _ in 0..<2 {
            reports.append(try await EvaluationJob.evaluate(
                configPath: "experiments/offline/ml-latest-small-chosen.yaml", store: store, scratch: scratch, registry: ReclabBench.strategies))
        }
        let services = RecLabServices(
            configuration: configuration, store: store, registry: ReclabBench.strategies,
            strategies: try StrategyConfiguration.load(path: "experiments/strategies.yaml", registry: ReclabBench.strategies),
            experiments: try ExperimentFile.loadAll(folder: "experiments", registry: ReclabBench.strategies), logger: quiet)
        try await services.start()
        let compared = "/console/evaluations?a=\(reports[0].id)&b=\(reports[1].id)"
        let users = (1...610).map(String.init)
        let popular = try await Set(store.trainingData(includingPreferences: false).interactions.map(\.movie))
        let movies = services.models.generation!.catalogue.items.filter { popular.contains($0.id) }.compactMap(\.tmdbID)
        let pages: [(String, @Sendable (Int) -> String)] = [
            ("`/health` (the floor)", { _ in "/health" }),
            ("`/console`", { _ in "/console" }),
            ("`/console/users/{user_id}`, 610 users in turn", { "/console/users/\(users[$0 % users.count])" }),
            ("`/console/movies/{tmdb_id}`, \(movies.count) rated movies in turn", { "/console/movies/\(movies[$0 * 7919 % movies.count])" }),
            ("`/console/evaluations`", { _ in "/console/evaluations" }),
            ("`/console/evaluations?a=…&b=…`", { _ in compared }),
            ("`/console/experiments`", { _ in "/console/experiments" }),
            ("`/console/search?query=…`", { ["/console/search?query=matrix", "/console/search?query=star%20wars", "/console/search?query=nolan"][$0 % 3] }),
            ("`/console/live`", { _ in "/console/live" }),
        ]
        print("# Console benchmark\n")
        print("Release build, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601)). Regenerate with `swift run -c release reclab-bench console > benchmarks/console.md`.\n")
        print("Each page's latency in the process: the real router with every middleware (HummingbirdTesting's router mode, no socket), over ml-latest-small with TMDB 5000 and IMDB 5000, the served strategies and the shipped experiments fitted, and two stored evaluations. \(requests.formatted()) GETs a page, one after another, after 100 to warm up; `/health` is the floor in the same run. The issue's target: p99 under 20 ms for every page.\n")
        print("| page | p50 ms | p99 ms | max ms | p99 over the floor's p50 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        let requests = self.requests
        try await buildApplication(configuration: configuration, services: services, logger: quiet).test(.router) { client in
            var floor = 0.0
            for (name, uri) in pages {
                for index in 0..<100 { _ = try await client.execute(uri: uri(index), method: .get) }
                var latencies: [Double] = []
                for index in 0..<requests {
                    let started = ContinuousClock.now
                    let response = try await client.execute(uri: uri(index), method: .get)
                    latencies.append((ContinuousClock.now - started).seconds * 1000)
                    guard response.status == .ok else { throw ValidationError("\(uri(index)) answered \(response.status)") }
                }
                let sorted = latencies.sorted()
                if floor == 0 { floor = percentile(sorted, 0.5) }
                print("| \(name) | \(format(percentile(sorted, 0.5), digits: 3)) | \(format(percentile(sorted, 0.99), digits: 3)) | \(format(sorted.last!, digits: 3)) | \(format(percentile(sorted, 0.99) / floor, digits: 0))× |")
            }
        }
    }
}
