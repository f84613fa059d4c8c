import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabObservability
import RecLabServer
import RecLabServing
import Synchronization
import TestSupport
import Testing

/// Runs a command-line tool, feeding it `input`; its exit status and everything it printed.
func runTool(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}

/// The exposition's families: name → type, and the names that have a HELP line.
struct Exposition {
    let text: String
    let types: [String: String]
    let helped: Set<String>

    init(_ text: String) {
        self.text = text
        var types: [String: String] = [:]
        var helped: Set<String> = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            if parts.count >= 4, parts[1] == "TYPE" { types[String(parts[2])] = String(parts[3]) }
            if parts.count >= 3, parts[1] == "HELP" { helped.insert(String(parts[2])) }
        }
        self.types = types
        self.helped = helped
    }
}

@Suite(.serialized) struct ObservabilityAPITests {
    @Test func everyRequestIsNamedInAHeaderAndLoggedOnce() async throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "reclab") { label in
            JSONLogHandler(label: label, level: .info) { line in lines.withLock { $0.append(line) } }
        }
        try await withLiveServer(logger: logger) { client in
            let given = try await client.execute(uri: "/movies/27205", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "client-id.42"])
            #expect(given.headers[HTTPField.Name("X-Request-ID")!] == "client-id.42")
            let replaced = try await client.execute(uri: "/genres", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "not a valid id"])
            #expect(replaced.headers[HTTPField.Name("X-Request-ID")!]?.hasPrefix("req_") == true)
            let missing = try await client.execute(uri: "/movies/999999999", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[HTTPField.Name("X-Request-ID")!]?.hasPrefix("req_") == true)
        }
        let entries = lines.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["message"] as? String == "request" }
        let movie = try #require(entries.first { $0["request_id"] as? String == "client-id.42" })
        #expect(movie["route"] as? String == "/movies/{tmdb_id}")
        #expect(movie["path"] as? String == "/movies/27205")
        #expect(movie["status"] as? String == "200")
        #expect(movie["method"] as? String == "GET")
        #expect(Double(movie["duration_ms"] as? String ?? "") != nil)
        #expect(entries.contains { $0["route"] as? String == "/movies/{tmdb_id}" && $0["status"] as? String == "404" })
        #expect(entries.count == 3)
    }

    @Test func logLevelAndFormatComeFromTheConfiguration() async throws {
        let lines = Mutex<[String]>([])
        for level in ["WARNING", "INFO"] {
            let configuration = try ServerConfiguration { ["LOG_FORMAT": "json", "LOG_LEVEL": level][$0] }
            let factory = configuration.logHandlerFactory
            let logger = Logger(label: "reclab") { label in
                var handler = factory(label)
                if var json = handler as? JSONLogHandler {
                    // The configured handler, writing where the test can read.
                    json = JSONLogHandler(label: label, level: json.logLevel) { line in lines.withLock { $0.append(level + " " + line) } }
                    handler = json
                }
                return handler
            }
            try await withLiveServer(logger: logger) { client in
                _ = try await client.execute(uri: "/genres", method: .get)
            }
        }
        let written = lines.withLock { $0 }
        #expect(!written.contains { $0.hasPrefix("WARNING ") }, "request lines are info: silenced at WARNING")
        #expect(written.contains { $0.hasPrefix("INFO {") && $0.contains(#""route":"/genres""#) })
    }

    @Test func metricsExportEveryFamilyWithHelpAndBoundedLabels() async throws {
        try await withLiveServer { client in
            _ = try await client.execute(uri: "/users/42/recommendations/personalized?limit=3", method: .get)
            _ = try await client.execute(uri: "/users/42/recommendations/personalized?limit=3", method: .get)
            _ = try await client.execute(uri: "/recommendations/similar/27205", method: .get)
            _ = try await client.execute(uri: "/movies/27205", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let exposition = Exposition(String(buffer: response.body))
            for (name, _) in exposition.types {
                #expect(name.hasPrefix("reclab_"), "\(name)")
                #expect(exposition.helped.contains(name), "no HELP for \(name)")
            }
            // Every family a running server with these strategies produces (factors need ALS,
            // assignments and SRM a running experiment: DashboardTests covers those; refusals
            // need a configured rate limit: ProtectionTests covers that; TMDB's need TMDB:
            // TMDBClientTests covers those; shared generations need MODELS_DIR: ReplicaTests).
            let elsewhere: [MetricFamily] = [
                Metric.modelFactors, Metric.experimentAssignments, Metric.experimentSampleRatioPValue, Metric.rateLimited,
                Metric.tmdbRequests, Metric.tmdbRequestDuration, Metric.modelGenerations,
            ]
            let expected = Metric.all.filter { !elsewhere.contains($0) }
            for family in expected {
                #expect(exposition.types[family.name] == family.kind.rawValue, "\(family.name)")
            }
            // Route templates, never raw paths.
            #expect(exposition.text.contains(#"route="/movies/{tmdb_id}""#))
            // In a label, that is: a sample's value may happen to hold those digits (0.000272056).
            #expect(exposition.text.firstMatch(of: /\{[^}]*27205[^}]*\}/) == nil)
            #expect(exposition.text.contains(#"reclab_cache_requests_total{cache="recommendations",result="hit"}"#))

            let checked = try runTool("/usr/bin/promtool", ["check", "metrics"], input: exposition.text)
            #expect(checked.status == 0, "promtool: \(checked.output)")
        }
    }

    @Test func readinessWaitsForTheModelsAndDetailedHealthHasTheSeedsShape() async throws {
        let services = RecLabServices(
            configuration: LiveServices.configuration, store: try await RealCatalogue.store(), registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: LiveServices.configuration.strategiesFile, registry: testStrategies),
            logger: testLogger)
        try await buildApplication(configuration: LiveServices.configuration, services: services, logger: testLogger).test(.live) { client in
            let before = try await client.execute(uri: "/health/ready", method: .get)
            #expect(before.status == .serviceUnavailable)
            let checks = try #require(try before.json()["checks"] as? [String: [String: Any]])
            #expect(checks["database"]?["status"] as? String == "ok")
            #expect(checks["ml_models"]?["status"] as? String == "not_fitted")
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)

            try await services.start()
            #expect(try await client.execute(uri: "/health/ready", method: .get).status == .ok)
            let detailed = try await client.execute(uri: "/health/detailed", method: .get).json()
            #expect(detailed["status"] as? String == "healthy")
            let services = try #require(detailed["services"] as? [String: [String: Any]])
            // The seed's four checks, and the histories answers read from memory.
            #expect(Set(services.keys) == ["database", "ml_models", "cache", "tmdb_api", "user_histories"])
            #expect(services["database"]?["latency_ms"] is Double)
            #expect(services["tmdb_api"]?["status"] as? String == "not_configured")
            let metrics = try #require(detailed["metrics"] as? [String: Any])
            #expect(metrics["total_recommendations"] is Int && metrics["active_users"] is Int)
        }
    }
}
