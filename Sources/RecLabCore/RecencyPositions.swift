/// Where an interaction stands in its user's own sequence, counted back from the newest: how
/// many of the history's interactions are strictly newer. Ratings of one second share a
/// position, so no order is made up between them (by movie id or otherwise).
public struct RecencyPositions: Sendable {
    private let newestFirst: [Int64]

    public init(_ history: [Interaction]) {
        newestFirst = history.map(\.timestamp).sorted(by: >)
    }

    /// 0 for the newest second of the history.
    public func position(of timestamp: Int64) -> Int {
        var low = 0
        var high = newestFirst.count
        while low < high {
            let middle = (low + high) / 2
            if newestFirst[middle] > timestamp { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
