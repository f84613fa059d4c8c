import Foundation
import Hummingbird
import RecLabCore
import RecLabObservability
import RecLabServing
import RecLabStore
import RecLabTMDB
import Synchronization

/// `/health` (liveness, with the catalogue being served, and no database read, so a load
/// balancer probing it costs nothing), `/health/ready` (database reachable, catalogue loaded,
/// models fitted and not shedding load, else 503), `/health/detailed` (the seed's shape) and
/// `/metrics`.
struct HealthRoutes {
    let preferences: any PreferenceRepository
    let catalogue: CatalogueHost
    let models: ModelHost
    let users: UserMemory
    let served: ServingStats
    let gauges: StoreGauges
    let tmdb: TMDBClient?
    /// The slots requests work in: a server that shed work lately is not ready for more.
    let gate: ConcurrencyGate
    /// How long after shedding a request the server still says it is overloaded.
    static let overloadMemory = Duration.seconds(10)

    /// One dependency's state, as `/health/ready` and `/health/detailed` report it.
    struct Check: Codable {
        let status: String
        var latencyMS: Double?
        var detail: String?
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
        }

        let status: String
        let timestamp: Date
        let services: [String: Check]
        let metrics: Summary
    }

    /// TMDB as its last call found it: not_configured without a key, ok, or degraded with the
    /// last error (the answers then come from the last TMDB list or the local catalogue).
    private func tmdbCheck() -> Check {
        guard let tmdb else {
            return Check(status: "not_configured", detail: "no TMDB_API_KEY or TMDB_READ_ACCESS_TOKEN: RecLab answers from its own catalogue")
        }
        switch tmdb.health {
        case .ok:
            return Check(status: "ok", detail: "TMDB at \(tmdb.configuration.baseURL)")
        case .degraded(let error, let at):
            return Check(status: "degraded", detail: "\(error) (at \(ISO8601DateFormatter().string(from: at))); answers fall back to the last TMDB list, then the local catalogue")
        }
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("health") { _, _ in
            // `{"catalogue", "status", "timestamp"}` from the generation's encoded counts (null
            // while the first generation loads: liveness does not wait for it), so a probe
            // costs no encoding and no database read.
            var body = ByteBuffer()
            body.writeStaticString("{\"catalogue\":")
            if let counts = catalogue.snapshot?.countsJSON {
                body.writeImmutableBuffer(counts)
            } else {
                body.writeStaticString("null")
            }
            body.writeString(",\"status\":\"healthy\",\"timestamp\":\"\(UTCTimestamp.now())\"}")
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
        }
        router.get("health/ready") { _, _ in
            let database = await databaseCheck()
            let fitted = modelsCheck()
            let loaded = catalogueCheck()
            let load = loadCheck()
            let ready = [database.check, fitted, loaded, load].allSatisfy { $0.status == "ok" }
            let body = Readiness(
                status: ready ? "ready" : load.status == "overloaded" ? "overloaded" : "not_ready",
                checks: ["database": database.check, "ml_models": fitted, "catalogue": loaded, "load": load])
            // An overloaded server asks its load balancer to send the next requests elsewhere.
            return EditedResponse(status: ready ? .ok : .serviceUnavailable, headers: load.status == "ok" ? [:] : [.retryAfter: "1"], response: body)
        }
        router.get("health/detailed") { _, _ in
            let database = await databaseCheck()
            let fitted = modelsCheck()
            let cache = users.answers
            let hits = cache.hits.load(ordering: .relaxed)
            let lookups = hits + cache.misses.load(ordering: .relaxed)
            let services: [String: Check] = [
                "database": database.check, "ml_models": fitted,
                "cache": Check(status: cache.isEnabled ? "ok" : "disabled", detail: "\(cache.count) answers cached"),
                "user_histories": historiesCheck(),
                "tmdb_api": tmdbCheck(),
            ]
            let healthy = database.check.status == "ok" && fitted.status == "ok"
            return Detailed(
                status: healthy ? "healthy" : "degraded", timestamp: Date(), services: services,
                metrics: .init(
                    totalRecommendations: served.answers.load(ordering: .relaxed),
                    cacheHitRate: lookups > 0 ? Double(hits) / Double(lookups) : nil,
                    activeUsers: database.usersWithPreferences ?? 0, residentMemoryBytes: ProcessMetrics.residentBytes()))
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

    private func databaseCheck() async -> (check: Check, usersWithPreferences: Int?) {
        let started = ContinuousClock.now
        do {
            // A real query, so an answer proves the database reachable.
            let users = try await preferences.usersWithPreferences()
            return (Check(status: "ok", latencyMS: (ContinuousClock.now - started).seconds * 1000, detail: "\(users) users with preferences"), users)
        } catch {
            return (Check(status: "error", latencyMS: (ContinuousClock.now - started).seconds * 1000, detail: "\(error)"), nil)
        }
    }

    /// Overloaded when requests were shed (503) in the last `overloadMemory`.
    private func loadCheck() -> Check {
        let (running, waiting) = gate.load
        let detail = "\(running) of \(gate.limit) requests in work, \(waiting) waiting"
        guard gate.shed(within: Self.overloadMemory) else { return Check(status: "ok", detail: detail) }
        return Check(status: "overloaded", detail: "\(detail); requests were shed in the last \(Self.overloadMemory.components.seconds) s")
    }

    private func catalogueCheck() -> Check {
        guard let snapshot = catalogue.snapshot else { return Check(status: "loading", detail: "the catalogue is not loaded yet") }
        return Check(status: "ok", detail: "\(snapshot.counts.movies) movies loaded at \(snapshot.loadedAt.formatted(.iso8601))")
    }

    /// Whether answers read histories from memory, or from the store until the change feed
    /// is followed (its announcements do not reach this process, or are being applied).
    private func historiesCheck() -> Check {
        let histories = users.histories
        guard histories.maxBytes > 0 else { return Check(status: "disabled", detail: "HISTORY_MEMORY_BYTES=0: every history is read from the store") }
        return histories.isCurrent
            ? Check(status: "ok", detail: "\(histories.count) histories held, kept current by the change feed")
            : Check(status: "catching_up", detail: "\(histories.count) histories held; read from the store until the change feed's announcements are applied")
    }

    private func modelsCheck() -> Check {
        guard let generation = models.generation else {
            return Check(status: models.isRefitting ? "fitting" : "not_fitted", detail: "no fitted models yet")
        }
        let shared = generation.sharedID.map { ", shared generation \($0)" } ?? ""
        return Check(status: "ok", detail: "\(generation.models.count) models fitted at \(generation.fittedAt.formatted(.iso8601))\(shared)")
    }
}
