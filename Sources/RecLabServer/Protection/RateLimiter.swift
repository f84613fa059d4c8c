import Metrics
import RecLabObservability
import RecLabServing
import Synchronization

/// How many requests a client may make in a window, under one name (`RateLimit-Policy`).
public struct RateLimitPolicy: Sendable, Equatable {
    public let name: String
    public let limit: Int
    public let window: Duration

    public init(name: String, limit: Int, window: Duration) {
        self.name = name
        self.limit = limit
        self.window = window
    }
}

/// One client's standing under a policy after a request: let through or not, how many
/// requests are left now, and when the quota is whole again (or the next request may come).
struct RateLimitDecision: Sendable {
    let policy: RateLimitPolicy
    let allowed: Bool
    let remaining: Int
    /// Seconds until the full quota is back.
    let resetSeconds: Int
    /// Seconds until a refused client may try again; 0 when allowed.
    let retryAfterSeconds: Int
}

/// The generic cell rate algorithm (GCRA) per client: a token bucket kept as one instant per
/// client (the theoretical arrival time of its next request), so `limit` requests may come at
/// once and then one every `window / limit`.
///
/// Memory is bounded: at most `capacity` clients are tracked. When the table is full, clients
/// whose quota is whole again are dropped (forgetting them changes nothing); if that frees
/// less than a tenth of the table, arbitrary clients go too, which lets them start afresh: the
/// price of a bound under a flood of distinct clients. Freeing a tenth at least keeps the
/// cost of a full table's sweep spread over as many new clients; removing in place keeps the
/// table's storage, so a flood does not churn memory.
final class RateLimiter: Sendable {
    let policy: RateLimitPolicy
    let capacity: Int
    /// How many replicas share `policy`: this one grants `limit / replicas` of it.
    private let replicas = Atomic(1)
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
    private let tracked: Gauge

    init(_ policy: RateLimitPolicy, capacity: Int) {
        self.policy = policy
        self.capacity = capacity
        tracked = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "clients_" + policy.name.replacingOccurrences(of: "-", with: "_"))])
        tracked.record(0)
    }

    /// Spends `cost` requests' worth of the client's quota if it has that much left.
    func admit(_ client: String, cost: Int = 1, at now: ContinuousClock.Instant = .now) -> RateLimitDecision {
        decide(client, cost: cost, at: now)
    }

    /// Gives back `cost` requests' worth that `admit` spent at `now`, for a request another
    /// policy refused.
    func refund(_ client: String, cost: Int = 1, at now: ContinuousClock.Instant = .now) {
        let interval = effectivePolicy.window / effectivePolicy.limit
        arrivals.withLock { arrivals in
            guard let next = arrivals[client] else { return }
            arrivals[client] = max(now, next - interval * cost)
        }
    }

    /// Shares the policy among `count` replicas: each lets a client make its share, so a
    /// client spread over all of them makes about `limit` requests per window in all.
    func share(among count: Int) {
        replicas.store(max(1, count), ordering: .relaxed)
    }

    /// The part of the policy this replica grants.
    var effectivePolicy: RateLimitPolicy {
        RateLimitPolicy(name: policy.name, limit: max(1, policy.limit / replicas.load(ordering: .relaxed)), window: policy.window)
    }

    private func decide(_ client: String, cost: Int, at now: ContinuousClock.Instant) -> RateLimitDecision {
        let policy = effectivePolicy
        let interval = policy.window / policy.limit
        let (decision, size) = arrivals.withLock { arrivals -> (RateLimitDecision, Int?) in
            let known = arrivals.count
            let next = max(arrivals[client] ?? now, now)
            let after = next + interval * cost
            // Allowed while the queue of spent quota fits in the window.
            let allowed = after - now <= policy.window
            if allowed {
                if arrivals.count >= capacity, arrivals[client] == nil { Self.makeRoom(in: &arrivals, capacity: capacity, at: now) }
                arrivals[client] = after
            }
            let spent = allowed ? after : next
            let remaining = max(0, Int(((policy.window - (spent - now)) / interval).rounded(.down)))
            let decision = RateLimitDecision(
                policy: policy, allowed: allowed, remaining: remaining, resetSeconds: Self.wholeSeconds(spent - now),
                retryAfterSeconds: allowed ? 0 : max(1, Self.wholeSeconds(after - now - policy.window)))
            return (decision, arrivals.count == known ? nil : arrivals.count)
        }
        // Only when the table changed size: the gauge costs nothing on a known client's request.
        if let size { tracked.record(size) }
        return decision
    }

    private static func makeRoom(in arrivals: inout [String: ContinuousClock.Instant], capacity: Int, at now: ContinuousClock.Instant) {
        for client in arrivals.compactMap({ $0.value <= now ? $0.key : nil }) { arrivals.removeValue(forKey: client) }
        let target = capacity - max(1, capacity / 10)
        if arrivals.count > target {
            for client in Array(arrivals.keys.prefix(arrivals.count - target)) { arrivals.removeValue(forKey: client) }
        }
    }

    private static func wholeSeconds(_ duration: Duration) -> Int { duration.wholeSecondsUp }
}

extension Duration {
    /// The duration in whole seconds, any fraction counted as a second (for `Retry-After`).
    var wholeSecondsUp: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
