import Foundation

/// The split of evaluation protocol v1: per user, ratings in time order (ties by movie), the
/// last `max(1, round(0.2 · n))` held out, the rest kept.
///
/// Applied to all ratings it gives train and test; applied again to train, fit and
/// validation, on which parameters are chosen.
public struct TemporalHoldout: Sendable {
    public let kept: [Interaction]
    public let heldOut: [Interaction]

    public static let heldOutShare = 0.2

    /// Splits `interactions`; `movieOrder` gives each movie's tie-breaking key (the protocol
    /// breaks ties by MovieLens movieId).
    public init(_ interactions: [Interaction], movieOrder: (MovieID) -> Int) {
        var byUser: [String: [Interaction]] = [:]
        var users: [String] = []
        for interaction in interactions {
            if byUser[interaction.user] == nil { users.append(interaction.user) }
            byUser[interaction.user, default: []].append(interaction)
        }
        var kept: [Interaction] = []
        var heldOut: [Interaction] = []
        for user in users {
            let ordered = byUser[user]!.sorted { ($0.timestamp, movieOrder($0.movie)) < ($1.timestamp, movieOrder($1.movie)) }
            // Foundation's rounded() rounds half away from zero, as the protocol asks.
            let holdout = max(1, Int((Self.heldOutShare * Double(ordered.count)).rounded()))
            kept += ordered.dropLast(holdout)
            heldOut += ordered.suffix(holdout)
        }
        self.kept = kept
        self.heldOut = heldOut
    }

    /// The protocol's tie-breaking key: the MovieLens movieId (movies without one last).
    public static func movieLensOrder(of catalogue: Catalogue) -> (MovieID) -> Int {
        let order = Dictionary(uniqueKeysWithValues: catalogue.items.map { ($0.id, $0.movieLensID ?? Int.max) })
        return { order[$0] ?? Int.max }
    }
}
