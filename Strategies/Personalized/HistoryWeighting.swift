import Foundation
import RecLabCore

/// Weighs each history item at answer time by how recent it is in the user's own sequence:
/// w = (1 − weight) + weight · 2^(−position / halfLife), position 0 for the newest. What comes
/// next follows the latest movies most; the fitted item model is unchanged (a decay inside the
/// fit adds nothing on protocol v1).
struct HistoryWeighting: Sendable, Equatable {
    let weight: Float
    /// In items.
    let halfLife: Double

    /// `entries` with their values weighted; `times` are theirs, entry for entry. An item's
    /// position is how many of the history's interactions are strictly newer, so ratings of
    /// one second share a position and no order is made up.
    func apply(to entries: [(item: Int, value: Float)], times: [Int64], history: [Interaction]) -> [(item: Int, value: Float)] {
        let newestFirst = history.map(\.timestamp).sorted(by: >)
        return zip(entries, times).map { entry, time in
            var low = 0
            var high = newestFirst.count
            while low < high {
                let middle = (low + high) / 2
                if newestFirst[middle] > time { low = middle + 1 } else { high = middle }
            }
            let recency = Float(exp2(-Double(low) / halfLife))
            return (entry.item, entry.value * ((1 - weight) + weight * recency))
        }
    }
}
