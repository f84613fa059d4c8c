import Metrics
import RecLabObservability
import RecLabServing
import Synchronization

/// Wrong keys per client, and the lock-out they earn: `limit` failures within `window` lock
/// the client out for `window` from the failure that reached the limit (that one still gets
/// its 401; the next attempt meets the lock). While locked out,
/// every keyed request of the client is refused with 429, the right key included, so that no
/// key (API or admin) can be guessed at request speed. (fail2ban's maxretry, findtime and
/// bantime, with one duration for both.)
///
/// Memory is bounded like `RateLimiter`'s tables: at most `capacity` clients, those whose
/// failures have expired dropped first when it is full.
final class FailedAttempts: Sendable {
    private struct Record {
        var failures: Int
        var since: ContinuousClock.Instant
        var lockedUntil: ContinuousClock.Instant?
    }

    let limit: Int
    let window: Duration
    let capacity: Int
    private let records = Mutex<[String: Record]>([:])
    private let tracked = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "clients_auth_failures")])

    init(limit: Int, window: Duration, capacity: Int) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
        tracked.record(0)
    }

    /// Seconds `client` is still locked out for; nil when it may try a key.
    func lockout(of client: String, at now: ContinuousClock.Instant = .now) -> Int? {
        records.withLock { records in
            guard let until = records[client]?.lockedUntil, until > now else { return nil }
            return Self.wholeSeconds(until - now)
        }
    }

    /// Counts a wrong key from `client`, locking it out when this one reaches the limit.
    func fail(_ client: String, at now: ContinuousClock.Instant = .now) {
        let size = records.withLock { records -> Int in
            var record = records[client] ?? Record(failures: 0, since: now)
            if now - record.since >= window || record.lockedUntil.map({ $0 <= now }) == true {
                record = Record(failures: 0, since: now)
            }
            record.failures += 1
            if record.failures >= limit { record.lockedUntil = now + window }
            if records[client] == nil, records.count >= capacity { makeRoom(in: &records, at: now) }
            records[client] = record
            return records.count
        }
        tracked.record(size)
    }

    private func makeRoom(in records: inout [String: Record], at now: ContinuousClock.Instant) {
        for (client, record) in records where now - record.since >= window && record.lockedUntil.map({ $0 <= now }) != false {
            records.removeValue(forKey: client)
        }
        let target = capacity - max(1, capacity / 10)
        if records.count > target {
            for client in Array(records.keys.prefix(records.count - target)) { records.removeValue(forKey: client) }
        }
    }

    private static func wholeSeconds(_ duration: Duration) -> Int { max(1, duration.wholeSecondsUp) }
}
