import Foundation
import HummingbirdTesting
import TestSupport
import Testing

@Suite(.serialized) struct UserDataDeletionTests {
    @Test func deletingAUserRemovesTheirPreferencesEventsExposuresAndCachedAnswers() async throws {
        let id = "erase-\(UUID().uuidString.prefix(8).lowercased())"
        let user = "\(id)-user"
        let server = try await ExperimentServer.start(experiment: ExperimentReportAPITests.experiment(id))
        try await server.run { client in
            #expect(try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 5.0}"#).status == .created)
            let shown = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
            let reasons = (shown["recommendations"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons.contains { $0.contains("Inception") })
            let requestID = try #require(shown["request_id"] as? String)
            let recommended = try #require(shown["recommendations"] as? [[String: Any]])
            let movie = try #require(recommended.first?["movie_id"] as? Int)
            let click = #"{"events": [{"event_id": "\#(id)-click", "type": "click", "user_id": "\#(user)", "movie_id": \#(movie), "request_id": "\#(requestID)", "timestamp": "2026-11-30T10:00:00Z"}]}"#
            #expect(try await client.post("/events", json: click).status == .ok)

            let erased = try await client.execute(uri: "/users/\(user)", method: .delete)
            #expect(erased.status == .ok)
            let body = try erased.json()
            #expect(body["user_id"] as? String == user)
            let deleted = try #require(body["deleted"] as? [String: Int])
            #expect(deleted["preferences"] == 1)
            #expect(deleted["events"] == 1)
            // The exposure may still have been in the log's buffer: then it is dropped there.
            #expect((0...1).contains(deleted["exposures"] ?? -1))

            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let users = (report["variants"] as? [[String: Any]] ?? []).map { $0["users"] as? Int ?? -1 }
            #expect(users == [0, 0], "no exposure of the user is left, stored or buffered")
            let preferences = try await client.execute(uri: "/users/\(user)/preferences", method: .get).json()
            #expect(preferences["total_count"] as? Int == 0)
            // The cached answer went with the preferences.
            let after = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
            let reasonsAfter = (after["recommendations"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(!reasonsAfter.contains { $0.contains("Inception") })

            let again = try #require(try await client.execute(uri: "/users/\(user)", method: .delete).json()["deleted"] as? [String: Int])
            #expect(again["preferences"] == 0 && again["events"] == 0, "nothing but the answer served since")
        }
    }

    @Test func deletingOnePreferenceLeavesTheOthersAndAMissingOneIsA404() async throws {
        let user = "erase-one-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            for movie in [27205, 155] {
                #expect(try await client.post("/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": 4.0}"#).status == .created)
            }
            let removed = try await client.execute(uri: "/users/\(user)/preferences/27205", method: .delete)
            #expect(removed.status == .noContent)
            let left = try #require(try await client.execute(uri: "/users/\(user)/preferences", method: .get).json()["preferences"] as? [[String: Any]])
            #expect(left.map { $0["movie_id"] as? Int } == [155])

            let missing = try await client.execute(uri: "/users/\(user)/preferences/27205", method: .delete)
            #expect(missing.status == .notFound)
            #expect((try missing.json()["error"] as? [String: String])?["code"] == "preference_not_found")
            #expect(try await client.execute(uri: "/users/\(user)/preferences/abc", method: .delete).status == .badRequest)
        }
    }
}
