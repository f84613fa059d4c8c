import Foundation
import Metrics
import RecLabObservability
import Synchronization

/// Recent recommendation answers, kept for `RECOMMENDATION_CACHE_TTL` seconds, in at most
/// `RECOMMENDATION_CACHE_MAX_BYTES`, the oldest dropped first.
///
/// Entries made for a user are dropped as soon as that user posts a preference, and
/// everything is dropped when a refit swaps the models, so the cache never serves an answer
/// the current models and data would not give.
public final class RecommendationCache: Sendable {
    private struct Entry {
        let value: EncodedAnswer
        let expires: ContinuousClock.Instant
        let user: String?
    }

    private struct State {
        var table = FIFOTable<Entry>()
        var keysByUser: [String: Set<String>] = [:]

        mutating func remove(_ key: String) {
            if let entry = table.remove(key) { forget(key, of: entry) }
        }

        mutating func forget(_ key: String, of entry: Entry) {
            guard let user = entry.user else { return }
            keysByUser[user]?.remove(key)
            if keysByUser[user]?.isEmpty == true { keysByUser[user] = nil }
        }
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
            guard let entry = state.table[key] else { return nil }
            guard entry.expires > now else {
                state.remove(key)
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

    public var count: Int { state.withLock { $0.table.count } }
    var bytes: Int { state.withLock { $0.table.bytes } }

    func store(_ value: EncodedAnswer, for key: String, user: String?) {
        guard isEnabled else { return }
        // The answer's JSON, its summary (a few strings and the movie ids) and the key.
        let size = value.head.count + value.tail.count + 8 * value.summary.movies.count + key.utf8.count + 256
        guard size <= maxBytes else { return }
        let expires = ContinuousClock.now + timeToLive
        let (count, bytes) = state.withLock { state in
            state.remove(key)
            for dropped in state.table.store(Entry(value: value, expires: expires, user: user), for: key, bytes: size, maxBytes: maxBytes) {
                state.forget(dropped.key, of: dropped.value)
            }
            if let user { state.keysByUser[user, default: []].insert(key) }
            return (state.table.count, state.table.bytes)
        }
        entriesGauge.record(count)
        bytesGauge.record(bytes)
    }

    public func invalidate(user: String) {
        state.withLock { state in
            for key in state.keysByUser.removeValue(forKey: user) ?? [] { state.table.remove(key) }
        }
    }

    func removeAll() {
        state.withLock { $0 = State() }
        entriesGauge.record(0)
        bytesGauge.record(0)
    }
}
