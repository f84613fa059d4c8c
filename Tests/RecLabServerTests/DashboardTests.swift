import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabServer
import RecLabServing
import TestSupport
import Testing

/// The operator's files in dashboards/ against a running server and Debian's Prometheus.
@Suite(.serialized) struct DashboardTests {
    /// Every `reclab_…` metric an expression names, histogram series reduced to their family.
    static func families(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "reclab_[a-z0-9_]+")
        let names = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
        return Set(names.map { name in
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
            return name
        })
    }

    /// The PromQL of every panel target in the dashboards.
    static func dashboardExpressions() throws -> [String] {
        try ["dashboards/reclab.json", "dashboards/grafana/reclab-experiments.json"].flatMap { try expressions(in: repositoryFile($0)) }
    }

    static func expressions(in path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func walk(_ value: Any) -> [String] {
            if let object = value as? [String: Any] {
                let own = (object["expr"] as? String).map { [$0] } ?? []
                return own + object.values.flatMap(walk)
            }
            if let array = value as? [Any] { return array.flatMap(walk) }
            return []
        }
        return walk(try JSONSerialization.jsonObject(with: data))
    }

    @Test func everyMetricTheDashboardAndRulesNameIsExportedByARunningServer() async throws {
        let expressions = try Self.dashboardExpressions()
        #expect(expressions.count >= 30)
        let rules = try String(contentsOfFile: repositoryFile("dashboards/alerts.yml"), encoding: .utf8)
        let named = Self.families(in: expressions.joined(separator: "\n")).union(Self.families(in: rules))
        #expect(named.count >= 20)

        _ = try await EvaluationAPITests.evaluation.value  // the offline scores' source
        let id = "dash-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: ExperimentReportAPITests.experiment(id))
        try await server.run { client in
            for user in 1...6 { _ = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=3", method: .get) }
            _ = try await client.execute(uri: "/users/1/recommendations/personalized?limit=3", method: .get)
            _ = try await client.post("/events", json: EventAPITests.batch("dash-\(id)", count: 1, type: "impression"))
            let exposition = Exposition(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            for name in named.sorted() {
                #expect(exposition.types[name] != nil, "\(name) is named by dashboards/ but not exported")
            }
            #expect(exposition.text.contains("reclab_experiment_sample_ratio_p_value{experiment=\"\(id)\"}"))
        }
    }

    @Test func promtoolAcceptsTheRulesTheirTestsAndTheScrapeConfig() throws {
        for arguments in [
            ["check", "rules", repositoryFile("dashboards/alerts.yml")],
            ["test", "rules", repositoryFile("dashboards/alerts.test.yml")],
            ["check", "config", repositoryFile("dashboards/prometheus.yml")],
        ] {
            let result = try runTool("/usr/bin/promtool", arguments)
            #expect(result.status == 0, "promtool \(arguments.joined(separator: " ")): \(result.output)")
        }
    }

    @Test func aRealPrometheusScrapesTheServerAndAnswersQueries() async throws {
        let storage = try makeTemporaryDirectory("prometheus")
        try await withLiveServer { client in
            for _ in 0..<3 { _ = try await client.execute(uri: "/genres", method: .get) }
            let config = storage.appending(path: "prometheus.yml")
            try """
                global: { scrape_interval: 1s }
                scrape_configs:
                  - job_name: reclab
                    static_configs: [{ targets: ["127.0.0.1:\(client.port!)"] }]
                """.write(to: config, atomically: true, encoding: .utf8)
            let port = try freeTCPPort()
            let prometheus = Process()
            prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
            prometheus.arguments = [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(storage.appending(path: "data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ]
            let log = storage.appending(path: "prometheus.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            prometheus.standardOutput = try FileHandle(forWritingTo: log)
            prometheus.standardError = prometheus.standardOutput
            try prometheus.run()
            defer {
                prometheus.terminate()
                prometheus.waitUntilExit()
            }
            let query = URL(string: "http://127.0.0.1:\(port)/api/v1/query?query=reclab_http_requests_total%7Broute%3D%22%2Fgenres%22%7D")!
            var found: Double?
            for _ in 0..<60 where found == nil {
                try await Task.sleep(for: .milliseconds(500))
                guard let (data, _) = try? await URLSession.shared.data(from: query),
                      let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let result = (body["data"] as? [String: Any])?["result"] as? [[String: Any]],
                      let value = (result.first?["value"] as? [Any])?.last as? String else { continue }
                found = Double(value)
            }
            let printed = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect((found ?? 0) >= 3, "Prometheus never returned the counter; its log:\n\(printed)")
        }
    }
}
