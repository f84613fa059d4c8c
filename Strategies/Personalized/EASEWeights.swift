import LinearAlgebra
import RecLabCore

/// EASE^R's item-item weights (Steck 2019): B = I − P·diag(1/diag(P)) with
/// P = (XᵀX + λI)⁻¹, zero diagonal, so a user's scores are x_u·B.
///
/// B is kept in whichever form is cheaper for the data's shape. With fewer users than items
/// (MovieLens: 610 × 9,724) the Woodbury identity gives P = (1/λ)(I − XᵀKX) with
/// K = (XXᵀ + λI)⁻¹, hence B_ij = (XᵀKX)_ij / (1 − (XᵀKX)_jj) off the diagonal. Keeping K,
/// the sparse X and K·X (users × items) instead of the dense items² B makes the fit a users²
/// inverse and a gemm, takes 25 MB instead of 380 on MovieLens, and scores a user in
/// O(users² + interactions) however long their history. With at least as many users as items,
/// B is stored dense. Pruned, B keeps only its largest weights in magnitude, row by row: an
/// answer then sums a few dozen weights per history movie instead of touching every movie.
public struct EASEWeights: Sendable {
    /// How B is held.
    public enum Form: String, Sendable {
        /// The items × items matrix itself, from the direct Cholesky inverse.
        case dense
        /// K = (XXᵀ + λI)⁻¹ with X: B is applied through it, never materialised.
        case woodbury
        /// B's weights of largest magnitude, sparse by row (computed whole, then cut).
        case pruned
        /// B learned sparse, each column on its movie's neighbourhood (`NeighbourhoodWeights`):
        /// never items², so it covers catalogues whose whole B does not fit.
        case sparse
    }

    public let form: Form
    public let items: Int
    private let storage: Storage

    private enum Storage: Sendable {
        case dense(Matrix)
        case woodbury(Woodbury)
        /// Row i: item i's weights B_ij, columns ascending (what scoring scatters); and the same
        /// weights by column (what explaining a pick reads: the history movies behind it). The
        /// pruned and the sparse forms' B.
        case sparse(byRow: InteractionMatrix, byColumn: InteractionMatrix)
    }

    private struct Woodbury: Sendable {
        /// K = (XXᵀ + λI)⁻¹, users × users.
        let inner: Matrix
        /// Row j is (K·x_j)ᵀ for item j's column x_j of X: items × users.
        let projectedItems: Matrix
        /// X by item: each movie's raters and their values.
        let byItem: InteractionMatrix
        /// (XᵀKX)_jj, and 1 / (1 − (XᵀKX)_jj), the column scale that turns XᵀKX − I into B.
        let diagonal: [Float]
        let scale: [Float]
    }

    /// Woodbury when there are fewer users than items, the dense B otherwise: the cheaper way
    /// to compute B whole.
    public static func cheaperForm(users: Int, items: Int) -> Form {
        users < items ? .woodbury : .dense
    }

    /// The form that answers fastest within `density`: Woodbury with fewer users than items
    /// (B whole, in less memory than any pruned B and answering faster than B pruned to 5% on
    /// ml-latest-small), otherwise B pruned to `density`, or dense at density 1 (an answer
    /// then reads a whole row of B per history movie, which at 20,000 movies is memory-bound).
    public static func fastestForm(users: Int, items: Int, density: Double) -> Form {
        users < items ? .woodbury : density < 1 ? .pruned : .dense
    }

    /// `fastestForm` when its fit fits in `limit` bytes, else the sparse form if it fits,
    /// whose memory grows with items × neighbours: what covers a catalogue whose B whole
    /// cannot be built (10^5 movies). On protocol v1 it costs 0.002–0.003 validation ndcg@10
    /// against B whole (benchmarks/personalization.md), so it is never taken where B fits.
    public static func fittingForm(users: Int, items: Int, density: Double, neighbours: Int, limit: Int?) -> Form {
        let fastest = fastestForm(users: users, items: items, density: density)
        guard let limit, workingBytes(users: users, items: items, form: fastest) > limit,
              workingBytes(users: users, items: items, form: .sparse, neighbours: neighbours) <= limit
        else { return fastest }
        return .sparse
    }

    /// The fit's peak working memory in bytes: dense, the items² Gram matrix (summed from the
    /// sparse X) and its inverse; Woodbury, Xᵀ dense and K·X (items × users each), and the
    /// users² XXᵀ and its inverse; pruned, the cheaper of those, then B whole and X dense
    /// beside it; sparse, `NeighbourhoodWeights.workingBytes`.
    public static func workingBytes(users: Int, items: Int, form: Form, neighbours: Int = 256) -> Int {
        let floats: Double
        switch form {
        case .dense: floats = 2 * Double(items) * Double(items)
        case .woodbury: floats = 2 * Double(items) * Double(users) + 2 * Double(users) * Double(users)
        case .pruned:
            floats = max(Double(workingBytes(users: users, items: items, form: cheaperForm(users: users, items: items))) / 4,
                         Double(items) * Double(items) + 2 * Double(users) * Double(items))
        case .sparse: return NeighbourhoodWeights.workingBytes(items: items, neighbours: neighbours)
        }
        return Int(min(Double(Int.max / 2), 4 * floats))
    }

    /// What to change when the fit in `form` does not fit in `limit` bytes: the `max_items`
    /// that would.
    public static func advice(users: Int, items: Int, limit: Int, form: Form, neighbours: Int = 256) -> String {
        var fitting = 0
        var step = items
        // The largest item count whose form fits, by halving steps (the dense and Woodbury
        // forms: whichever is cheaper at that count).
        while step > 0 {
            let candidate = fitting + step
            let shape = form == .dense || form == .woodbury ? cheaperForm(users: users, items: candidate) : form
            if candidate <= items, workingBytes(users: users, items: candidate, form: shape, neighbours: neighbours) <= limit {
                fitting = candidate
            } else {
                step /= 2
            }
        }
        return fitting > 0
            ? "set max_items to \(fitting) or fewer (the most-rated movies are kept), use algorithm: als, or raise MODEL_MEMORY_LIMIT"
            : "no item count fits with \(users) users: use algorithm: als, or raise MODEL_MEMORY_LIMIT"
    }

    /// Fits B on `x` (users × items). `form` nil picks `fastestForm`; `density` is the share
    /// of B's off-diagonal weights the pruned form keeps, largest in magnitude first.
    public init(_ x: InteractionMatrix, lambda: Float, form: Form? = nil, density: Double = 1, neighbours: Int = 256) throws(LinearAlgebraError) {
        precondition(lambda > 0, "EASEWeights: lambda must be > 0, got \(lambda)")
        precondition(density > 0 && density <= 1, "EASEWeights: density must be in (0, 1], got \(density)")
        // A zero of X adds nothing to XᵀX, XXᵀ or K·X: every form reads only the others.
        let x = x.droppingZeros()
        let cheaper = Self.cheaperForm(users: x.rows, items: x.columns)
        let form = form ?? Self.fastestForm(users: x.rows, items: x.columns, density: density)
        self.form = form
        self.items = x.columns
        switch form {
        case .dense: storage = .dense(try Self.denseWeights(x, lambda: lambda))
        case .woodbury: storage = .woodbury(try Self.woodburyWeights(x, lambda: lambda))
        case .pruned:
            let whole = cheaper == .dense ? try Self.denseWeights(x, lambda: lambda) : Self.materialised(try Self.woodburyWeights(x, lambda: lambda), x)
            let offDiagonal = Double(x.columns) * Double(max(0, x.columns - 1))
            let kept = Self.pruned(whole, keeping: Int((density * offDiagonal).rounded(.up)))
            storage = .sparse(byRow: kept, byColumn: kept.transposed())
        case .sparse:
            let byColumn = try NeighbourhoodWeights.fit(x, lambda: lambda, neighbours: neighbours)
            storage = .sparse(byRow: byColumn.transposed(), byColumn: byColumn)
        }
    }

    /// B itself from the Woodbury parts: B_ij = s_j·(XᵀKX)_ij off the diagonal, XᵀKX = (K·X)ᵀ·X.
    private static func materialised(_ w: Woodbury, _ x: InteractionMatrix) -> Matrix {
        var b = gemm(w.projectedItems, x.dense())
        let n = b.columns
        b.withUnsafeMutableMatrixBuffer { b in
            w.scale.withUnsafeBufferPointer { scale in
                for i in 0..<n {
                    let row = i * n
                    for j in 0..<n { b.elements[row + j] *= scale[j] }
                    b.elements[row + i] = 0
                }
            }
        }
        return b
    }

    /// The `count` weights of largest magnitude (ties at the cut all kept; zeros never), by row.
    /// The cut is found by selecting on the magnitudes' bit patterns, which order like the
    /// magnitudes themselves: a histogram of the high 16 bits finds the cut's bin, a second
    /// of the low 16 bits within it the exact pattern, two passes and no sort of items².
    static func pruned(_ b: Matrix, keeping count: Int) -> InteractionMatrix {
        let n = b.columns
        return b.withUnsafeMatrixBuffer { b in
            let magnitudes = UnsafeBufferPointer(start: UnsafeRawPointer(b.elements.baseAddress!).assumingMemoryBound(to: UInt32.self), count: b.elements.count)
            let signless: UInt32 = 0x7fff_ffff
            var remaining = count
            var high = [Int](repeating: 0, count: 1 << 16)
            for bits in magnitudes { high[Int((bits & signless) >> 16)] += 1 }
            var bin = (1 << 16) - 1
            while bin > 0, high[bin] < remaining {
                remaining -= high[bin]
                bin -= 1
            }
            var low = [Int](repeating: 0, count: 1 << 16)
            for bits in magnitudes where Int((bits & signless) >> 16) == bin { low[Int(bits & 0xffff)] += 1 }
            var lowBin = (1 << 16) - 1
            while lowBin > 0, low[lowBin] < remaining {
                remaining -= low[lowBin]
                lowBin -= 1
            }
            let cut = max(1, UInt32(bin << 16 | lowBin))
            var entries: [(row: Int, column: Int, value: Float)] = []
            for i in 0..<n {
                for j in 0..<n where magnitudes[i * n + j] & signless >= cut { entries.append((i, j, b.elements[i * n + j])) }
            }
            return InteractionMatrix(rows: n, columns: n, entries: entries)
        }
    }

    private static func denseWeights(_ x: InteractionMatrix, lambda: Float) throws(LinearAlgebraError) -> Matrix {
        var gramian = x.gram()
        gramian.addToDiagonal(lambda)
        var weights = try invertPositiveDefinite(gramian)
        let n = weights.columns
        var inverseDiagonal = [Float](repeating: 0, count: n)
        for j in 0..<n { inverseDiagonal[j] = -1 / weights[j, j] }
        weights.withUnsafeMutableMatrixBuffer { b in
            inverseDiagonal.withUnsafeBufferPointer { scale in
                for i in 0..<n {
                    let row = i * n
                    for j in 0..<n { b.elements[row + j] *= scale[j] }
                    b.elements[row + i] = 0
                }
            }
        }
        return weights
    }

    private static func woodburyWeights(_ x: InteractionMatrix, lambda: Float) throws(LinearAlgebraError) -> Woodbury {
        let byItem = x.transposed()
        let items = byItem.dense()
        // The gram of Xᵀ (items × users) is XXᵀ.
        var outer = gram(items)
        outer.addToDiagonal(lambda)
        let inner = try invertPositiveDefinite(outer)
        let projectedItems = gemm(items, inner)
        var diagonal = [Float](repeating: 0, count: x.columns)
        projectedItems.withUnsafeMatrixBuffer { projected in
            for item in 0..<x.columns {
                byItem.withRow(item) { raters, values in
                    let row = projected.elements.baseAddress! + item * projected.columns
                    var sum: Float = 0
                    for t in 0..<raters.count { sum += values[t] * row[Int(raters[t])] }
                    diagonal[item] = sum
                }
            }
        }
        return Woodbury(
            inner: inner, projectedItems: projectedItems, byItem: byItem, diagonal: diagonal,
            scale: diagonal.map { 1 / (1 - $0) })
    }

    /// x·B for a user row x given by its non-zero entries: one score per item.
    public func scores(for row: [(item: Int, value: Float)]) -> [Float] {
        var scores = [Float](repeating: 0, count: items)
        switch storage {
        case .dense(let b):
            // x·B = Σ x_i·B_i over the user's movies only: a history reads a few hundred of B's
            // rows where a product with the dense x reads all of them, and it runs on the
            // request's own thread (BLAS's threads, woken per answer, cost more than the sums).
            scores.withUnsafeMutableBufferPointer { out in
                for entry in row where entry.value != 0 {
                    b.withUnsafeRow(entry.item) { weights in axpy(entry.value, weights, out) }
                }
            }
        case .sparse(let b, _):
            scores.withUnsafeMutableBufferPointer { out in
                b.withEntries { starts, columns, weights in
                    for entry in row where entry.value != 0 {
                        for t in starts[entry.item]..<starts[entry.item + 1] { out[Int(columns[t])] += entry.value * weights[t] }
                    }
                }
            }
        case .woodbury(let w):
            // x·B_j = s_j((xXᵀKX)_j − x_j(XᵀKX)_jj), through w = K·Xx, mapped back through X.
            let users = w.inner.rows
            var weighted = [Float](repeating: 0, count: users)
            if row.count < users {
                // K is symmetric, so w = Σ x_i·(K·x_i): the history's stored rows of K·X, summed,
                // are fewer multiply-adds than K applied to the projection, and run as vectors.
                weighted.withUnsafeMutableBufferPointer { weighted in
                    for entry in row where entry.value != 0 {
                        w.projectedItems.withUnsafeRow(entry.item) { stored in axpy(entry.value, stored, weighted) }
                    }
                }
            } else {
                // A history longer than K is wide: project x on the users (v = Xx), then apply K
                // row by row (BLAS's dot, which stays on the request's thread at this length; a
                // threaded product woken per answer costs more than the sums).
                var projection = [Float](repeating: 0, count: users)
                for entry in row {
                    w.byItem.withRow(entry.item) { raters, values in
                        for t in 0..<raters.count { projection[Int(raters[t])] += values[t] * entry.value }
                    }
                }
                projection.withUnsafeBufferPointer { projection in
                    for user in 0..<users { weighted[user] = w.inner.withUnsafeRow(user) { dot($0, projection) } }
                }
            }
            // Item by item over its raters (a gather): one pass, each score written once, the
            // correction and the scale applied.
            scores.withUnsafeMutableBufferPointer { scores in
                for entry in row { scores[entry.item] -= entry.value * w.diagonal[entry.item] }
                w.byItem.withEntries { starts, raters, values in
                    weighted.withUnsafeBufferPointer { weighted in
                        w.scale.withUnsafeBufferPointer { scale in
                            for item in 0..<items {
                                scores[item] = (InteractionMatrix.dot(row: item, starts, raters, values, with: weighted) + scores[item]) * scale[item]
                            }
                        }
                    }
                }
            }
        }
        return scores
    }

    /// x_i·B_ij for every entry i of `row` (rows of the result, in order) and every item j of
    /// `targets` (columns): how much each interaction adds to each target's score.
    public func contributions(of row: [(item: Int, value: Float)], to targets: [Int]) -> Matrix {
        var result = Matrix(rows: row.count, columns: targets.count)
        switch storage {
        case .dense(let b):
            for (r, entry) in row.enumerated() {
                for (c, target) in targets.enumerated() { result[r, c] = entry.value * b[entry.item, target] }
            }
        case .sparse(let byRow, let byColumn):
            // Whichever is shorter: the history's rows, each walked beside the targets, or the
            // targets' columns (long for the movies many weigh towards, which picks tend to
            // be), each walked beside the history. Both sides are sorted, so a walk costs its
            // two lengths, with no table the size of the catalogue.
            let rowEntries = row.reduce(0) { $0 + byRow.rowStart[$1.item + 1] - byRow.rowStart[$1.item] }
            let columnEntries = targets.reduce(0) { $0 + byColumn.rowStart[$1 + 1] - byColumn.rowStart[$1] }
            let targetsInOrder = targets.indices.map { (item: Int32(targets[$0]), slot: $0) }.sorted { $0.item < $1.item }
            let historyInOrder = row.indices.map { (item: Int32(row[$0].item), slot: $0) }.sorted { $0.item < $1.item }
            let width = targets.count
            result.withUnsafeMutableMatrixBuffer { result in
                if rowEntries <= columnEntries {
                    for (r, entry) in row.enumerated() {
                        byRow.withRow(entry.item) { columns, weights in
                            Self.walk(columns, beside: targetsInOrder) { t, c in result.elements[r * width + c] = entry.value * weights[t] }
                        }
                    }
                } else {
                    for (c, target) in targets.enumerated() {
                        byColumn.withRow(target) { sources, weights in
                            Self.walk(sources, beside: historyInOrder) { t, r in result.elements[r * width + c] = row[r].value * weights[t] }
                        }
                    }
                }
            }
        case .woodbury(let w):
            // x_i·B_ij = x_i·s_j·x_iᵀ(K·x_j). The targets' stored K·x_j are laid out user by
            // user, sixteen targets to a vector, so each rater of a history movie adds one
            // vector for sixteen targets: a long history's explanation costs its raters, not
            // its raters times the targets.
            let users = w.projectedItems.columns
            let width = targets.count
            let chunks = (width + 15) / 16
            var byUser = [SIMD16<Float>](repeating: .zero, count: users * chunks)
            w.projectedItems.withUnsafeMatrixBuffer { projected in
                byUser.withUnsafeMutableBufferPointer { $0.withMemoryRebound(to: Float.self) { lanes in
                    for (c, target) in targets.enumerated() {
                        let projection = projected.elements.baseAddress! + target * users
                        for user in 0..<users { lanes[(user * chunks + c / 16) * 16 + c % 16] = projection[user] }
                    }
                } }
            }
            let sums = UnsafeMutableBufferPointer<SIMD16<Float>>.allocate(capacity: chunks)
            defer { sums.deallocate() }
            byUser.withUnsafeBufferPointer { byUser in
                result.withUnsafeMutableMatrixBuffer { result in
                    w.byItem.withEntries { starts, raters, values in
                        for (r, entry) in row.enumerated() {
                            for k in 0..<chunks { sums[k] = .zero }
                            for t in starts[entry.item]..<starts[entry.item + 1] {
                                let base = Int(raters[t]) * chunks
                                for k in 0..<chunks { sums[k] += values[t] * byUser[base + k] }
                            }
                            for (c, target) in targets.enumerated() where target != entry.item {
                                result.elements[r * width + c] = entry.value * w.scale[target] * sums[c / 16][c % 16]
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

extension EASEWeights {
    /// Calls `body(t, slot)` for each position t of `sorted` whose index is one of `keys`
    /// (sorted by item too, no item twice). Each key is found by galloping from the last one
    /// found: ten picks in a row of a thousand weights cost about ten searches, where a
    /// step-by-step walk read the whole row (most of an explanation at 10^6 ratings), and a
    /// long run of keys still costs about one pass.
    @inline(__always)
    static func walk(_ sorted: UnsafeBufferPointer<Int32>, beside keys: [(item: Int32, slot: Int)], _ body: (Int, Int) -> Void) {
        let count = sorted.count
        var low = 0
        for key in keys {
            // Every position below `low` holds a smaller index than the key.
            var high = low
            var step = 1
            while high < count, sorted[high] < key.item {
                low = high + 1
                high += step
                step &<<= 1
            }
            high = min(high, count)
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < key.item { low = middle + 1 } else { high = middle }
            }
            if low == count { return }
            if sorted[low] == key.item {
                body(low, key.slot)
                low += 1
            }
        }
    }

    func write(to writer: inout ModelWriter) {
        writer.write(form.rawValue)
        writer.write(items)
        switch storage {
        case .dense(let b):
            writer.write(b)
        case .sparse(let b, _):
            b.write(to: &writer)
        case .woodbury(let woodbury):
            writer.write(woodbury.inner)
            writer.write(woodbury.projectedItems)
            woodbury.byItem.write(to: &writer)
            writer.write(array: woodbury.diagonal)
            writer.write(array: woodbury.scale)
        }
    }

    /// Every dimension checked against the others: scoring indexes by them without checks.
    init(from reader: inout ModelReader) throws(ModelArchiveError) {
        let name = try reader.readString()
        guard let form = Form(rawValue: name) else { throw ModelArchiveError("unknown EASE^R form '\(name)'") }
        let items = try reader.readCount()
        self.form = form
        self.items = items
        switch form {
        case .dense:
            let b = try reader.readMatrix()
            try reader.expect(b.rows == items && b.columns == items, "a \(b.rows)x\(b.columns) B for \(items) items")
            storage = .dense(b)
        case .pruned, .sparse:
            let b = try InteractionMatrix(from: &reader)
            try reader.expect(b.rows == items && b.columns == items, "a \(b.rows)x\(b.columns) \(form.rawValue) B for \(items) items")
            storage = .sparse(byRow: b, byColumn: b.transposed())
        case .woodbury:
            let inner = try reader.readMatrix()
            let projectedItems = try reader.readMatrix()
            let byItem = try InteractionMatrix(from: &reader)
            let diagonal = try reader.readArray(of: Float.self)
            let scale = try reader.readArray(of: Float.self)
            let users = inner.rows
            try reader.expect(
                inner.columns == users && projectedItems.rows == items && projectedItems.columns == users
                    && byItem.rows == items && byItem.columns == users
                    && diagonal.count == items && scale.count == items,
                "the Woodbury form's parts do not fit \(users) users and \(items) items")
            storage = .woodbury(Woodbury(inner: inner, projectedItems: projectedItems, byItem: byItem, diagonal: diagonal, scale: scale))
        }
    }
}

extension ModelWriter {
    mutating func write(_ matrix: Matrix) {
        write(matrix.rows)
        write(matrix.columns)
        write(array: matrix.values)
    }
}

extension ModelReader {
    mutating func readMatrix() throws(ModelArchiveError) -> Matrix {
        let rows = try readCount()
        let columns = try readCount()
        let values = try readArray(of: Float.self)
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        try expect(!overflow && count == values.count, "a \(rows)x\(columns) matrix of \(values.count) values")
        return Matrix(rows: rows, columns: columns, values: values)
    }
}
