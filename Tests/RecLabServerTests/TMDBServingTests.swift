import FakeTMDB
import Foundation
import HummingbirdTesting
import Logging
import RecLabObservability
import RecLabServer
import RecLabServing
import RecLabSQLite
import Synchronization
import TestSupport
import Testing

/// The server with TMDB configured, against a fake TMDB over HTTP: trending from TMDB, its
/// fallbacks when TMDB fails or hangs, and TMDB's state in `/health/detailed`.
@Suite struct TMDBServingTests {
    /// A fitted server whose TMDB is `fake`, on `store` (a private copy of the real catalogue
    /// unless given).
    static func withServer(
        _ fake: FakeTMDB, key: String = FakeTMDB.apiKey, _ extra: [String: String] = [:], logger: Logger = testLogger, store: SQLiteStore? = nil,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let configuration = try testConfiguration(extra.merging(["TMDB_API_KEY": key, "TMDB_BASE_URL": fake.baseURL]) { mine, _ in mine })
        // A copy: the movies TMDB adds must not reach other tests' catalogue.
        let copy = if let store { store } else { try await RealCatalogue.privateCopy() }
        let services = RecLabServices(
            configuration: configuration, store: copy, registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies), logger: logger)
        try await services.start()
        try await buildApplication(configuration: configuration, services: services, logger: logger).test(.live) { client in try await test(client) }
    }

    static func trending(_ client: some TestClientProtocol, _ window: String = "day", limit: Int = 5) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/recommendations/trending?time_window=\(window)&limit=\(limit)", method: .get)
        #expect(response.status == .ok)
        return try response.json()
    }

    static func ids(_ answer: [String: Any]) -> [Int] {
        (answer["recommendations"] as? [[String: Any]] ?? []).compactMap { $0["movie_id"] as? Int }
    }

    @Test func trendingComesFromTMDBInItsOrderAndAMonthFromTheLocalStrategy() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.add(id: 999_000_001, title: "Fake Future Film")
        try await Self.withServer(fake) { client in
            let day = try await Self.trending(client)
            #expect(day["source"] as? String == "tmdb" && day["strategy"] as? String == "tmdb")
            #expect(Self.ids(day).first == 999_000_001 && Self.ids(day).count == 5)
            let first = try #require((day["recommendations"] as? [[String: Any]])?.first)
            #expect(first["title"] as? String == "Fake Future Film" && first["score"] as? Double == 1 && first["vote_average"] as? Double == 7.5)
            let week = try await Self.trending(client, "week", limit: 3)
            #expect(week["source"] as? String == "tmdb" && Self.ids(week).count == 3)
            let month = try await Self.trending(client, "month")
            #expect(month["source"] as? String == "local" && !Self.ids(month).isEmpty)
            #expect(fake.received.filter { $0.path.hasPrefix("/trending") }.count == 2, "each window asked once, then kept")
            let health = try await client.execute(uri: "/health/detailed", method: .get).json()
            let tmdb = try #require((health["services"] as? [String: Any])?["tmdb_api"] as? [String: Any])
            #expect(tmdb["status"] as? String == "ok")
        }
    }

    @Test func whenTMDBFailsTheLastTMDBListServesAndHealthSaysWhy() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        try await Self.withServer(fake, ["TRENDING_CACHE_TTL": "1"]) { client in
            let before = Self.ids(try await Self.trending(client))
            fake.behave(.status(500, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
            try await Task.sleep(for: .milliseconds(1100))
            let after = try await Self.trending(client)
            #expect(after["source"] as? String == "tmdb" && Self.ids(after) == before)
            // The refresh that failed ran in the background.
            var health: [String: Any] = [:]
            var tmdb: [String: Any] = [:]
            for _ in 0..<100 {
                health = try await client.execute(uri: "/health/detailed", method: .get).json()
                tmdb = try #require((health["services"] as? [String: Any])?["tmdb_api"] as? [String: Any])
                if tmdb["status"] as? String == "degraded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(tmdb["status"] as? String == "degraded")
            #expect((tmdb["detail"] as? String)?.contains("Something went wrong") == true)
            #expect(health["status"] as? String == "healthy", "TMDB's trouble degrades TMDB alone")
        }
    }

    @Test func anExpiredListIsServedAtOnceWhileAHangingTMDBIsAskedInTheBackground() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        // TMDB gets 10 s a call: waiting on it would show.
        try await Self.withServer(fake, ["TRENDING_CACHE_TTL": "1", "REQUEST_TIMEOUT": "20"]) { client in
            let before = Self.ids(try await Self.trending(client))
            fake.behave(.hang)
            try await Task.sleep(for: .milliseconds(1100))
            let started = ContinuousClock.now
            let after = try await Self.trending(client)
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(after["source"] as? String == "tmdb" && Self.ids(after) == before)
        }
    }

    @Test func anIdTheCatalogueLacksIsFetchedFromTMDBStoredAndThenFoundBySearch() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.add(id: 999_000_001, title: "Quuxfilm Returns")
        try await Self.withServer(fake) { client in
            let movie = try await client.execute(uri: "/movies/999000001", method: .get)
            #expect(movie.status == .ok)
            let json = try movie.json()
            #expect(json["title"] as? String == "Quuxfilm Returns" && json["rating_source"] as? String == "tmdb" && json["vote_average"] as? Double == 7.5)
            #expect(json["poster_url"] as? String == "https://image.tmdb.org/t/p/w500/999000001.jpg")
            #expect(json["cast"] as? [[String: Any]] != nil && (json["crew"] as? [[String: Any]])?.first?["job"] as? String == "Director")
            #expect((json["id"] as? Int ?? 0) > 0, "stored: it has a catalogue id")
            #expect(try await client.execute(uri: "/movies/999000001", method: .get).status == .ok)
            #expect(fake.received.filter { $0.path == "/movie/999000001" }.count == 1, "asked once, then served from the catalogue")
            var found: [Int] = []
            for _ in 0..<100 where !found.contains(999_000_001) {
                let page = try await client.execute(uri: "/movies/search?query=quuxfilm", method: .get).json()
                found = (page["movies"] as? [[String: Any]] ?? []).compactMap { $0["tmdb_id"] as? Int }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(found.contains(999_000_001), "indexed once the catalogue reloaded")
            let unknown = try await client.execute(uri: "/movies/999999999", method: .get)
            let unknownCode = (try unknown.json()["error"] as? [String: Any])?["code"] as? String
            #expect(unknown.status == .notFound && unknownCode == "movie_not_found")
        }
    }

    @Test func whenTMDBCannotBeAskedAnUnknownIdIsUnavailableNotNotFound() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        try await Self.withServer(fake) { client in
            fake.behave(.status(500, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
            let answer = try await client.execute(uri: "/movies/999000001", method: .get)
            let code = (try answer.json()["error"] as? [String: Any])?["code"] as? String
            #expect(answer.status == .serviceUnavailable && code == "tmdb_unavailable" && answer.headers[.retryAfter] != nil)
            #expect(try await client.execute(uri: "/movies/27205", method: .get).status == .ok, "the catalogue's movies do not need TMDB")
        }
    }

    @Test func aShortSearchPageIsFilledFromTMDBAfterTheLocalHitsAndAFullOneIsLeftAlone() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.add(id: 999_000_002, title: "Inception Zyzzyva")
        try await Self.withServer(fake) { client in
            // While TMDB fails, the local hits alone answer.
            fake.behave(.status(500, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
            let local = try await client.execute(uri: "/movies/search?query=inception", method: .get).json()
            let localIDs = (local["movies"] as? [[String: Any]] ?? []).compactMap { $0["tmdb_id"] as? Int }
            #expect(!localIDs.isEmpty && localIDs.count < 20 && local["total_results"] as? Int == localIDs.count)
            fake.behave(.normal)
            try await Task.sleep(for: .milliseconds(1100))  // the client's cool-down after the failure
            let page = try await client.execute(uri: "/movies/search?query=inception", method: .get).json()
            let ids = (page["movies"] as? [[String: Any]] ?? []).compactMap { $0["tmdb_id"] as? Int }
            #expect(Array(ids.prefix(localIDs.count)) == localIDs, "the local ranking comes first, unchanged")
            #expect(ids.dropFirst(localIDs.count).contains(999_000_002))
            #expect(page["total_results"] as? Int == ids.count && page["total_pages"] as? Int == 1)
            #expect(try await client.execute(uri: "/movies/999000002", method: .get).json()["title"] as? String == "Inception Zyzzyva", "stored")

            let searches = fake.received.filter { $0.path == "/search/movie" }.count
            let full = try await client.execute(uri: "/movies/search?query=love", method: .get).json()
            #expect((full["total_results"] as? Int ?? 0) > 20)
            #expect(fake.received.filter { $0.path == "/search/movie" }.count == searches, "a full local page does not ask TMDB")
        }
    }

    @Test(arguments: [("https://image.tmdb.org/t/p/w500", true), ("https://image.example/t/p/w500", false), ("https://image.example/t/p/w999", true)])
    func anImageBaseTMDBDoesNotServeIsWarnedAboutAtStart(base: String, warned: Bool) async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "reclab") { label in
            JSONLogHandler(label: label, level: .info) { line in lines.withLock { $0.append(line) } }
        }
        try await Self.withServer(fake, ["TMDB_IMAGE_BASE_URL": base], logger: logger) { _ in
            for _ in 0..<100 where !lines.withLock({ $0.contains { $0.contains("TMDB_IMAGE_BASE_URL") } }) {
                if !warned, fake.received.contains(where: { $0.path == "/configuration" }) { try await Task.sleep(for: .milliseconds(300)); break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(fake.received.contains { $0.path == "/configuration" })
        #expect(lines.withLock { $0 }.contains { $0.contains("TMDB_IMAGE_BASE_URL is not") } == warned)
    }

    @Test func trendingMoviesTheCatalogueLacksAreAddedInTheBackground() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.add(id: 999_000_003, title: "Plughfilm")
        try await Self.withServer(fake) { client in
            #expect(Self.ids(try await Self.trending(client)).first == 999_000_003)
            var found: [Int] = []
            for _ in 0..<100 where !found.contains(999_000_003) {
                try await Task.sleep(for: .milliseconds(100))
                let page = try await client.execute(uri: "/movies/search?query=plughfilm", method: .get).json()
                found = (page["movies"] as? [[String: Any]] ?? []).compactMap { $0["tmdb_id"] as? Int }
            }
            #expect(found.contains(999_000_003))
            #expect(fake.received.contains { $0.path == "/movie/999000003" }, "its details were fetched without anyone asking for them")
        }
    }

    /// Background work is owned by the service group: once shutdown begins, a fetch under way
    /// is cancelled and nothing it would have stored is written.
    @Test func aBackgroundFetchUnderWayAtShutdownWritesNothingAfterShutdownBegins() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.add(id: 999_000_004, title: "Latefilm")
        fake.delay(.seconds(3), pathsStartingWith: "/movie/")
        let store = try await RealCatalogue.privateCopy()
        let changesBefore = try await store.latestChange()
        try await Self.withServer(fake, store: store) { client in
            #expect(Self.ids(try await Self.trending(client)).first == 999_000_004)
            // The details are being fetched in the background when the server stops.
            for _ in 0..<50 where !fake.received.contains(where: { $0.path == "/movie/999000004" }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fake.received.contains { $0.path == "/movie/999000004" })
        }
        // Past the fetch's end, had it gone on: the movie was never stored, nor anything else.
        try await Task.sleep(for: .seconds(4))
        #expect(try await store.movie(tmdbID: 999_000_004) == nil)
        #expect(try await store.latestChange() == changesBefore, "no write to the store after shutdown began")
    }

    @Test func aHangingTMDBWithNoListYetGetsALocalAnswerWithinTheRequestTimeout() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.behave(.hang)
        // TMDB gets half the request's time (3 s), the local answer the rest.
        try await Self.withServer(fake, ["REQUEST_TIMEOUT": "6"]) { client in
            let started = ContinuousClock.now
            let answer = try await Self.trending(client, "week")
            #expect(ContinuousClock.now - started < .seconds(6))
            #expect(answer["source"] as? String == "local" && !Self.ids(answer).isEmpty)
        }
    }

    @Test func aRefusedKeyIsReportedInHealthAndTrendingStaysLocal() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        try await Self.withServer(fake, key: "wrong") { client in
            #expect(try await Self.trending(client)["source"] as? String == "local")
            let asked = fake.received.count
            #expect(try await Self.trending(client, "week")["source"] as? String == "local")
            #expect(try await client.execute(uri: "/movies/999000001", method: .get).status == .serviceUnavailable)
            // At most the start's image check and the first trending call met the refusal at once.
            #expect(asked <= 2 && fake.received.count == asked, "a refused key is not asked again")
            let health = try await client.execute(uri: "/health/detailed", method: .get).json()
            let tmdb = try #require((health["services"] as? [String: Any])?["tmdb_api"] as? [String: Any])
            #expect(tmdb["status"] as? String == "degraded" && (tmdb["detail"] as? String)?.contains("Invalid API key") == true)
        }
    }

    @Test func withoutAKeyTrendingIsLocalAndTMDBIsNotConfigured() async throws {
        try await withLiveServer { client in
            #expect(try await Self.trending(client)["source"] as? String == "local")
            let health = try await client.execute(uri: "/health/detailed", method: .get).json()
            #expect(((health["services"] as? [String: Any])?["tmdb_api"] as? [String: Any])?["status"] as? String == "not_configured")
        }
    }
}
