import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabCore
import RecLabExperiments
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore

/// The experiments issue's figures: what assignment costs a request, and how fast feedback
/// events are stored durably.
struct ExperimentsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments", abstract: "Assignment cost per request (ns) and POST /events throughput (batches of 100).")

    @Option(help: "Folder holding ml-latest-small, tmdb-5000 and imdb-5000.")
    var datasets: String = "../shared/datasets"

    @Option(help: "Synthetic users assigned per timing.")
    var users: Int = 1_000_000

    @Option(help: "Batches of 100 events posted per timing.")
    var batches: Int = 300

    func run() async throws {
        print("# Experiments benchmark\n")
        print("Release build, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601)). Regenerate with `swift run -c release reclab-bench experiments > benchmarks/experiments.md`.\n")
        try assignment()
        try await events()
        peeking()
    }

    /// The peeking problem: the share of A/A experiments that some look up to k calls
    /// significant, for the fixed and the sequential analysis, on the same simulated users.
    func peeking() {
        let simulation = PeekingSimulation(experiments: 2_000, looks: 20, usersPerLook: 200, seed: 7)
        let rates = simulation.falsePositiveRates([.fixed, .sequential(tuning: 5_000)])
        let (fixed, sequential) = (rates[0], rates[1])
        print("## Reading A/A experiments at every look (false positives)\n")
        print("\(simulation.experiments) A/A experiments (two identical arms, \(simulation.impressionsPerUser) impressions a user, \(Int(simulation.clickRate * 100))% CTR), each read at \(simulation.looks) looks of \(simulation.usersPerLook) more users, \(simulation.looks * simulation.usersPerLook) in all (`PeekingSimulation`, seed \(simulation.seed)). A cell is the share of experiments that some look up to that one called a CTR difference at p < 0.05: every one is a false positive. Sequential: `analysis: sequential`, tuning 5,000.\n")
        let shown = [1, 2, 5, 10, 20].filter { $0 <= simulation.looks }
        print("| analysis | " + shown.map { "\($0) \($0 == 1 ? "look" : "looks")" }.joined(separator: " | ") + " |")
        print("| --- |" + String(repeating: " ---: |", count: shown.count))
        for (name, rates) in [("fixed", fixed), ("sequential", sequential)] {
            print("| \(name) | " + shown.map { String(format: "%.1f%%", rates[$0 - 1] * 100) }.joined(separator: " | ") + " |")
        }
        print("")
    }

    /// Nanoseconds per call over `users` distinct user ids (built beforehand, so only the
    /// assignment is timed), median of five passes.
    func assignment() throws {
        let experiments = try ExperimentFile.loadAll(
            folder: "experiments", registry: ReclabBench.strategies)
        let committed = experiments.first { $0.status == .running }!
        var sliced = committed
        sliced.namespace = .init(name: "personalized", range: 0..<0.5)
        sliced.targeting = .init(minimumInteractions: 5)
        var fourWay = committed
        fourWay.variants = (0..<4).map { .init(name: "v\($0)", weight: 0.25, isControl: $0 == 0, strategy: "personalized", parameters: nil) }
        let ids = (0..<users).map { "user-\($0)" }

        print("## Assignment (GrowthBook hash v2, in-process)\n")
        print("\(users.formatted()) distinct user ids per pass; median of 5 passes. A request on a surface with a running experiment pays one `Experiment.assign` per experiment on that surface.\n")
        print("| what | ns per call | calls per second (one core) |")
        print("| --- | ---: | ---: |")
        func time(_ name: String, _ body: (String) -> Int) {
            var passes: [Double] = []
            var sink = 0
            for _ in 0..<5 {
                let clock = ContinuousClock.now
                for id in ids { sink &+= body(id) }
                passes.append((ContinuousClock.now - clock).seconds / Double(ids.count) * 1e9)
            }
            let ns = median(passes)
            print("| \(name) | \(format(ns, digits: 0)) | \(format(1e9 / ns / 1e6, digits: 1)) M |")
            if sink == Int.min { print("") }  // keeps the work observable
        }
        time("FNV-1a hash v2 alone") { Int((GrowthBookAssignment.hash(seed: committed.salt, value: $0, version: 2) ?? 0) * 10_000) }
        time("`assign`, committed experiment (2 variants, full coverage)") { committed.assign(userID: $0, interactions: 20) == nil ? 0 : 1 }
        time("`assign`, 4 variants") { fourWay.assign(userID: $0, interactions: 20) == nil ? 0 : 1 }
        time("`assign` with targeting and a half namespace slice (its hash first; half the users stop there)") { sliced.assign(userID: $0, interactions: 20) == nil ? 0 : 1 }
        print("")
    }

    /// `POST /events` over HTTP on 127.0.0.1 into SQLite with `synchronous = FULL` (each batch
    /// one transaction, on disk before the 200), then the same batches written in-process.
    func events() async throws {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory.appending(path: "reclab-bench-\(UUID().uuidString).sqlite").path)
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: datasets)], into: store)
        let movies = try await store.trainingData(includingPreferences: false).catalogue.items.compactMap(\.tmdbID)
        let kinds = ["impression", "impression", "impression", "click", "watch"]
        @Sendable func body(_ batch: Int, prefix: String) -> String {
            let events = (0..<100).map { index in
                let movie = movies[(batch * 100 + index) % movies.count]
                return #"{"event_id": "\#(prefix)-\#(batch)-\#(index)", "type": "\#(kinds[index % kinds.count])", "user_id": "user-\#(batch % 610)", "movie_id": \#(movie), "request_id": "rec_\#(batch)", "timestamp": 1795600000}"#
            }
            return #"{"events": [\#(events.joined(separator: ","))]}"#
        }

        // No event quota: one client here posts 30,000 events in seconds, past the default
        // 20,000 a minute, and this measures durable writes, not the quota.
        let configuration = try ServerConfiguration { ["HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "warning", "EVENT_QUOTA_PER_MINUTE": "0"][$0] }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let services = RecLabServices(
            configuration: configuration, store: store, registry: ReclabBench.strategies,
            strategies: try StrategyConfiguration.parse(Foundation_.minimalStrategies, registry: ReclabBench.strategies),
            logger: logger)
        let app = buildApplication(configuration: configuration, services: services, logger: logger)
        print("## POST /events (batches of 100, durably stored)\n")
        print("\(batches) batches of 100 events (3 impressions, 1 click, 1 watch in 5) over HTTP/1.1 keep-alive on 127.0.0.1; each batch is validated, then written in one SQLite transaction with `synchronous = FULL` (WAL), so the 200 comes after the fsync. Throughput is events stored per second of wall clock.\n")
        print("| path | clients | events/s | batch p50 ms | batch p99 ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        let batches = self.batches
        try await app.test(.live) { client in
            for warm in 0..<10 {
                _ = try await client.execute(uri: "/events", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body(warm, prefix: "warm")))
            }
            for clients in [1, 4] {
                let prefix = "c\(clients)"
                let clock = ContinuousClock.now
                let latencies = try await concurrentLatencies(port: client.port!, workers: clients) { worker in
                    stride(from: worker, to: batches, by: clients).map { batch in
                        TestClient.Request(
                            "/events", method: .post, authority: "localhost",
                            headers: [.contentType: "application/json", .connection: "keep-alive"],
                            body: ByteBuffer(string: body(batch, prefix: prefix)))
                    }
                }
                let seconds = (ContinuousClock.now - clock).seconds
                let sorted = latencies.sorted()
                print("| HTTP | \(clients) | \(format(Double(batches * 100) / seconds, digits: 0)) | \(format(percentile(sorted, 0.5), digits: 2)) | \(format(percentile(sorted, 0.99), digits: 2)) |")
            }
        }
        var timings: [Double] = []
        let clock = ContinuousClock.now
        for batch in 0..<batches {
            let events = (0..<100).map { index in
                FeedbackEvent(
                    eventID: "direct-\(batch)-\(index)", kind: FeedbackEvent.Kind(rawValue: kinds[index % kinds.count])!, userID: "user-\(batch % 610)",
                    tmdbID: movies[(batch * 100 + index) % movies.count], requestID: "rec_\(batch)", rating: nil, occurredAt: Date())
            }
            let started = ContinuousClock.now
            _ = try await store.record(events)
            timings.append((ContinuousClock.now - started).seconds * 1000)
        }
        let seconds = (ContinuousClock.now - clock).seconds
        let sorted = timings.sorted()
        print("| in-process `EventRepository.record` | 1 | \(format(Double(batches * 100) / seconds, digits: 0)) | \(format(percentile(sorted, 0.5), digits: 2)) | \(format(percentile(sorted, 0.99), digits: 2)) |")
        print("\nThe difference between the in-process and HTTP rows is JSON decoding, validation and the round trip; the rest is SQLite's fsync per transaction, which bigger batches amortise.")
    }
}
