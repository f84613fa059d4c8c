import Foundation
import Metrics
import RecLabObservability
import Synchronization

/// Recent recommendation answers, kept for `RECOMMENDATION_CACHE_TTL` seconds, in at most
/// `RECOMMENDATION_CACHE_MAX_BYTES`.
///
/// Entries made for a user are dropped as soon as that user posts a preference, and
/// everything is dropped when a refit swaps the models, so the cache never serves an answer
/// the current models and data would not give. Past its budget the oldest answers go first:
/// every entry lives equally long, so insertion order is also expiry order, and a FIFO is
/// what an LRU would keep, at none of its bookkeeping per hit.
public final class RecommendationCache: Sendable {
    private struct Entry {
        let value: EncodedAnswer
        let expires: ContinuousClock.Instant
        let user: String?
        let bytes: Int
        let sequence: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var keysByUser: [String: Set<String>] = [:]
        /// Keys in the order they were stored; an item whose sequence no longer matches its
        /// entry (replaced or removed since) is skipped.
        var order: [(key: String, sequence: Int)] = []
        var head = 0
        var bytes = 0
        var nextSequence = 0
    }

    let timeToLive: Duration
    let maxBytes: Int
    private let state = Mutex(State())

    init(timeToLive: Duration, maxBytes: Int) {
        self.timeToLive = timeToLive
        self.maxBytes = maxBytes
    }

    public var isEnabled: Bool { timeToLive > .zero }

    /// Lookups since start, for `/health/detailed`; `/metrics` has them as counters.
    public let hits = Atomic(0)
    public let misses = Atomic(0)
    private let lookups = CacheLookups(cache: "recommendations")
    private let entriesGauge = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "recommendation_cache")])
    private let bytesGauge = Gauge(label: Metric.recommendationCacheBytes.name)

    func value(for key: String) -> EncodedAnswer? {
        guard isEnabled else { return nil }
        let now = ContinuousClock.now
        let value = state.withLock { state -> EncodedAnswer? in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expires > now else {
                Self.remove(key, from: &state)
                return nil
            }
            return entry.value
        }
        if value == nil {
            misses.add(1, ordering: .relaxed)
            lookups.miss.increment()
        } else {
            hits.add(1, ordering: .relaxed)
            lookups.hit.increment()
        }
        return value
    }

    public var count: Int { state.withLock { $0.entries.count } }
    var bytes: Int { state.withLock { $0.bytes } }

    func store(_ value: EncodedAnswer, for key: String, user: String?) {
        guard isEnabled else { return }
        // The answer's JSON, its summary (a few strings and the movie ids) and the key.
        let size = value.head.count + value.tail.count + 8 * value.summary.movies.count + key.utf8.count + 256
        guard size <= maxBytes else { return }
        let expires = ContinuousClock.now + timeToLive
        let (count, bytes) = state.withLock { state in
            Self.remove(key, from: &state)
            let entry = Entry(value: value, expires: expires, user: user, bytes: size, sequence: state.nextSequence)
            state.nextSequence += 1
            state.entries[key] = entry
            state.bytes += size
            state.order.append((key, entry.sequence))
            if let user { state.keysByUser[user, default: []].insert(key) }
            while state.bytes > maxBytes, state.head < state.order.count {
                let (oldest, sequence) = state.order[state.head]
                state.head += 1
                if state.entries[oldest]?.sequence == sequence { Self.remove(oldest, from: &state) }
            }
            Self.compact(&state)
            return (state.entries.count, state.bytes)
        }
        entriesGauge.record(count)
        bytesGauge.record(bytes)
    }

    public func invalidate(user: String) {
        state.withLock { state in
            for key in state.keysByUser.removeValue(forKey: user) ?? [] { Self.remove(key, from: &state) }
        }
    }

    func removeAll() {
        state.withLock { $0 = State() }
        entriesGauge.record(0)
        bytesGauge.record(0)
    }

    private static func remove(_ key: String, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        state.bytes -= entry.bytes
        if let user = entry.user {
            state.keysByUser[user]?.remove(key)
            if state.keysByUser[user]?.isEmpty == true { state.keysByUser[user] = nil }
        }
    }

    /// Drops consumed and stale order items once they outnumber the live ones, so the order
    /// stays within a small multiple of the entries however many answers were stored or
    /// invalidated (an order that only ever grew was the soak run's leak).
    private static func compact(_ state: inout State) {
        guard state.order.count > 2 * state.entries.count + 1024 else { return }
        state.order = state.order[state.head...].filter { state.entries[$0.key]?.sequence == $0.sequence }
        state.head = 0
    }
}
