import Foundation
import Metrics
import RecLabObservability
import Synchronization

/// Recent recommendation answers, kept for `RECOMMENDATION_CACHE_TTL` seconds.
///
/// Entries made for a user are dropped as soon as that user posts a preference, and
/// everything is dropped when a refit swaps the models, so the cache never serves an answer
/// the current models and data would not give.
final class RecommendationCache: Sendable {
    private struct Entry {
        let value: EncodedAnswer
        let expires: ContinuousClock.Instant
        let user: String?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var keysByUser: [String: Set<String>] = [:]
    }

    let timeToLive: Duration
    let capacity: Int
    private let state = Mutex(State())

    init(timeToLive: Duration, capacity: Int = 20_000) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    var isEnabled: Bool { timeToLive > .zero }

    /// Lookups since start, for `/health/detailed`; `/metrics` has them as counters.
    let hits = Atomic(0)
    let misses = Atomic(0)
    private let hitCounter = Counter(label: Metric.cacheRequests.name, dimensions: [("cache", "recommendations"), ("result", "hit")])
    private let missCounter = Counter(label: Metric.cacheRequests.name, dimensions: [("cache", "recommendations"), ("result", "miss")])

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
            missCounter.increment()
        } else {
            hits.add(1, ordering: .relaxed)
            hitCounter.increment()
        }
        return value
    }

    var count: Int { state.withLock { $0.entries.count } }

    func store(_ value: EncodedAnswer, for key: String, user: String?) {
        guard isEnabled else { return }
        let entry = Entry(value: value, expires: .now + timeToLive, user: user)
        state.withLock { state in
            if state.entries.count >= capacity {
                // Full: drop what has expired, and if nothing has, everything (answers are
                // cheap to recompute; a bounded cache matters more than a warm one).
                let now = ContinuousClock.now
                for (key, old) in state.entries where old.expires <= now { Self.remove(key, from: &state) }
                if state.entries.count >= capacity { state = State() }
            }
            state.entries[key] = entry
            if let user { state.keysByUser[user, default: []].insert(key) }
        }
    }

    func invalidate(user: String) {
        state.withLock { state in
            for key in state.keysByUser.removeValue(forKey: user) ?? [] { state.entries[key] = nil }
        }
    }

    func removeAll() {
        state.withLock { $0 = State() }
    }

    private static func remove(_ key: String, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: key) else { return }
        if let user = entry.user { state.keysByUser[user]?.remove(key) }
    }
}
