import LinearAlgebra
import RecLabCore

/// A sparse matrix stored row by row: users × items interaction values (a rating, or 1), the
/// input EASE^R and ALS fit on; also the items × items weights of a pruned EASE^R.
public struct InteractionMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row `r`'s entries sit at `rowStart[r] ..< rowStart[r + 1]`, columns ascending.
    let rowStart: [Int]
    let columnIndices: [Int32]
    let values: [Float]

    /// A pair given twice keeps the value given last.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Float)]) {
        self.init(
            rows: rows, columns: columns, rowIndices: entries.map(\.row), columnIndices: entries.map(\.column),
            values: entries.map(\.value), precedence: Array(0..<Int64(entries.count)))
    }

    /// Builds the matrix from parallel arrays of entries; of a repeated pair the entry with the
    /// greatest `precedence` wins, and of equal precedences the later entry.
    init(rows: Int, columns: Int, rowIndices: [Int], columnIndices entryColumns: [Int], values entryValues: [Float], precedence: [Int64]) {
        precondition(rows >= 0 && columns >= 0, "InteractionMatrix: dimensions must be non-negative, got \(rows)x\(columns)")
        precondition(columns <= Int(Int32.max), "InteractionMatrix: \(columns) columns do not fit 32-bit indices")
        let count = rowIndices.count
        precondition(
            entryColumns.count == count && entryValues.count == count && precedence.count == count,
            "InteractionMatrix: entry arrays differ in length")
        for index in 0..<count {
            precondition(
                (0..<rows).contains(rowIndices[index]) && (0..<columns).contains(entryColumns[index]),
                "InteractionMatrix: entry (\(rowIndices[index]), \(entryColumns[index])) outside a \(rows)x\(columns) matrix")
        }
        // Two stable counting sorts (by column, then by row) order the entries by row, then
        // column, then position in the input, in O(entries).
        let byColumn = Self.stableOrder(Array(0..<count), keys: entryColumns, keyCount: columns)
        let order = Self.stableOrder(byColumn, keys: rowIndices, keyCount: rows)
        var rowStart = [Int](repeating: 0, count: rows + 1)
        var columnIndices: [Int32] = []
        var values: [Float] = []
        columnIndices.reserveCapacity(count)
        values.reserveCapacity(count)
        var position = 0
        while position < count {
            let first = order[position]
            var winner = first
            position += 1
            while position < count, rowIndices[order[position]] == rowIndices[first], entryColumns[order[position]] == entryColumns[first] {
                if precedence[order[position]] >= precedence[winner] { winner = order[position] }
                position += 1
            }
            rowStart[rowIndices[first] + 1] += 1
            columnIndices.append(Int32(entryColumns[first]))
            values.append(entryValues[winner])
        }
        for row in 0..<rows { rowStart[row + 1] += rowStart[row] }
        self.rows = rows
        self.columns = columns
        self.rowStart = rowStart
        self.columnIndices = columnIndices
        self.values = values
    }

    /// `items` reordered by `keys[item]` (each in 0..<keyCount), keeping the order of equal keys.
    private static func stableOrder(_ items: [Int], keys: [Int], keyCount: Int) -> [Int] {
        var starts = [Int](repeating: 0, count: keyCount + 1)
        for item in items { starts[keys[item] + 1] += 1 }
        for key in 0..<keyCount { starts[key + 1] += starts[key] }
        var ordered = [Int](repeating: 0, count: items.count)
        for item in items {
            ordered[starts[keys[item]]] = item
            starts[keys[item]] += 1
        }
        return ordered
    }

    /// From its row starts, columns (ascending within each row) and values, as built.
    init(rows: Int, columns: Int, rowStart: [Int], columnIndices: [Int32], values: [Float]) {
        self.rows = rows
        self.columns = columns
        self.rowStart = rowStart
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Stored entries (an interaction whose input value is 0 is stored: it still marks the
    /// movie as the user's).
    public var count: Int { values.count }

    /// The same matrix without its stored zeros: what the products read, since a zero adds
    /// nothing to them (with a rating offset, a third of MovieLens's ratings).
    func droppingZeros() -> InteractionMatrix {
        guard values.contains(0) else { return self }
        var starts = [0]
        var indices: [Int32] = []
        var kept: [Float] = []
        starts.reserveCapacity(rows + 1)
        for row in 0..<rows {
            for position in rowStart[row]..<rowStart[row + 1] where values[position] != 0 {
                indices.append(columnIndices[position])
                kept.append(values[position])
            }
            starts.append(kept.count)
        }
        return InteractionMatrix(rows: rows, columns: columns, rowStart: starts, columnIndices: indices, values: kept)
    }

    /// Entries per column: how many users interacted with each item.
    public var columnCounts: [Int] {
        var counts = [Int](repeating: 0, count: columns)
        for column in columnIndices { counts[Int(column)] += 1 }
        return counts
    }

    /// The same entries indexed the other way round (items × users), in O(entries).
    func transposed() -> InteractionMatrix {
        var starts = [Int](repeating: 0, count: columns + 1)
        for column in columnIndices { starts[Int(column) + 1] += 1 }
        for column in 0..<columns { starts[column + 1] += starts[column] }
        var next = starts
        var indices = [Int32](repeating: 0, count: count)
        var transposedValues = [Float](repeating: 0, count: count)
        // Rows are visited in order, so every transposed row comes out sorted.
        for row in 0..<rows {
            for position in rowStart[row]..<rowStart[row + 1] {
                let column = Int(columnIndices[position])
                indices[next[column]] = Int32(row)
                transposedValues[next[column]] = values[position]
                next[column] += 1
            }
        }
        return InteractionMatrix(rows: columns, columns: rows, rowStart: starts, columnIndices: indices, values: transposedValues)
    }

    /// XᵀX (columns × columns) from the sparse rows, one row of the result at a time: row i
    /// sums the rows that have column i, each scaled by its value there. That is Σ over rows
    /// of their entries² multiply-adds into a row that stays in cache, where the dense product
    /// costs rows × columns² and a dense copy of X (1.6 GB at 20,000 users × 20,000 movies).
    func gram() -> Matrix {
        let byColumn = transposed()
        var result = Matrix(rows: columns, columns: columns)
        let width = columns
        result.withUnsafeMutableMatrixBuffer { result in
            for column in 0..<width { addGramRow(column, byColumn: byColumn, into: result.elements.baseAddress! + column * width) { _ in } }
        }
        return result
    }

    /// Adds row `column` of XᵀX into `out` (`columns` long): the rows of X that have `column`,
    /// each scaled by its value there (`byColumn` is X transposed). `adding(c)` hears of each
    /// column of `out` just before it is added to, for a caller that keeps only what it touched.
    @inline(__always)
    func addGramRow(_ column: Int, byColumn: InteractionMatrix, into out: UnsafeMutablePointer<Float>, _ adding: (Int) -> Void) {
        withEntries { starts, indices, values in
            byColumn.withRow(column) { rows, weights in
                for t in 0..<rows.count {
                    let row = Int(rows[t])
                    for s in starts[row]..<starts[row + 1] {
                        let other = Int(indices[s])
                        adding(other)
                        out[other] += weights[t] * values[s]
                    }
                }
            }
        }
    }

    func dense() -> Matrix {
        var matrix = Matrix(rows: rows, columns: columns)
        for row in 0..<rows {
            for position in rowStart[row]..<rowStart[row + 1] {
                matrix[row, Int(columnIndices[position])] = values[position]
            }
        }
        return matrix
    }

    /// Every row at once: where row `r`'s entries start (`starts[r] ..< starts[r + 1]`), their
    /// columns and values.
    func withEntries<Result>(
        _ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try rowStart.withUnsafeBufferPointer { starts in
            try columnIndices.withUnsafeBufferPointer { indices in
                try values.withUnsafeBufferPointer { values in try body(starts, indices, values) }
            }
        }
    }

    /// Σ value·dense[column] over row `row`'s entries, read from `withEntries`' buffers. Four
    /// running sums, not one: a single sum waits on its previous addition at every gathered
    /// load, and these gathers are most of an answer's work.
    @inline(__always)
    static func dot(
        row: Int, _ starts: UnsafeBufferPointer<Int>, _ indices: UnsafeBufferPointer<Int32>, _ values: UnsafeBufferPointer<Float>,
        with dense: UnsafeBufferPointer<Float>
    ) -> Float {
        var t = starts[row]
        let end = starts[row + 1]
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        while t + 4 <= end {
            sums.0 += values[t] * dense[Int(indices[t])]
            sums.1 += values[t + 1] * dense[Int(indices[t + 1])]
            sums.2 += values[t + 2] * dense[Int(indices[t + 2])]
            sums.3 += values[t + 3] * dense[Int(indices[t + 3])]
            t += 4
        }
        while t < end {
            sums.0 += values[t] * dense[Int(indices[t])]
            t += 1
        }
        return (sums.0 + sums.1) + (sums.2 + sums.3)
    }

    /// Calls `body` with row `row`'s column indices and values, without copying.
    func withRow<Result>(_ row: Int, _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        let range = rowStart[row]..<rowStart[row + 1]
        return try columnIndices.withUnsafeBufferPointer { indices in
            try values.withUnsafeBufferPointer { values in
                try body(UnsafeBufferPointer(rebasing: indices[range]), UnsafeBufferPointer(rebasing: values[range]))
            }
        }
    }
}

extension InteractionMatrix {
    func write(to writer: inout ModelWriter) {
        writer.write(rows)
        writer.write(columns)
        writer.write(array: rowStart)
        writer.write(array: columnIndices)
        writer.write(array: values)
    }

    /// Every row start and column index checked, so a damaged file cannot index out of bounds.
    init(from reader: inout ModelReader) throws(ModelArchiveError) {
        let rows = try reader.readCount()
        let columns = try reader.readCount()
        let rowStart = try reader.readArray(of: Int.self)
        let columnIndices = try reader.readArray(of: Int32.self)
        let values = try reader.readArray(of: Float.self)
        try reader.expectSparse("a \(rows)x\(columns) sparse matrix", offsets: rowStart, rows: rows, entries: values.count, indices: columnIndices, below: columns)
        self.init(rows: rows, columns: columns, rowStart: rowStart, columnIndices: columnIndices, values: values)
    }
}
