import Foundation
import Logging
import RecLabStore
import ServiceLifecycle

/// Deletes events and exposures older than `EVENT_RETENTION_DAYS`, at start and then hourly,
/// so the evidence tables cannot grow without bound.
public struct EvidenceRetention: Service {
    let store: any ExposureRepository
    let days: Int
    let interval: Duration
    let logger: Logger

    public init(store: any ExposureRepository, days: Int, interval: Duration = .seconds(3600), logger: Logger) {
        self.store = store
        self.days = days
        self.interval = interval
        self.logger = logger
    }

    /// One pass: what is older than the retention period goes.
    public func purge(now: Date = Date()) async throws {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        let deleted = try await store.deleteEvidence(before: cutoff)
        if deleted.events + deleted.exposures > 0 {
            logger.info("deleted evidence past retention", metadata: [
                "events": "\(deleted.events)", "exposures": "\(deleted.exposures)", "days": "\(days)",
            ])
        }
    }

    public func run() async throws {
        repeat {
            do {
                try await purge()
            } catch {
                logger.error("deleting old evidence failed; will retry", metadata: ["error": "\(error)"])
            }
        } while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }) != nil
    }
}
