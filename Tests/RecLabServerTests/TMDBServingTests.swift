import FakeTMDB
import Foundation
import HummingbirdTesting
import RecLabServer
import TestSupport
import Testing

/// The server with TMDB configured, against a fake TMDB over HTTP: trending from TMDB, its
/// fallbacks when TMDB fails or hangs, and TMDB's state in `/health/detailed`.
@Suite struct TMDBServingTests {
    /// A fitted server whose TMDB is `fake`.
    static func withServer(
        _ fake: FakeTMDB, key: String = FakeTMDB.apiKey, _ extra: [String: String] = [:],
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let settings = extra.merging([
            "HOST": "127.0.0.1", "PORT": "0", "IDLE_TIMEOUT": "600", "TMDB_API_KEY": key, "TMDB_BASE_URL": fake.baseURL,
            "STRATEGIES_FILE": repositoryFile("experiments/strategies.yaml"),
        ]) { mine, _ in mine }
        let configuration = try ServerConfiguration { settings[$0] }
        let services = RecLabServices(
            configuration: configuration, store: try await RealCatalogue.store(), registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies), logger: testLogger)
        try await services.start()
        try await buildApplication(configuration: configuration, services: services, logger: testLogger).test(.live) { client in try await test(client) }
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
            let health = try await client.execute(uri: "/health/detailed", method: .get).json()
            let tmdb = try #require((health["services"] as? [String: Any])?["tmdb_api"] as? [String: Any])
            #expect(tmdb["status"] as? String == "degraded")
            #expect((tmdb["detail"] as? String)?.contains("Something went wrong") == true)
            #expect(health["status"] as? String == "healthy", "TMDB's trouble degrades TMDB alone")
        }
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
            #expect(try await Self.trending(client, "week")["source"] as? String == "local")
            #expect(fake.received.count == 1, "a refused key is not asked again")
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
