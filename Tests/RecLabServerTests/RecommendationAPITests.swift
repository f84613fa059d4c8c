import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabCore
import RecLabServer
import RecLabServing
import Synchronization
import TestSupport
import Testing

@Suite struct RecommendationAPITests {
    @Test func similarToInceptionIncludesANolanOrSpaceFilmInItsTopTen() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/recommendations/similar/27205?limit=10", method: .get) { response in
                #expect(response.status == .ok)
                let ids = try response.recommendedIDs()
                #expect(ids.count == 10)
                #expect(!ids.contains(27205))
                #expect(!Set(ids).isDisjoint(with: [157336, 155, 49026, 272, 1124, 77]))
                let body = try response.json()
                #expect(body["strategy"] as? String == "content")
                #expect(body["movie_id"] as? Int == 27205)
                #expect(body["type"] as? String == "similar")
                #expect(body["generated_at"] is String)
                let first = try #require((body["recommendations"] as? [[String: Any]])?.first)
                #expect(!(first["reason"] as? String ?? "").isEmpty)
            }
        }
    }

    @Test func anAnswerOutsideExperimentsWritesExperimentAndVariantAsNullAndLeavesOutWhatWasNotAsked() async throws {
        try await withRoutes { client in
            let body = try await client.execute(uri: "/recommendations/popular?limit=3", method: .get).json()
            #expect(Set(body.keys) == [
                "type", "strategy", "strategy_instance", "recommendations", "total_count", "generated_at", "request_id", "experiment", "variant",
            ])
            #expect(body["experiment"] is NSNull)
            #expect(body["variant"] is NSNull)
            for item in try #require(body["recommendations"] as? [[String: Any]]) {
                #expect(Set(item.keys) == ["movie_id", "title", "score", "reason", "poster_path", "poster_url", "release_date", "vote_average"])
            }
        }
    }

    @Test func genreSciFiReturnsOnlyScienceFiction() async throws {
        let store = try await RealCatalogue.store()
        try await withRoutes { client in
            let ids = try await client.execute(uri: "/recommendations/genre/sci-fi?limit=10", method: .get).recommendedIDs()
            #expect(ids.count == 10)
            for id in ids {
                #expect(try await store.movie(tmdbID: id)?.genres.contains("Science Fiction") == true, "\(id)")
            }
        }
    }

    @Test func aPixarFanGetsAnimationInTheirPersonalizedTopTen() async throws {
        let store = try await RealCatalogue.store()
        let pixar = [862, 863, 10193, 585, 12, 2062, 9806, 14160]
        let user = "pixar-fan-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            for movie in pixar {
                let response = try await client.post("/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": 5.0, "favorite": true}"#)
                #expect(response.status == .created)
            }
            let ids = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=10", method: .get).recommendedIDs()
            #expect(ids.count == 10)
            #expect(Set(ids).isDisjoint(with: pixar))
            var animated = 0
            for id in ids where try await store.movie(tmdbID: id)?.genres.contains("Animation") == true { animated += 1 }
            #expect(animated >= 3)
        }
    }

    @Test func aNewPreferenceChangesTheNextPersonalizedAnswerAtOnce() async throws {
        let user = "changing-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 862, "rating": 5.0}"#)
            let before = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=10", method: .get).recommendedIDs()
            try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 5.0}"#)
            let after = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=10", method: .get).recommendedIDs()
            #expect(before != after)
            #expect(!after.contains(27205))
        }
    }

    @Test func aUserWithNoHistoryGetsAColdStartAnswerThatSaysSo() async throws {
        try await withRoutes { client in
            let response = try await client.execute(uri: "/users/nobody-\(UUID().uuidString.prefix(8))/recommendations/personalized?limit=5", method: .get)
            let items = try #require(try response.json()["recommendations"] as? [[String: Any]])
            #expect(items.count == 5)
            let reason = items.first?["reason"] as? String ?? ""
            #expect(reason.localizedCaseInsensitiveContains("popular"))
        }
    }

    @Test func aMovieLensUserIsRecommendedNothingTheyRated() async throws {
        let rated = Set(try await RealCatalogue.store().history(of: "1").map(\.movie))
        let catalogue = try await LiveServices.shared().models.generation!.catalogue
        try await withRoutes { client in
            let ids = try await client.execute(uri: "/users/1/recommendations/personalized?limit=50", method: .get).recommendedIDs()
            #expect(ids.count == 50)
            let ratedTMDB = Set(rated.compactMap { catalogue.item($0)?.tmdbID })
            #expect(Set(ids).isDisjoint(with: ratedTMDB))
        }
    }

    @Test(arguments: ["popular", "top-rated", "trending?time_window=week"])
    func rankingsAnswerTenMovies(path: String) async throws {
        try await withRoutes { client in
            let separator = path.contains("?") ? "&" : "?"
            let ids = try await client.execute(uri: "/recommendations/\(path)\(separator)limit=10", method: .get).recommendedIDs()
            #expect(ids.count == 10)
        }
    }

    @Test func hybridBlendsForAUser() async throws {
        try await withRoutes { client in
            let response = try await client.execute(uri: "/recommendations/hybrid/1?limit=10", method: .get)
            #expect(try response.recommendedIDs().count == 10)
            #expect(try response.json()["strategy"] as? String == "hybrid")
        }
    }

    @Test func preferencesAreStoredUpdatedAndListed() async throws {
        let user = "prefs-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            let created = try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 4.5, "watched": true}"#)
            #expect(created.status == .created)
            #expect(try created.json()["rating"] as? Double == 4.5)
            try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 3.0, "favorite": true}"#)
            let list = try await client.execute(uri: "/users/\(user)/preferences", method: .get).json()
            let preferences = try #require(list["preferences"] as? [[String: Any]])
            #expect(preferences.count == 1)
            #expect(preferences.first?["rating"] as? Double == 3.0)
            #expect(preferences.first?["favorite"] as? Bool == true)
            #expect(preferences.first?["movie_id"] as? Int == 27205)
        }
    }

    @Test(arguments: [
        (#"{"movie_id": 27205, "rating": 4.3}"#, 422, "rating must be 0.5 to 5.0 in half steps, got 4.3"),
        (#"{"movie_id": 27205, "rating": 6}"#, 422, "rating must be 0.5 to 5.0 in half steps, got 6.0"),
        (#"{"movie_id": 999999999, "rating": 4}"#, 422, "movie_id 999999999 is not in the catalogue"),
        (#"{"movie_id": 27205}"#, 422, "give a rating or set favorite, watchlist or watched"),
        (#"{"rating": 4}"#, 400, "request body is not valid: missing field 'movie_id'"),
        (#"{"movie_id": 27205, "rating": 4"#, 400, "request body is not valid: The given data was not valid JSON."),
    ])
    func badPreferencesAreRefusedAndChangeNothing(body: String, status: Int, message: String?) async throws {
        let user = "bad-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            let response = try await client.post("/users/\(user)/preferences", json: body)
            #expect(response.status.code == status)
            let error = try #require(try response.json()["error"] as? [String: Any])
            if let message { #expect(error["message"] as? String == message) }
            let list = try await client.execute(uri: "/users/\(user)/preferences", method: .get).json()
            #expect(list["total_count"] as? Int == 0)
        }
    }

    @Test(arguments: [
        ("/recommendations/popular?limit=0", 400),
        ("/recommendations/popular?limit=51", 400),
        ("/recommendations/popular?limit=ten", 400),
        ("/recommendations/genre/not-a-genre", 404),
        ("/recommendations/similar/999999999", 404),
        ("/recommendations/similar/abc", 400),
        ("/recommendations/trending?time_window=year", 400),
        ("/users/bad%20id!/recommendations/personalized", 400),
    ])
    func badRecommendationRequestsGetAClearError(uri: String, status: Int) async throws {
        try await withRoutes { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status.code == status)
            #expect(try response.json()["error"] != nil)
        }
    }
}

/// Refits touch the shared models, so these run one at a time.
@Suite(.serialized) struct RefitTests {
    @Test func refitNeedsTheAdminKeyIsQueuedOnceAndSwapsTheModels() async throws {
        let services = try await LiveServices.shared()
        let before = try #require(services.models.generation?.fittedAt)
        try await withRoutes { client in
            #expect(try await client.execute(uri: "/admin/refit", method: .post).status == .unauthorized)
            let wrong = try await client.execute(uri: "/admin/refit", method: .post, headers: [HTTPField.Name("X-API-Key")!: "wrong"])
            #expect(wrong.status == .unauthorized)
            let key: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key"]
            #expect(try await client.execute(uri: "/admin/refit", method: .post, headers: key).status == .accepted)
            // A refit of every model takes seconds: the second request finds it running.
            #expect(try await client.execute(uri: "/admin/refit", method: .post, headers: key).status == .conflict)
            let deadline = ContinuousClock.now + .seconds(300)
            while try #require(services.models.generation?.fittedAt) == before, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try #require(services.models.generation?.fittedAt) > before)
    }

    @Test func aRefitSwapsTheModelsWhileRequestsKeepBeingAnswered() async throws {
        let services = try await LiveServices.shared()
        let before = try #require(services.models.generation?.fittedAt)
        try await withRoutes { client in
            // The refit itself, as the refit service runs it (the route only queues it).
            let done = Mutex(false)
            let refit = Task {
                defer { done.withLock { $0 = true } }
                return try await services.models.refit()
            }
            var answered = 0
            repeat {
                let response = try await client.execute(uri: "/users/\(answered % 50 + 1)/recommendations/personalized?limit=5", method: .get)
                #expect(response.status == .ok)
                answered += 1
            } while !done.withLock({ $0 })
            #expect(try await refit.value)
            #expect(answered > 1)
        }
        #expect(try #require(services.models.generation?.fittedAt) > before)
    }
}
