import Foundation

/// An operator's say over when one catalogue movie may be shown: hidden (until a time, or until
/// shown again), and a window outside which it is unavailable. A withheld movie appears in no
/// recommendation, search result or cached answer, on any replica.
public struct MovieAvailability: Sendable, Equatable {
    public var tmdbID: Int
    /// Hidden by an operator, until `hiddenUntil` when given.
    public var hidden: Bool
    public var hiddenUntil: Date?
    /// Shown only from `availableFrom` and before `availableUntil` (either may be open).
    public var availableFrom: Date?
    public var availableUntil: Date?

    public init(tmdbID: Int, hidden: Bool = false, hiddenUntil: Date? = nil, availableFrom: Date? = nil, availableUntil: Date? = nil) {
        self.tmdbID = tmdbID
        self.hidden = hidden
        self.hiddenUntil = hiddenUntil
        self.availableFrom = availableFrom
        self.availableUntil = availableUntil
    }

    /// Whether the movie may not be shown at `now`.
    public func isWithheld(at now: Date) -> Bool {
        if hidden, hiddenUntil.map({ now < $0 }) ?? true { return true }
        if let availableFrom, now < availableFrom { return true }
        if let availableUntil, now >= availableUntil { return true }
        return false
    }

    /// The first of its times after `now`, at which `isWithheld` may change; nil when none is left.
    public func nextChange(after now: Date) -> Date? {
        [hidden ? hiddenUntil : nil, availableFrom, availableUntil].compactMap { $0 }.filter { $0 > now }.min()
    }
}

/// Where the operator's hides and availability windows are kept. Each write records an
/// `.availability` change in the change feed, in its own transaction, so every replica applies it.
public protocol AvailabilityRepository: Sendable {
    /// Every movie with a hide or a window.
    func availability() async throws -> [MovieAvailability]
    /// Hides the movie, until `until` when given (replacing an earlier hide).
    func hide(tmdbID: Int, until: Date?) async throws
    /// Shows a hidden movie again; false when it was not hidden.
    func unhide(tmdbID: Int) async throws -> Bool
    /// Sets the movie's availability window; both nil removes it.
    func setWindow(tmdbID: Int, from: Date?, until: Date?) async throws
}
