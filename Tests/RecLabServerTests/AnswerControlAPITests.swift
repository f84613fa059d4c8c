import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabCore
import TestSupport
import Testing

/// The list controls over HTTP, on the real server: the same parameters on every
/// recommendation route, what passes them, their 400s, the cache's key and an emptied list's
/// reason.
@Suite struct AnswerControlAPITests {
    static let routes = [
        "/recommendations/similar/27205", "/recommendations/genre/drama", "/recommendations/popular", "/recommendations/top-rated",
        "/recommendations/trending?time_window=month", "/users/1/recommendations/personalized", "/recommendations/hybrid/1",
        "/recommendations/ab-test/1",
    ]

    static func uri(_ route: String, _ query: String) -> String { route + (route.contains("?") ? "&" : "?") + query }

    @Test func everyRecommendationRouteKeepsOnlyMoviesOfTheGenresAndYearsAsked() async throws {
        let store = try await RealCatalogue.store()
        try await withLiveServer { client in
            for route in Self.routes {
                let response = try await client.execute(uri: Self.uri(route, "genres=comedy,romance&exclude_genres=animation&year_from=1985&year_to=2005&limit=8"), method: .get)
                #expect(response.status == .ok, "\(route)")
                let ids = try response.recommendedIDs()
                #expect(!ids.isEmpty, "\(route) found nothing")
                for id in ids {
                    let movie = try #require(try await store.movie(tmdbID: id))
                    #expect(movie.genres.contains("Comedy") || movie.genres.contains("Romance"), "\(route): \(movie.title) \(movie.genres)")
                    #expect(!movie.genres.contains("Animation"), "\(route): \(movie.title)")
                    #expect((1985...2005).contains(movie.year ?? 0), "\(route): \(movie.title) \(movie.year ?? 0)")
                }
            }
        }
    }

    @Test func excludedMoviesAreLeftOutAndTheListIsStillFull() async throws {
        try await withLiveServer { client in
            for route in ["/users/1/recommendations/personalized", "/recommendations/popular", "/recommendations/similar/27205"] {
                let plain = try await client.execute(uri: Self.uri(route, "limit=10"), method: .get).recommendedIDs()
                let dropped = plain.prefix(4).map(String.init).joined(separator: ",")
                let again = try await client.execute(uri: Self.uri(route, "limit=10&exclude=\(dropped)"), method: .get).recommendedIDs()
                #expect(again.count == 10, "\(route)")
                #expect(Set(again).isDisjoint(with: plain.prefix(4)), "\(route)")
                // The strategy's order is kept: what was fifth is now first.
                #expect(Array(again.prefix(6)) == Array(plain.dropFirst(4)), "\(route)")
            }
        }
    }

    @Test func aGenreCapKeepsEachGenreToItsCapAndMMRAtZeroKeepsTheStrategysOrder() async throws {
        let store = try await RealCatalogue.store()
        try await withLiveServer { client in
            let capped = try await client.execute(uri: "/users/1/recommendations/personalized?limit=10&diversify=genre_cap&max_per_genre=2", method: .get)
                .recommendedIDs()
            #expect(capped.count == 10)
            var genres: [String] = []
            for id in capped { genres += try await store.movie(tmdbID: id)?.genres ?? [] }
            let counts = Dictionary(grouping: genres) { $0 }.mapValues(\.count)
            #expect(counts.values.allSatisfy { $0 <= 2 }, "\(counts)")

            let plain = try await client.execute(uri: "/users/1/recommendations/personalized?limit=10", method: .get).recommendedIDs()
            let still = try await client.execute(uri: "/users/1/recommendations/personalized?limit=10&diversify=mmr&diversity=0", method: .get)
                .recommendedIDs()
            #expect(still == plain)
            let varied = try await client.execute(uri: "/users/1/recommendations/personalized?limit=10&diversify=mmr&diversity=0.9", method: .get)
                .recommendedIDs()
            #expect(varied.count == 10 && varied != plain && varied.first == plain.first)
        }
    }

    @Test func theAnswerCacheKeysOnTheControls() async throws {
        try await withLiveServer(environment: ["ENABLE_CACHE": "true"]) { client in
            let plain = try await client.execute(uri: "/recommendations/popular?limit=5", method: .get).recommendedIDs()
            let excluded = try await client.execute(uri: "/recommendations/popular?limit=5&exclude=\(plain[0])", method: .get).recommendedIDs()
            #expect(!excluded.contains(plain[0]))
            let cached = try await client.execute(uri: "/recommendations/popular?limit=5", method: .get).recommendedIDs()
            #expect(cached == plain)
        }
    }

    @Test func aListTheControlsEmptySaysWhyWithTotalCountZero() async throws {
        try await withLiveServer { client in
            let response = try await client.execute(uri: "/recommendations/top-rated?year_from=2150&limit=5", method: .get)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["total_count"] as? Int == 0)
            #expect((body["reason"] as? String)?.contains("year_from=2150") == true, "\(body)")
            let full = try await client.execute(uri: "/recommendations/top-rated?limit=5", method: .get).json()
            #expect(full["reason"] == nil, "a list with movies gives no reason")
        }
    }

    @Test func unseenForLeavesOutWhatTheUserWasShownAndDidNotClick() async throws {
        try await withLiveServer(environment: ["ENABLE_CACHE": "true"]) { client in
            let user = "unseen-\(UUID().uuidString.prefix(8))"
            #expect(try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 5.0}"#).status == .created)
            let route = "/users/\(user)/recommendations/personalized?limit=10"
            let shown = try await client.execute(uri: route, method: .get).recommendedIDs()
            let clicked = shown[0]
            let event = #"{"event_id": "\#(UUID().uuidString)", "type": "click", "user_id": "\#(user)", "movie_id": \#(clicked), "request_id": "rec_x", "timestamp": "2026-01-01T10:00:00Z"}"#
            #expect(try await client.post("/events", json: #"{"events": [\#(event)]}"#).status == .ok)
            // At once, from the log's buffer: no wait for its write.
            let fresh = try await client.execute(uri: route + "&unseen_for=1d", method: .get).recommendedIDs()
            #expect(fresh.count == 10)
            #expect(Set(fresh).isDisjoint(with: shown.dropFirst()), "nothing shown and not clicked comes back")
            // Not cached: asked again, what the last answer showed is left out too.
            let again = try await client.execute(uri: route + "&unseen_for=1d", method: .get).recommendedIDs()
            #expect(Set(again).isDisjoint(with: fresh.filter { $0 != clicked }), "\(again) repeats \(fresh)")
            #expect(try await client.execute(uri: route, method: .get).recommendedIDs() == shown, "without it, the cached list")
        }
    }

    @Test(arguments: ["/recommendations/popular?unseen_for=1d", "/users/1/recommendations/personalized?unseen_for=7", "/recommendations/hybrid/1?unseen_for=91d",
                      "/recommendations/ab-test/1?unseen_for=0h", "/recommendations/similar/27205?unseen_for=1h"])
    func unseenForIsA400WithoutAUserOrAValidDuration(uri: String) async throws {
        try await withLiveServer { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .badRequest)
            #expect(((try response.json()["error"] as? [String: Any])?["message"] as? String)?.contains("unseen_for") == true)
        }
    }

    @Test(arguments: [
        ("genres=nosuchgenre", "genres"), ("exclude_genres=comedy&genres=comedy", "exclude_genres"), ("year_from=abc", "year_from"),
        ("year_to=1700", "year_to"), ("year_from=2000&year_to=1990", "year_from"), ("min_rating=11", "min_rating"),
        ("min_rating=nan", "min_rating"), ("exclude=12,x", "exclude"), ("exclude=" + (1...501).map(String.init).joined(separator: ","), "exclude"),
        ("diversify=random", "diversify"), ("diversity=0.5", "diversify"), ("diversify=mmr&diversity=2", "diversity"),
        ("diversify=genre_cap&max_per_genre=0", "max_per_genre"), ("diversify=mmr&max_per_genre=3", "max_per_genre"),
    ])
    func aBadControlIsA400NamingIt(query: String, parameter: String) async throws {
        try await withLiveServer { client in
            for route in ["/recommendations/popular", "/users/1/recommendations/personalized"] {
                let response = try await client.execute(uri: Self.uri(route, query), method: .get)
                #expect(response.status == .badRequest, "\(route)?\(query)")
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect((error["message"] as? String)?.contains(parameter) == true, "\(error)")
            }
        }
    }
}

/// An experiment variant's own controls, added to the caller's on that variant's answers.
@Suite struct VariantControlTests {
    static let experiment = """
        id: comedy-only
        status: running
        surface: personalized
        salt: comedy-salt
        variants:
          - { name: plain, control: true, weight: 0.5, strategy: popularity, parameters: { ranking: popular } }
          - { name: comedies, weight: 0.5, strategy: popularity, parameters: { ranking: popular }, controls: "genres=comedy" }
        """

    @Test func aVariantsControlsApplyToItsAnswersOnly() async throws {
        let store = try await RealCatalogue.store()
        let server = try await ExperimentServer.start(experiment: Self.experiment)
        try await server.run { client in
            func genres(_ variant: String) async throws -> [[String]] {
                let uri = "/recommendations/ab-test/42?limit=10&force_variant=\(variant)"
                let ids = try await client.execute(uri: uri, method: .get, headers: ExperimentAPITests.admin).recommendedIDs()
                #expect(ids.count == 10, "\(variant)")
                var genres: [[String]] = []
                for id in ids { genres.append(try await store.movie(tmdbID: id)?.genres ?? []) }
                return genres
            }
            let comedies = try await genres("comedies")
            let plain = try await genres("plain")
            #expect(comedies.allSatisfy { $0.contains("Comedy") })
            #expect(!plain.allSatisfy { $0.contains("Comedy") }, "the control variant's list is not filtered")
        }
    }
}
