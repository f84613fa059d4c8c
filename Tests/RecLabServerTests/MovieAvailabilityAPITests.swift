import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabStore
import TestSupport
import Testing

/// An operator's hides and availability windows over HTTP: a withheld movie leaves every
/// recommendation, search result and cached answer, on this server and on a replica.
@Suite struct MovieAvailabilityAPITests {
    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key", .contentType: "application/json"]
    /// The Matrix, and a movie with it among its most similar.
    static let matrix = 603
    static let reloaded = 604

    static func ids(_ client: some TestClientProtocol, _ uri: String) async throws -> [Int] {
        let response = try await client.execute(uri: uri, method: .get)
        #expect(response.status == .ok, "\(uri)")
        return try response.recommendedIDs()
    }

    static func searchIDs(_ client: some TestClientProtocol, _ query: String) async throws -> (ids: [Int], total: Int) {
        let body = try await client.execute(uri: "/movies/search?query=\(query)", method: .get).json()
        let ids = (body["movies"] as? [[String: Any]] ?? []).compactMap { $0["tmdb_id"] as? Int }
        return (ids, body["total_results"] as? Int ?? -1)
    }

    static func hide(_ client: some TestClientProtocol, _ tmdbID: Int, body: String? = nil) async throws -> TestResponse {
        try await client.execute(
            uri: "/admin/movies/\(tmdbID)/hide", method: .post, headers: body == nil ? [HTTPField.Name("X-API-Key")!: "test-admin-key"] : admin,
            body: body.map { ByteBuffer(string: $0) })
    }

    @Test func aHiddenMovieLeavesRecommendationsSearchAndCachedAnswersUntilShownAgain() async throws {
        let store = try await ReplicaTests.movieLensStore(.sqlite)
        try await ReplicaTests.serve(store, environment: ["ENABLE_CACHE": "true"]) { client in
            let similar = "/recommendations/similar/\(Self.reloaded)?limit=20"
            #expect(try await Self.ids(client, similar).contains(Self.matrix), "cached before the hide")
            #expect(try await Self.searchIDs(client, "matrix").ids.contains(Self.matrix))
            let before = try await Self.searchIDs(client, "matrix").total

            let hidden = try await Self.hide(client, Self.matrix)
            #expect(hidden.status == .ok)
            let state = try hidden.json()
            #expect(state["hidden"] as? Bool == true && state["withheld"] as? Bool == true && state["hidden_until"] is NSNull, "\(state)")
            #expect(!(try await Self.ids(client, similar).contains(Self.matrix)), "the cached answer was dropped")
            #expect(!(try await Self.ids(client, "/recommendations/popular?limit=50").contains(Self.matrix)))
            #expect(!(try await Self.ids(client, "/recommendations/genre/science-fiction?limit=50").contains(Self.matrix)))
            let search = try await Self.searchIDs(client, "matrix")
            #expect(!search.ids.contains(Self.matrix) && search.total == before - 1, "search neither shows nor counts it")
            let listed = try await client.execute(uri: "/admin/movies/withheld", method: .get, headers: Self.admin).json()
            #expect((listed["movies"] as? [[String: Any]])?.map { $0["tmdb_id"] as? Int } == [Self.matrix])

            #expect(try await client.execute(uri: "/admin/movies/\(Self.matrix)/hide", method: .delete, headers: Self.admin).status == .noContent)
            #expect(try await Self.ids(client, similar).contains(Self.matrix), "shown again")
            #expect(try await client.execute(uri: "/admin/movies/\(Self.matrix)/hide", method: .delete, headers: Self.admin).status == .notFound)
        }
    }

    @Test func aHideEndsAtItsUntilAndAWindowShowsAMovieOnlyWithinIt() async throws {
        let store = try await ReplicaTests.movieLensStore(.sqlite)
        try await ReplicaTests.serve(store, environment: ["ENABLE_CACHE": "true"]) { client in
            let similar = "/recommendations/similar/\(Self.reloaded)?limit=20"
            // Long enough for the hidden answer to be asked for on a loaded machine (the suites
            // run side by side on two cores), then waited out.
            let end = Date().addingTimeInterval(8)
            let until = ISO8601DateFormatter().string(from: end)
            #expect(try await Self.hide(client, Self.matrix, body: #"{"until": "\#(until)"}"#).status == .ok)
            #expect(!(try await Self.ids(client, similar).contains(Self.matrix)))
            try await Task.sleep(for: .seconds(max(0, end.timeIntervalSinceNow) + 1))
            #expect(try await Self.ids(client, similar).contains(Self.matrix), "the hide ran out, and the answer cached during it went")

            let opens = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            let window = try await client.execute(
                uri: "/admin/movies/\(Self.matrix)/availability", method: .put, headers: Self.admin, body: ByteBuffer(string: #"{"from": "\#(opens)"}"#))
            #expect(window.status == .ok)
            #expect(try window.json()["withheld"] as? Bool == true)
            #expect(!(try await Self.ids(client, similar).contains(Self.matrix)), "not available before its window opens")
            #expect(try await client.execute(uri: "/admin/movies/\(Self.matrix)/availability", method: .delete, headers: Self.admin).status == .noContent)
            #expect(try await Self.ids(client, similar).contains(Self.matrix))
        }
    }

    @Test func badHidesAreRefusedAndChangeNothing() async throws {
        let store = try await ReplicaTests.movieLensStore(.sqlite)
        try await ReplicaTests.serve(store) { client in
            #expect(try await client.execute(uri: "/admin/movies/\(Self.matrix)/hide", method: .post).status == .unauthorized)
            #expect(try await Self.hide(client, 999_999_999).status == .notFound)
            #expect(try await Self.hide(client, Self.matrix, body: #"{"until": "2001-01-01T00:00:00Z"}"#).status == .unprocessableContent)
            #expect(try await Self.hide(client, Self.matrix, body: #"{"until": "soon"}"#).status == .badRequest)
            let window = try await client.execute(
                uri: "/admin/movies/\(Self.matrix)/availability", method: .put, headers: Self.admin,
                body: ByteBuffer(string: #"{"from": "2030-01-01T00:00:00Z", "until": "2029-01-01T00:00:00Z"}"#))
            #expect(window.status == .unprocessableContent)
            #expect(try await store.availability().isEmpty)
            #expect(try await Self.searchIDs(client, "matrix").ids.contains(Self.matrix))
        }
    }

    /// A hide through one replica reaches the other's cached and uncached answers through the
    /// change feed's announcement, not a cache lifetime.
    @Test(arguments: Backend.allCases)
    func aMovieHiddenThroughOneReplicaLeavesTheOthersAnswersWithinASecond(_ backend: Backend) async throws {
        let (first, second) = try await ReplicaTests.twoStoresOnOneDatabase(backend)
        try await ReplicaTests.serve(first) { a in
            try await ReplicaTests.serve(second, environment: ["ENABLE_CACHE": "true"]) { b in
                let cached = "/recommendations/similar/\(Self.reloaded)?limit=20"
                #expect(try await Self.ids(b, cached).contains(Self.matrix))
                #expect(try await Self.hide(a, Self.matrix).status == .ok)
                let hidden = ContinuousClock.now
                var gone = false
                while !gone, ContinuousClock.now - hidden < .seconds(10) {
                    let uncached = "/recommendations/similar/\(Self.reloaded)?limit=\(Int.random(in: 30...50))"
                    let shown = try await Self.ids(b, cached) + Self.ids(b, uncached)
                    gone = !shown.contains(Self.matrix)
                    if !gone { try await Task.sleep(for: .milliseconds(20)) }
                }
                let delay = ContinuousClock.now - hidden
                #expect(gone, "B still shows the movie A hid")
                #expect(delay < .seconds(1), "B learned of the hide after \(delay)")
                try await a.execute(uri: "/admin/movies/\(Self.matrix)/hide", method: .delete, headers: Self.admin)
            }
        }
    }
}
