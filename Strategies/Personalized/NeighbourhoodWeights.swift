import Dispatch
import LinearAlgebra
import Synchronization

/// EASE^R's B learned sparse from the start, for catalogues whose items² B (or Gram matrix)
/// does not fit: each movie's column is the same ridge regression as EASE^R's, on the
/// `neighbours` movies most similar to it only (by cosine, G_aj/√(G_aa·G_jj); the restriction
/// of fsSLIM, Ning and Karypis, "SLIM: Sparse Linear Methods for Top-N Recommender Systems",
/// ICDM 2011), with the Gram matrix kept sparse as SANSA does (Spišák, Bohdal and Hrdina,
/// RecSys 2023): each movie's `gramFactor · neighbours` largest co-ratings, so that G_NN keeps
/// the pairs that weigh most. Column j solves (G_NN + λI)·b = G_Nj, one neighbours² Cholesky
/// per movie; memory and time grow with movies × neighbours, not movies².
enum NeighbourhoodWeights {
    /// Co-ratings kept per movie, per neighbour: the neighbours' own rows must hold most of the
    /// pairs among them, or G_NN would miss weights that EASE^R's inverse sees.
    static let gramFactor = 4

    /// The fit's peak working memory in bytes: the sparse Gram matrix, B by row and by column
    /// with its triplets, and one dense accumulator per core.
    static func workingBytes(items: Int, neighbours: Int) -> Int {
        let entries = Double(items) * Double(neighbours)
        return Int(min(Double(Int.max / 2), 8 * Double(gramFactor) * entries + 40 * entries + 16 * Double(items) * 4))
    }

    /// B by column (row j of the result holds column j of B: its neighbours and their weights).
    static func fit(_ x: InteractionMatrix, lambda: Float, neighbours: Int) throws(LinearAlgebraError) -> InteractionMatrix {
        precondition(neighbours > 0, "NeighbourhoodWeights: neighbours must be > 0, got \(neighbours)")
        let (gram, diagonal) = sparseGram(x, keeping: gramFactor * neighbours)
        // Many small solves in parallel: BLAS's own threads would only oversubscribe the cores.
        let blasThreads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(blasThreads) }
        let parts = try inParallel(rows: x.columns) { range in
            Result { () throws(LinearAlgebraError) in try solveColumns(range, gram: gram, diagonal: diagonal, lambda: lambda, neighbours: neighbours) }
        }
        return SparseRows.joined(parts, columns: x.columns)
    }

    /// Rows built chunk by chunk: where each row's entries start, their columns and values.
    struct SparseRows: Sendable {
        var starts = [0]
        var columns: [Int32] = []
        var values: [Float] = []

        mutating func append(_ column: Int32, _ value: Float) {
            columns.append(column)
            values.append(value)
        }

        mutating func endRow() { starts.append(columns.count) }

        /// The chunks' rows, in order, as one matrix.
        static func joined(_ parts: [SparseRows], columns: Int) -> InteractionMatrix {
            var whole = SparseRows()
            for part in parts {
                for row in 0..<part.starts.count - 1 { whole.starts.append(whole.columns.count + part.starts[row + 1]) }
                whole.columns.append(contentsOf: part.columns)
                whole.values.append(contentsOf: part.values)
            }
            return InteractionMatrix(
                rows: whole.starts.count - 1, columns: columns, rowStart: whole.starts, columnIndices: whole.columns, values: whole.values)
        }
    }

    /// `body` over rows 0..<rows in chunks of 256, spread over the cores; the parts in order,
    /// or the first chunk's failure.
    static func inParallel<Part: Sendable, Failure: Error>(
        rows: Int, _ body: @Sendable (Range<Int>) -> Result<Part, Failure>
    ) throws(Failure) -> [Part] {
        let chunks = stride(from: 0, to: rows, by: 256).map { $0..<min(rows, $0 + 256) }
        let parts = Mutex<[Int: Result<Part, Failure>]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            let part = body(chunks[chunk])
            parts.withLock { $0[chunk] = part }
        }
        let done = parts.withLock { $0 }
        return try chunks.indices.map { (chunk) throws(Failure) in try done[chunk]!.get() }
    }

    /// Columns `range` of B, each from its neighbourhood's system.
    private static func solveColumns(
        _ range: Range<Int>, gram: InteractionMatrix, diagonal: [Float], lambda: Float, neighbours: Int
    ) throws(LinearAlgebraError) -> SparseRows {
        var solved = SparseRows()
        var system = [Float](repeating: 0, count: neighbours * neighbours)
        var rhs = [Float](repeating: 0, count: neighbours)
        for item in range {
            // N: the movies most similar to this one by cosine, G_ja/√G_aa, ascending by movie. By
            // co-ratings alone the most popular movies would be every movie's neighbours, and
            // their rows of B, which an answer reads, nearly as long as the catalogue.
            let neighbourhood = gram.withRow(item) { columns, values in
                largest(neighbours, of: (0..<values.count).map { values[$0] / diagonal[Int(columns[$0])].squareRoot() })
                    .map { (item: columns[$0], value: values[$0]) }.sorted { $0.item < $1.item }
            }
            let n = neighbourhood.count
            guard n > 0 else {
                solved.endRow()
                continue
            }
            let keys = neighbourhood.indices.map { (item: neighbourhood[$0].item, slot: $0) }
            var shift = lambda
            // Kept sparse, G_NN may lose a little of its definiteness; a larger ridge restores it.
            while true {
                for p in 0..<n * n { system[p] = 0 }
                for p in 0..<n {
                    let a = Int(neighbourhood[p].item)
                    system[p * n + p] = diagonal[a] + shift
                    rhs[p] = neighbourhood[p].value
                    gram.withRow(a) { columns, values in
                        EASEWeights.walk(columns, beside: keys) { t, q in
                            system[p * n + q] = values[t]
                            system[q * n + p] = values[t]
                        }
                    }
                }
                let factored: Bool = try system.withUnsafeMutableBufferPointer { (a) throws(LinearAlgebraError) -> Bool in
                    try rhs.withUnsafeMutableBufferPointer { (b) throws(LinearAlgebraError) -> Bool in
                        do throws(LinearAlgebraError) {
                            try solvePositiveDefiniteInPlace(
                                UnsafeMutableMatrixBuffer(rows: n, columns: n, elements: UnsafeMutableBufferPointer(rebasing: a[0..<n * n])),
                                UnsafeMutableBufferPointer(rebasing: b[0..<n]))
                            return true
                        } catch .notPositiveDefinite(_) where shift < 1_000 * lambda {
                            return false
                        }
                    }
                }
                if factored { break }
                shift *= 2
            }
            for p in 0..<n { solved.append(neighbourhood[p].item, rhs[p]) }
            solved.endRow()
        }
        return solved
    }

    /// G = XᵀX with each row cut to its `keeping` largest off-diagonal entries in magnitude
    /// (columns ascending), and G's diagonal whole. Row i sums the rows of X that have movie
    /// i into a dense accumulator: Σ over users of their ratings² multiply-adds in all. (Kept
    /// by cosine instead, validation ndcg@10 on protocol v1 fell at every neighbourhood size.)
    static func sparseGram(_ x: InteractionMatrix, keeping: Int) -> (gram: InteractionMatrix, diagonal: [Float]) {
        let byItem = x.transposed()
        let items = x.columns
        let diagonal = (0..<items).map { item in byItem.withRow(item) { _, values in values.reduce(0) { $0 + $1 * $1 } } }
        let parts = inParallel(rows: items) { (range) -> Result<SparseRows, Never> in
            var sums = [Float](repeating: 0, count: items)
            var seen = [Bool](repeating: false, count: items)
            var touched: [Int32] = []
            var rows = SparseRows()
            for item in range {
                sums.withUnsafeMutableBufferPointer { sums in
                    x.addGramRow(item, byColumn: byItem, into: sums.baseAddress!) { other in
                        if !seen[other] {
                            seen[other] = true
                            touched.append(Int32(other))
                        }
                    }
                }
                let offDiagonal = touched.filter { Int($0) != item }
                for other in largest(keeping, of: offDiagonal.map { sums[Int($0)] }).map({ offDiagonal[$0] }).sorted() {
                    rows.append(other, sums[Int(other)])
                }
                rows.endRow()
                for other in touched {
                    sums[Int(other)] = 0
                    seen[Int(other)] = false
                }
                touched.removeAll(keepingCapacity: true)
            }
            return .success(rows)
        }
        return (SparseRows.joined(parts, columns: items), diagonal)
    }

    /// Indices of the `count` values largest in magnitude, in index order; of equal
    /// magnitudes at the cut, the earliest.
    static func largest(_ count: Int, of values: [Float]) -> [Int] {
        let magnitudes = values.map { abs($0) }
        guard count < magnitudes.count else { return Array(magnitudes.indices) }
        guard count > 0 else { return [] }
        var scratch = magnitudes
        let cut = kthLargest(count, in: &scratch)
        var above = magnitudes.reduce(0) { $0 + ($1 > cut ? 1 : 0) }
        var kept: [Int] = []
        kept.reserveCapacity(count)
        for index in magnitudes.indices {
            if magnitudes[index] > cut {
                kept.append(index)
            } else if magnitudes[index] == cut, above < count {
                kept.append(index)
                above += 1
            }
        }
        return kept
    }

    /// The k-th largest of `values` (1-based), reordering them: quickselect, median-of-three pivots.
    private static func kthLargest(_ k: Int, in values: inout [Float]) -> Float {
        var low = 0
        var high = values.count - 1
        let target = k - 1
        while low < high {
            let middle = low + (high - low) / 2
            let pivot = max(min(values[low], values[middle]), min(max(values[low], values[middle]), values[high]))
            var i = low
            var j = high
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if target <= j {
                high = j
            } else if target >= i {
                low = i
            } else {
                break
            }
        }
        return values[target]
    }
}
