import Foundation
import HTTPTypes
import HummingbirdTesting
import RecLabServer
import RecLabServing
import TestSupport
import Testing

@Suite struct BoundedMemoryTests {
    /// The value of an unlabelled or labelled series in a Prometheus exposition.
    static func sample(_ series: String, in exposition: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func theAnswerCacheStaysWithinItsByteBudgetAndEveryTableIsAGauge() async throws {
        let configuration = try testConfiguration(["RECOMMENDATION_CACHE_MAX_BYTES": "1048576", "RATE_LIMIT_SEARCH": "1000"])
        let services = RecLabServices(
            configuration: configuration, store: try await RealCatalogue.store(), registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies), logger: testLogger)
        try await services.start()
        try await buildApplication(configuration: configuration, services: services, logger: testLogger).test(.live) { client in
            // About 5 KB an answer: 400 distinct users' answers are twice the budget.
            for user in 1...400 {
                #expect(try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=20", method: .get).status == .ok)
            }
            let exposition = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let bytes = try #require(Self.sample("reclab_recommendation_cache_bytes", in: exposition))
            let entries = try #require(Self.sample(#"reclab_memory_table_entries{table="recommendation_cache"}"#, in: exposition))
            #expect(bytes <= 1_048_576 && bytes > 500_000, "cache bytes \(bytes)")
            #expect(entries > 50 && entries < 400, "cache entries \(entries): the oldest were dropped, not everything")
            // The latest answers are the ones kept.
            let again = try await client.execute(uri: "/users/400/recommendations/personalized?limit=20", method: .get)
            #expect(again.status == .ok)
            let after = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.sample(#"reclab_cache_requests_total{cache="recommendations",result="hit"}"#, in: after) ?? 0 >= 1)
            for table in ["clients_search", "exposure_buffer"] {
                #expect(after.contains(#"reclab_memory_table_entries{table="\#(table)"}"#), "\(table)")
            }
        }
    }

    @Test func aFullRateLimitTableDropsATenthOfItsClientsNotAllAndStaysWithinItsBound() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_SEARCH": "1", "RATE_LIMIT_MAX_CLIENTS": "100", "TRUSTED_PROXIES": "127.0.0.1"]) { client in
            @Sendable func search(as address: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/movies/search?query=love", method: .get, headers: forwarded(for: address)).status
            }
            @Sendable func tracked() async throws -> Double {
                let exposition = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                return try #require(Self.sample(#"reclab_memory_table_entries{table="clients_search"}"#, in: exposition))
            }
            // A full table of clients who each spent their quota (one a minute), then one more.
            for key in 0..<100 { #expect(try await search(as: "spent-\(key)") == .ok) }
            #expect(try await search(as: "newcomer") == .ok)
            let afterSweep = try await tracked()
            #expect(afterSweep >= 90 && afterSweep <= 100, "clients tracked: \(afterSweep)")
            // Most are still remembered, so still refused: a sweep does not forgive everyone.
            var refused = 0
            for key in 0..<100 where try await search(as: "spent-\(key)") == .tooManyRequests { refused += 1 }
            #expect(refused >= 70, "\(refused) of 100 spent clients still refused")
            // A flood of new clients: the table never outgrows its bound.
            for key in 0..<300 { #expect(try await search(as: "flood-\(key)") == .ok) }
            let afterFlood = try await tracked()
            #expect(afterFlood >= 90 && afterFlood <= 100, "clients tracked: \(afterFlood)")
        }
    }
}
