import Logging
import RecLabServing
import RecLabStore
import ServiceLifecycle

/// Checks this process in with the store every `interval` and grants its share of each rate
/// limit: with N replicas serving, each lets a client make limit / N requests per window, so a
/// client spread over them by the load balancer gets about the configured limit in all.
/// Nothing is asked of the store per request; the share follows the replica count within
/// `interval` (a replica that stops checks out, one that dies is forgotten after 3 intervals).
struct ReplicaCheckIn: Service {
    let registry: any ReplicaRegistry
    let process: String
    let limits: RateLimits
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var known = 1
        repeat {
            do {
                let count = try await registry.checkIn(process: process, expiry: interval * 3)
                limits.share(among: count)
                if count != known {
                    logger.info("replicas serving changed: rate limits shared among them", metadata: ["replicas": "\(count)"])
                    known = count
                }
            } catch {
                logger.warning("checking in with the store failed; keeping the last share", metadata: ["error": "\(error)"])
            }
        } while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }) != nil
        try? await registry.checkOut(process: process)
    }
}
