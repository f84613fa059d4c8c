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

    /// `entries` with their values weighted; `times` are theirs, entry for entry, and each
    /// position counts every interaction of the history (`RecencyPositions`).
    func apply(to entries: [(item: Int, value: Float)], times: [Int64], history: [Interaction]) -> [(item: Int, value: Float)] {
        let positions = RecencyPositions(history)
        return zip(entries, times).map { entry, time in
            let recency = Float(exp2(-Double(positions.position(of: time)) / halfLife))
            return (entry.item, entry.value * ((1 - weight) + weight * recency))
        }
    }
}
