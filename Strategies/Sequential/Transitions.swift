import Foundation
import RecLabCore

/// The row-normalised transition matrix T (T[i][j]: how much of what follows movie i is j),
/// stored sparse by rows (CSR), so its size grows with ratings × window, not movies².
///
/// Counting: each user's ratings in time order, where ratings of one second are one step (they
/// have no order between them). j after i, d steps later (1 ≤ d ≤ window), adds
/// distance_decay^(d − 1) to C[i][j], and backward_weight times that to C[j][i]. Two movies of
/// the same step are counted both ways with weight 1 when the step holds at most window + 1
/// movies (a session short enough to fit the window), and not at all in a bigger one (a bulk
/// import says nothing of order): never by movie id. With `maxFollowers`, a row keeps its
/// heaviest entries (ties by column), each still its share of the whole row.
struct Transitions: Sendable {
    /// The model's movies, ids ascending; rows and columns index into it.
    let movies: [MovieID]
    let positions: MovieIndex
    /// Row i's entries are columns[rowStart[i]..<rowStart[i + 1]], columns ascending.
    let rowStart: [Int]
    let columns: [Int32]
    let weights: [Float]
    /// Ratings per movie, for the answer to users the model knows nothing of.
    let counts: [Int32]

    init(_ interactions: [Interaction], window: Int, distanceDecay: Float, backwardWeight: Float, minRating: Float, maxFollowers: Int) {
        let kept = minRating > 0 ? interactions.filter { $0.rating >= minRating } : interactions
        movies = Array(Set(kept.map(\.movie))).sorted()
        let positions = MovieIndex(movies)
        self.positions = positions

        var counts = [Int32](repeating: 0, count: movies.count)
        var pairs: [(key: UInt64, weight: Float)] = []
        pairs.reserveCapacity(kept.count * window * (backwardWeight > 0 ? 2 : 1))
        func add(_ from: Int32, _ to: Int32, _ weight: Float) {
            guard from != to, weight > 0 else { return }
            pairs.append((UInt64(UInt32(from)) << 32 | UInt64(UInt32(to)), weight))
        }
        let decays = (0...window).map { Float(pow(Double(distanceDecay), Double(max($0 - 1, 0)))) }
        for (_, history) in Dictionary(grouping: kept, by: \.user) {
            let ordered = history.sorted { $0.timestamp < $1.timestamp }
            let items = ordered.map { Int32(positions[$0.movie]!) }
            // The step of each rating, and how many ratings each step holds.
            let steps = Self.steps(ordered.map(\.timestamp))
            var stepSizes = [Int](repeating: 0, count: (steps.last ?? -1) + 1)
            for step in steps { stepSizes[step] += 1 }
            for first in items.indices {
                counts[Int(items[first])] += 1
                for second in (first + 1)..<items.count {
                    let distance = steps[second] - steps[first]
                    if distance > window { break }
                    if distance == 0 {
                        guard stepSizes[steps[first]] <= window + 1 else { continue }
                        add(items[first], items[second], 1)
                        add(items[second], items[first], 1)
                    } else {
                        add(items[first], items[second], decays[distance])
                        add(items[second], items[first], backwardWeight * decays[distance])
                    }
                }
            }
        }
        self.counts = counts

        pairs.sort { $0.key < $1.key }
        var rowStart = [Int](repeating: 0, count: movies.count + 1)
        var columns: [Int32] = []
        var weights: [Float] = []
        columns.reserveCapacity(pairs.count / 2)
        weights.reserveCapacity(pairs.count / 2)
        var index = 0
        for row in movies.indices {
            rowStart[row] = columns.count
            let rowStartIndex = columns.count
            while index < pairs.count, Int(pairs[index].key >> 32) == row {
                let column = Int32(truncatingIfNeeded: pairs[index].key & 0xFFFF_FFFF)
                var weight: Float = 0
                while index < pairs.count, Int(pairs[index].key >> 32) == row, Int32(truncatingIfNeeded: pairs[index].key & 0xFFFF_FFFF) == column {
                    weight += pairs[index].weight
                    index += 1
                }
                columns.append(column)
                weights.append(weight)
            }
            let total = weights[rowStartIndex...].reduce(0, +)
            if total > 0 { for entry in rowStartIndex..<weights.count { weights[entry] /= total } }
            if maxFollowers > 0, weights.count - rowStartIndex > maxFollowers {
                let kept = (rowStartIndex..<weights.count)
                    .sorted { (weights[$0], columns[$1]) > (weights[$1], columns[$0]) }
                    .prefix(maxFollowers).sorted()
                let (keptColumns, keptWeights) = (kept.map { columns[$0] }, kept.map { weights[$0] })
                columns.replaceSubrange(rowStartIndex..., with: keptColumns)
                weights.replaceSubrange(rowStartIndex..., with: keptWeights)
            }
        }
        rowStart[movies.count] = columns.count
        self.rowStart = rowStart
        self.columns = columns
        self.weights = weights
    }

    /// The step of each of `times` (sorted either way): ratings of one second share one.
    static func steps(_ times: [Int64]) -> [Int] {
        var steps = [Int](repeating: 0, count: times.count)
        for index in times.indices.dropFirst() {
            steps[index] = steps[index - 1] + (times[index] == times[index - 1] ? 0 : 1)
        }
        return steps
    }

    /// Rebuilds what `write(to:)` wrote, checking every length and index.
    init(from reader: inout ModelReader) throws {
        movies = try reader.readArray(of: MovieID.self)
        rowStart = try reader.readArray(of: Int.self)
        columns = try reader.readArray(of: Int32.self)
        weights = try reader.readArray(of: Float.self)
        counts = try reader.readArray(of: Int32.self)
        try reader.expectSparse("transitions", offsets: rowStart, rows: movies.count, entries: weights.count, indices: columns, below: movies.count)
        try reader.expect(counts.count == movies.count, "\(counts.count) rating counts for \(movies.count) movies")
        positions = MovieIndex(movies)
    }

    func write(to writer: inout ModelWriter) {
        writer.write(array: movies)
        writer.write(array: rowStart)
        writer.write(array: columns)
        writer.write(array: weights)
        writer.write(array: counts)
    }

    /// T[row][column], 0 when the row has no such entry.
    func weight(from row: Int, to column: Int32) -> Float {
        var low = rowStart[row]
        var high = rowStart[row + 1]
        while low < high {
            let middle = (low + high) / 2
            if columns[middle] < column { low = middle + 1 } else { high = middle }
        }
        return low < rowStart[row + 1] && columns[low] == column ? weights[low] : 0
    }
}
