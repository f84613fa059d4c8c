import Foundation
import Logging
import RecLabStore
import ServiceLifecycle
import Metrics
import RecLabObservability
import Synchronization

/// What each user was shown, and which variant served it, buffered in memory and written in
/// batches every `interval` (and at shutdown), so serving a recommendation never waits on a
/// disk write. Reports read an experiment's exposures; `unseen_for` reads a user's.
///
/// Exposures are never acknowledged to a client; a crash loses at most the last interval's,
/// which only shrinks the sample. Reports flush first, so they count every answer served.
public final class ExposureLog: Service, Sendable {
    let store: any ExposureRepository
    let interval: Duration
    let logger: Logger
    /// Beyond this many unwritten exposures (a failing disk) the oldest are dropped, so memory stays bounded.
    static let capacity = 200_000
    private let buffer = Mutex<[Exposure]>([])
    private let buffered = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "exposure_buffer")])
    /// Flushes under way (by ticket), which an erasure waits out.
    private let writing = Mutex<(next: Int, tickets: Set<Int>)>((0, []))

    public init(store: any ExposureRepository, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func record(_ exposure: Exposure) {
        let (dropped, size) = buffer.withLock { buffer in
            buffer.append(exposure)
            let excess = buffer.count - Self.capacity
            if excess > 0 { buffer.removeFirst(excess) }
            return (max(excess, 0), buffer.count)
        }
        buffered.record(size)
        if dropped > 0 { logger.warning("exposure buffer full; dropped the oldest", metadata: ["dropped": "\(dropped)"]) }
    }

    /// The TMDB ids shown to `user` since `since` and not clicked after: the store's, and those
    /// still buffered here (shown within the last interval).
    public func shownUnclicked(to user: String, since: Date) async throws -> Set<Int> {
        let buffered = buffer.withLock { buffer in
            buffer.filter { $0.userID == user && $0.exposedAt >= since }.flatMap(\.movies)
        }
        return try await store.shownUnclicked(to: user, since: since).union(buffered)
    }

    /// Writes everything buffered; on failure the batch goes back to the buffer for the next try.
    public func flush() async throws {
        let batch = buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !batch.isEmpty else { return }
        buffered.record(0)
        let ticket = writing.withLock { writing in
            defer { writing.next += 1 }
            writing.tickets.insert(writing.next)
            return writing.next
        }
        defer { _ = writing.withLock { $0.tickets.remove(ticket) } }
        do {
            try await store.record(batch)
        } catch {
            buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
            throw error
        }
    }

    /// Drops the user's unwritten exposures and waits out the writes already under way, so
    /// that a deletion of the user's stored exposures which follows leaves none behind.
    public func forget(user: String) async {
        buffer.withLock { $0.removeAll { $0.userID == user } }
        let underWay = writing.withLock { $0.tickets }
        while !writing.withLock({ $0.tickets.isDisjoint(with: underWay) }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    public func run() async throws {
        let interval = self.interval
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil {
            do {
                try await flush()
            } catch {
                logger.error("writing exposures failed; will retry", metadata: ["error": "\(error)"])
            }
        }
        // Apart from this task: a shutdown that ran out of time cancels it, and the last
        // batch must be written all the same.
        try await Task.detached { try await self.flush() }.value
    }
}
