/// Where an interaction stands in its user's own sequence, counted back from the newest: how
/// many of the history's interactions are strictly newer. Ratings of one second share a
/// position, so no order is made up between them (by movie id or otherwise).
public struct RecencyPositions: Sendable {
    private let oldestFirst: [Int64]

    public init(_ history: [Interaction]) {
        var times = history.map(\.timestamp)
        // The stores give histories oldest first: sort only what is not.
        if zip(times, times.dropFirst()).contains(where: { $0 > $1 }) { times.sort() }
        oldestFirst = times
    }

    /// 0 for the newest second of the history: how many interactions are newer.
    public func position(of timestamp: Int64) -> Int {
        var low = 0
        var high = oldestFirst.count
        while low < high {
            let middle = (low + high) / 2
            if oldestFirst[middle] <= timestamp { low = middle + 1 } else { high = middle }
        }
        return oldestFirst.count - low
    }
}
