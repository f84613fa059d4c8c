import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabEvaluation
import RecLabServer
import RecLabServing
import RecLabSQLite
import TestSupport
import Testing

@Suite(.serialized) struct EvaluationAPITests {
    /// Runs `reclab evaluate`'s job on a one-strategy config into the shared test database.
    static let evaluation = Task { () throws -> EvaluationJob.Output in
        let folder = try makeTemporaryDirectory("evaluate")
        let config = try mostPopularEvaluationConfig(named: "tiny", in: folder)
        return try await EvaluationJob.run(
            configPath: config.path, reportsDirectory: folder.appending(path: "reports"), store: try await RealCatalogue.store(),
            scratch: { try SQLiteStore(path: $0.appending(path: "catalogue.sqlite").path) }, registry: testStrategies)
    }

    @Test func evaluateWritesJSONMarkdownAndHTMLWithTheDataChecksum() async throws {
        let output = try await Self.evaluation.value
        for file in ["report.json", "report.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: output.folder.appending(path: file).path), "\(file)")
        }
        #expect(output.report.data.sha256 == "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646")
        #expect(String(format: "%.4f", output.report.strategies[0].metrics.ndcg) == "0.0743")
        let markdown = try String(contentsOf: output.folder.appending(path: "report.md"), encoding: .utf8)
        #expect(markdown.contains("0.0743"))
    }

    @Test func modelPerformanceServesTheLatestReportPerStrategy() async throws {
        let output = try await Self.evaluation.value
        try await withRoutes { client in
            let body = try await client.execute(uri: "/analytics/model-performance", method: .get).json()
            #expect(body["protocol_version"] as? String == "v1")
            #expect(body["evaluation_id"] as? String == output.report.id)
            let scores = try #require((body["strategies"] as? [String: Any])?["most-popular"] as? [String: Any])
            #expect(abs((scores["ndcg"] as? Double ?? 0) - 0.0743) < 0.00005)
            for metric in ["precision", "recall", "map", "mrr", "coverage", "hit_rate"] { #expect(scores[metric] is Double, "\(metric)") }
        }
    }

    @Test func evaluationsAreListedAndServedAsJSONAndHTML() async throws {
        let output = try await Self.evaluation.value
        try await withRoutes { client in
            let list = try #require(try await client.execute(uri: "/evaluations", method: .get).json()["evaluations"] as? [[String: Any]])
            #expect(list.contains { $0["id"] as? String == output.report.id })
            let json = try await client.execute(uri: "/evaluations/\(output.report.id)", method: .get)
            #expect(try json.json()["name"] as? String == "tiny")
            let html = try await client.execute(uri: "/evaluations/\(output.report.id)/report", method: .get)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'none'") == true)
            #expect(String(buffer: html.body).contains("<svg"))
            #expect(try await client.execute(uri: "/evaluations/nope", method: .get).status == .notFound)
        }
    }

    @Test func userBehaviorSummarisesAMovieLensUsersRatings() async throws {
        try await withRoutes { client in
            let body = try await client.execute(uri: "/analytics/user-behavior/1", method: .get).json()
            #expect(body["interactions"] as? Int == 232)
            let genres = try #require(body["favorite_genres"] as? [[String: Any]])
            #expect(!genres.isEmpty)
            let distribution = try #require(body["rating_distribution"] as? [String: Int])
            #expect(distribution.values.reduce(0, +) == 232)
            #expect(!(body["activity"] as? [Any] ?? []).isEmpty)
            #expect(try await client.execute(uri: "/analytics/user-behavior/nobody-at-all", method: .get).status == .notFound)
        }
    }
}
