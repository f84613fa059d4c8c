import Foundation
import RecLabStore
import Synchronization

/// The movies no answer may show now, by TMDB id: the operator's hides and availability
/// windows (`AvailabilityRepository`), held in memory and applied by every recommendation and
/// every search. Read again when the change feed says they changed (on every replica), and
/// worked out anew, on the first read after it, when a hide or a window runs out.
public final class WithheldMovies: Sendable {
    let store: any AvailabilityRepository
    /// Called whenever the set changes: answers cached before it may show a movie now withheld.
    let changed: @Sendable () -> Void

    private struct State {
        var entries: [MovieAvailability] = []
        var withheld: Set<Int> = []
        /// When the set next changes by itself; nil: not before the entries do.
        var next: Date?

        /// Works the set out at `now`; whether it changed.
        mutating func apply(at now: Date) -> Bool {
            let before = withheld
            withheld = Set(entries.filter { $0.isWithheld(at: now) }.map(\.tmdbID))
            next = entries.compactMap { $0.nextChange(after: now) }.min()
            return withheld != before
        }
    }

    private let state = Mutex(State())

    public init(store: any AvailabilityRepository, changed: @escaping @Sendable () -> Void) {
        self.store = store
        self.changed = changed
    }

    /// The TMDB ids withheld at `now`.
    public func current(at now: Date = Date()) -> Set<Int> {
        let (withheld, changed) = state.withLock { state in
            guard let next = state.next, now >= next else { return (state.withheld, false) }
            let changed = state.apply(at: now)
            return (state.withheld, changed)
        }
        if changed { self.changed() }
        return withheld
    }

    /// Every hide and window, by TMDB id, as last read.
    public var entries: [MovieAvailability] { state.withLock { $0.entries } }

    /// Reads the hides and windows from the store again.
    public func reload(at now: Date = Date()) async throws {
        let entries = try await store.availability()
        let changed = state.withLock { state in
            state.entries = entries
            return state.apply(at: now)
        }
        if changed { self.changed() }
    }
}
