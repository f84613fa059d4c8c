import Foundation
import Hummingbird
import RecLabObservability
import RecLabStore
import Synchronization

/// `/health` (liveness, with the catalogue being served), `/health/ready` (database reachable
/// and models fitted, else 503), `/health/detailed` (the seed's shape) and `/metrics`.
struct HealthRoutes {
    let movies: any MovieRepository
    let models: ModelHost
    let cache: RecommendationCache
    let served: ServingStats
    let gauges: StoreGauges

    struct Health: ResponseEncodable {
        let status: String
        let timestamp: Date
        let catalogue: CatalogueCounts
    }

    /// One dependency's state, as `/health/ready` and `/health/detailed` report it.
    struct Check: Codable {
        let status: String
        var latencyMS: Double?
        var detail: String?

        enum CodingKeys: String, CodingKey {
            case status, detail
            case latencyMS = "latency_ms"
        }
    }

    struct Readiness: ResponseEncodable {
        let status: String
        let checks: [String: Check]
    }

    struct Detailed: ResponseEncodable {
        struct Summary: Codable {
            let totalRecommendations: Int
            let cacheHitRate: Double?
            let activeUsers: Int
            let residentMemoryBytes: Double?

            enum CodingKeys: String, CodingKey {
                case totalRecommendations = "total_recommendations"
                case cacheHitRate = "cache_hit_rate"
                case activeUsers = "active_users"
                case residentMemoryBytes = "resident_memory_bytes"
            }
        }

        let status: String
        let timestamp: Date
        let services: [String: Check]
        let metrics: Summary
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("health") { _, _ in
            Health(status: "healthy", timestamp: Date(), catalogue: try await movies.counts())
        }
        router.get("health/ready") { _, _ in
            let database = await databaseCheck()
            let fitted = modelsCheck()
            let ready = database.check.status == "ok" && fitted.status == "ok"
            let body = Readiness(status: ready ? "ready" : "not_ready", checks: ["database": database.check, "ml_models": fitted])
            return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: body)
        }
        router.get("health/detailed") { _, _ in
            let database = await databaseCheck()
            let fitted = modelsCheck()
            let hits = cache.hits.load(ordering: .relaxed)
            let lookups = hits + cache.misses.load(ordering: .relaxed)
            let services: [String: Check] = [
                "database": database.check, "ml_models": fitted,
                "cache": Check(status: cache.isEnabled ? "ok" : "disabled", detail: "\(cache.count) answers cached"),
                "tmdb_api": Check(status: "not_configured", detail: "RecLab answers from its own catalogue; no TMDB client is configured"),
            ]
            let healthy = database.check.status == "ok" && fitted.status == "ok"
            return Detailed(
                status: healthy ? "healthy" : "degraded", timestamp: Date(), services: services,
                metrics: .init(
                    totalRecommendations: served.answers.load(ordering: .relaxed),
                    cacheHitRate: lookups > 0 ? Double(hits) / Double(lookups) : nil,
                    activeUsers: database.counts?.preferenceUsers ?? 0, residentMemoryBytes: ProcessMetrics.residentBytes()))
        }
        router.get("metrics") { _, context in
            do {
                try await gauges.refreshIfStale()
            } catch {
                // A scrape still gets every other family; the gauges keep their last values.
                context.logger.warning("refreshing store gauges failed", metadata: ["error": "\(error)"])
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Observability.exposition())))
        }
    }

    private func databaseCheck() async -> (check: Check, counts: CatalogueCounts?) {
        let started = ContinuousClock.now
        do {
            let counts = try await movies.counts()
            return (Check(status: "ok", latencyMS: (ContinuousClock.now - started).seconds * 1000, detail: "\(counts.movies) movies"), counts)
        } catch {
            return (Check(status: "error", latencyMS: (ContinuousClock.now - started).seconds * 1000, detail: "\(error)"), nil)
        }
    }

    private func modelsCheck() -> Check {
        guard let generation = models.generation else {
            return Check(status: models.isRefitting ? "fitting" : "not_fitted", detail: "no fitted models yet")
        }
        return Check(status: "ok", detail: "\(generation.models.count) models fitted at \(generation.fittedAt.formatted(.iso8601))")
    }
}

/// Recommendation answers served since start, for `/health/detailed`.
final class ServingStats: Sendable {
    let answers = Atomic(0)
}
