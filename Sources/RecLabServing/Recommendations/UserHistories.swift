import Metrics
import RecLabCore
import RecLabObservability
import RecLabStore
import Synchronization

/// Users' histories held in memory for answering, read through from the store and kept
/// current by this process's writes and the change feed, in at most `HISTORY_MEMORY_BYTES`
/// (the oldest read dropped first): an answer for a user seen lately reads no SQL.
///
/// A held history is served only while the feed's announcements reach this process and every
/// one heard has been applied (`ChangeAnnouncements`), so a preference posted through another
/// replica changes the next answer here too; in between, histories are read from the store.
/// A history read while the user's data changed is not kept: each user maps to one of a fixed
/// set of version counters, bumped by every change, and a read is stored only if its counter
/// did not move while it ran.
public final class UserHistories: Sendable {
    private struct State {
        var table = FIFOTable<[Interaction]>()
        var versions = [UInt64](repeating: 0, count: UserHistories.stripes)
    }

    private static let stripes = 4096
    let store: any InteractionRepository
    let announcements: ChangeAnnouncements
    /// HISTORY_MEMORY_BYTES; 0: every history is read from the store.
    public let maxBytes: Int
    private let state = Mutex(State())
    private let lookups = CacheLookups(cache: "histories")
    private let entriesGauge = Gauge(label: Metric.memoryTableEntries.name, dimensions: [("table", "user_histories")])

    init(store: any InteractionRepository, announcements: ChangeAnnouncements, maxBytes: Int) {
        self.store = store
        self.announcements = announcements
        self.maxBytes = maxBytes
    }

    /// Histories held, for `/health/detailed`.
    public var count: Int { state.withLock { $0.table.count } }

    /// Whether held histories are served: the feed's announcements reach this process and
    /// every one heard is applied.
    public var isCurrent: Bool { announcements.areApplied }

    /// The history held for the user, if any: what their next answer reads while current.
    public func held(_ user: String) -> [Interaction]? {
        state.withLock { $0.table[user] }
    }

    /// The user's interactions, as `InteractionRepository.history(of:)` gives them.
    public func history(of user: String) async throws -> [Interaction] {
        guard maxBytes > 0 else { return try await store.history(of: user) }
        let (held, version) = lookUp(user)
        if let held, announcements.areApplied {
            lookups.hit.increment()
            return held
        }
        lookups.miss.increment()
        return try await read(user, version: version)
    }

    /// Reads ahead the histories of the users most recently active, until they fill half the
    /// budget (the rest is for whoever comes next), so that the first answers after a start
    /// read no SQL either. Each is read and kept as an answer's read is.
    func readAhead() async throws {
        guard maxBytes > 0 else { return }
        for user in try await store.recentUsers(limit: 1_000_000) {
            guard !Task.isCancelled, state.withLock({ $0.table.bytes }) < maxBytes / 2 else { return }
            let (held, version) = lookUp(user)
            if held == nil { _ = try await read(user, version: version) }
        }
    }

    /// The history held for the user, and their stripe's counter as it stands.
    private func lookUp(_ user: String) -> (held: [Interaction]?, version: UInt64) {
        let stripe = Self.stripe(of: user)
        return state.withLock { ($0.table[user], $0.versions[stripe]) }
    }

    /// Reads the user's history from the store and keeps it, unless their data changed while
    /// it was read (`version` is their stripe's counter from before).
    private func read(_ user: String, version: UInt64) async throws -> [Interaction] {
        let stripe = Self.stripe(of: user)
        let history = try await store.history(of: user)
        // An Interaction's fields, the key, and the table's own bookkeeping.
        let size = 40 * history.count + user.utf8.count + 96
        guard size <= maxBytes else { return history }
        let count = state.withLock { state -> Int? in
            guard state.versions[stripe] == version else { return nil }
            state.table.store(history, for: user, bytes: size, maxBytes: maxBytes)
            return state.table.count
        }
        if let count { entriesGauge.record(count) }
        return history
    }

    /// The user's data changed: their held history goes, and a read under way is not kept.
    func invalidate(user: String) {
        let stripe = Self.stripe(of: user)
        state.withLock { state in
            state.versions[stripe] &+= 1
            state.table.remove(user)
        }
    }

    /// Everyone's data may have changed (an import, changes this process missed).
    func removeAll() {
        state.withLock { state in
            state.table = FIFOTable()
            for stripe in state.versions.indices { state.versions[stripe] &+= 1 }
        }
        entriesGauge.record(0)
    }

    private static func stripe(of user: String) -> Int {
        var hasher = Hasher()
        hasher.combine(user)
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(stripes))
    }
}
