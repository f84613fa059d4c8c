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
    private let buffered = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "exposure_buffer")])

    /// Everything under one lock, so that an exposure is always in the buffer, in a batch
    /// being written, or in the store, and a reader that looks at the first two before asking
    /// the store misses none.
    private struct State {
        var buffer: [Exposure] = []
        /// Batches being written, by ticket; an erasure waits them out.
        var writing: [Int: [Exposure]] = [:]
        var nextTicket = 0
        /// Counts completed writes: a store read is reused only while no write completed since.
        var writes = 0
        /// Per user, what the store last said (`unseen_for`), and for which window and write.
        var readBack: [String: (writes: Int, since: Date, movies: Set<Int>)] = [:]

        /// The user's exposures since `since` not yet in the store.
        func unwritten(to user: String, since: Date) -> [Int] {
            var movies: [Int] = []
            for exposures in [buffer] + writing.values {
                for exposure in exposures where exposure.userID == user && exposure.exposedAt >= since { movies += exposure.movies }
            }
            return movies
        }
    }

    private let state = Mutex(State())

    public init(store: any ExposureRepository, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func record(_ exposure: Exposure) {
        let (dropped, size) = state.withLock { state in
            state.buffer.append(exposure)
            let excess = state.buffer.count - Self.capacity
            if excess > 0 { state.buffer.removeFirst(excess) }
            return (max(excess, 0), state.buffer.count)
        }
        buffered.record(size)
        if dropped > 0 { logger.warning("exposure buffer full; dropped the oldest", metadata: ["dropped": "\(dropped)"]) }
    }

    /// The TMDB ids shown to `user` since `since` and not clicked after: the store's, and those
    /// not written yet. The store's answer is reused until the next write completes (a second
    /// at most), for a window that moved by less than that: a user asking again and again
    /// costs one read a second, and a click reaches the list within that second.
    public func shownUnclicked(to user: String, since: Date) async throws -> Set<Int> {
        let (unwritten, reused, writes) = state.withLock { state in
            let kept = state.readBack[user].flatMap { kept in
                kept.writes == state.writes && since >= kept.since && since.timeIntervalSince(kept.since) < interval.seconds ? kept.movies : nil
            }
            return (state.unwritten(to: user, since: since), kept, state.writes)
        }
        if let reused { return reused.union(unwritten) }
        let stored = try await store.shownUnclicked(to: user, since: since)
        state.withLock { state in
            if state.writes == writes { state.readBack[user] = (writes, since, stored) }
        }
        return stored.union(unwritten)
    }

    /// Writes everything buffered; on failure the batch goes back to the buffer for the next try.
    public func flush() async throws {
        let (batch, ticket) = state.withLock { state -> ([Exposure], Int) in
            let batch = state.buffer
            state.buffer.removeAll(keepingCapacity: true)
            guard !batch.isEmpty else { return ([], 0) }
            state.nextTicket += 1
            state.writing[state.nextTicket] = batch
            return (batch, state.nextTicket)
        }
        guard !batch.isEmpty else { return }
        buffered.record(0)
        do {
            try await store.record(batch)
        } catch {
            state.withLock { state in
                state.writing[ticket] = nil
                state.buffer.insert(contentsOf: batch, at: 0)
            }
            throw error
        }
        state.withLock { state in
            state.writing[ticket] = nil
            state.writes += 1
            state.readBack.removeAll(keepingCapacity: true)
        }
    }

    /// Drops the user's unwritten exposures and waits out the writes already under way, so
    /// that a deletion of the user's stored exposures which follows leaves none behind.
    public func forget(user: String) async {
        let underWay = state.withLock { state in
            state.buffer.removeAll { $0.userID == user }
            state.readBack[user] = nil
            return Set(state.writing.keys)
        }
        while !state.withLock({ Set($0.writing.keys).isDisjoint(with: underWay) }) {
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
