import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabObservability
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore

/// The observability issue's figure: what metrics and per-request logging cost a request,
/// measured with and without in one run.
struct ObservabilityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observability", abstract: "Throughput and latency with and without metrics + request logging, same run.")

    @Option(help: "Folder holding ml-latest-small, tmdb-5000 and imdb-5000.")
    var datasets: String = "../shared/datasets"

    @Option(help: "Requests per client per round.")
    var requests: Int = 5_000

    @Option(help: "Concurrent keep-alive clients.")
    var clients: Int = 4

    @Option(help: "Rounds; each times the baseline and then the instrumented server.")
    var rounds: Int = 3

    /// One timed round of one server: requests per second and latency percentiles.
    struct Round {
        let throughput: Double
        let p50: Double
        let p99: Double
    }

    func run() async throws {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appending(path: "reclab-bench-\(UUID().uuidString).sqlite").path)
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: datasets)], into: store)
        let configuration = try ServerConfiguration { ["HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "info"][$0] }
        let strategies = try StrategyConfiguration.load(path: "experiments/strategies.yaml", registry: ReclabBench.strategies)
        // The baseline first: its services must be made before swift-metrics is bootstrapped.
        var quiet = Logger(label: "bench")
        quiet.logLevel = .warning
        let plain = RecLabServices(
            configuration: configuration, store: store, registry: ReclabBench.strategies, strategies: strategies, logger: quiet, metrics: false)
        try await plain.start()
        // Instrumented: real metrics and one JSON line per request, written to /dev/null so
        // the formatting and the write are paid, not the terminal.
        let devNull = FileHandle(forWritingAtPath: "/dev/null")!
        let logged = Logger(label: "bench") { label in
            JSONLogHandler(label: label, level: .info) { line in devNull.write(Data((line + "\n").utf8)) }
        }
        let instrumented = RecLabServices(
            configuration: configuration, store: store, registry: ReclabBench.strategies, strategies: strategies, logger: logged)
        try await instrumented.start()

        print("# Observability overhead benchmark\n")
        print("Release build, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601)). Regenerate with `swift run -c release reclab-bench observability > benchmarks/observability.md`.\n")
        print("Two servers over one database, in one process: the baseline without `ObservabilityMiddleware` and with swift-metrics on its no-op backend; the instrumented one as `reclab serve` runs (request id, HTTP counter, duration histogram and in-flight gauge per request, cache and recommendation counters, one JSON log line per request written to /dev/null). \(clients) keep-alive clients on 127.0.0.1 send \(requests.formatted()) requests each; rounds alternate baseline and instrumented, and the median round is shown.\n")
        print("| route | server | requests/s | p50 ms | p99 ms | throughput cost |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for (name, uri) in [("cached recommendation", "/recommendations/popular?limit=10"), ("movie details", "/movies/27205")] {
            var baseline: [Round] = []
            var measured: [Round] = []
            for _ in 0..<rounds {
                baseline.append(try await load(buildApplication(configuration: configuration, services: plain, logger: quiet, instrumented: false), uri: uri))
                measured.append(try await load(buildApplication(configuration: configuration, services: instrumented, logger: logged), uri: uri))
            }
            let base = baseline.sorted { $0.throughput < $1.throughput }[rounds / 2]
            let with = measured.sorted { $0.throughput < $1.throughput }[rounds / 2]
            print("| \(name) (`\(uri)`) | baseline | \(format(base.throughput, digits: 0)) | \(format(base.p50, digits: 3)) | \(format(base.p99, digits: 3)) | |")
            print("| | metrics + logs | \(format(with.throughput, digits: 0)) | \(format(with.p50, digits: 3)) | \(format(with.p99, digits: 3)) | \(format((1 - with.throughput / base.throughput) * 100, digits: 1))% |")
        }
        let registry = Observability.exposition()
        print("\nA scrape of `/metrics` after the run: \(registry.utf8.count.formatted()) bytes, \(registry.split(separator: "\n").filter { !$0.hasPrefix("#") }.count) series.")
    }

    /// Starts `app` on a free port, warms it, then times `clients` × `requests` GETs of `uri`.
    func load(_ app: some ApplicationProtocol, uri: String) async throws -> Round {
        let requests = self.requests
        let clients = self.clients
        return try await app.test(.live) { client in
            for _ in 0..<200 { _ = try await client.execute(uri: uri, method: .get) }
            let started = ContinuousClock.now
            let latencies = try await concurrentLatencies(port: client.port!, workers: clients) { _ in
                Array(repeating: TestClient.Request(uri, method: .get, authority: "localhost", headers: [.connection: "keep-alive"]), count: requests)
            }
            let seconds = (ContinuousClock.now - started).seconds
            let sorted = latencies.sorted()
            return Round(throughput: Double(sorted.count) / seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99))
        }
    }
}
