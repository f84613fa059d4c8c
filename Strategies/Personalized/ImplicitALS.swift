import Dispatch
import Foundation
import LinearAlgebra
import Synchronization

/// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky
/// 2008): preference 1 for every interaction, confidence 1 + alpha·value (values below 0 count
/// as 0), every row an exact least-squares solve by Cholesky, as implicit's Cholesky solver.
public struct ImplicitALS: Sendable {
    public let factors: Int
    public let regularization: Float
    public let alpha: Float
    public let userFactors: Matrix
    public let itemFactors: Matrix
    /// YᵀY + λI: the part of every user's normal equations that no interaction changes.
    private let itemSystem: Matrix

    /// Factorises `ratings` (users × items). Each iteration solves the items, then the users,
    /// so the stored user factors are exactly the fold-in of each user against the final item
    /// factors. Users start from small random values drawn from `seed`.
    public init(
        _ ratings: InteractionMatrix, factors: Int, regularization: Float, alpha: Float, iterations: Int, seed: UInt64
    ) throws(LinearAlgebraError) {
        precondition(factors >= 1, "ImplicitALS: factors must be >= 1, got \(factors)")
        precondition(regularization > 0, "ImplicitALS: regularization must be > 0, got \(regularization)")
        precondition(alpha >= 0, "ImplicitALS: alpha must be >= 0, got \(alpha)")
        precondition(iterations >= 1, "ImplicitALS: iterations must be >= 1, got \(iterations)")
        var generator = SeededGenerator(seed: seed)
        var users = Matrix(
            rows: ratings.rows, columns: factors,
            values: (0..<ratings.rows * factors).map { _ in Float.random(in: 0..<0.01, using: &generator) })
        var items = Matrix(rows: ratings.columns, columns: factors)
        let byItem = ratings.transposed()
        // Rows are solved in parallel, each with small BLAS calls: BLAS's own threads would only
        // oversubscribe the cores.
        let blasThreads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(blasThreads) }
        for _ in 0..<iterations {
            try Self.solveRows(byItem, against: users, regularization: regularization, alpha: alpha, into: &items)
            try Self.solveRows(ratings, against: items, regularization: regularization, alpha: alpha, into: &users)
        }
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.userFactors = users
        self.itemFactors = items
        self.itemSystem = Self.sharedSystem(items, regularization: regularization)
    }

    private static func sharedSystem(_ fixed: Matrix, regularization: Float) -> Matrix {
        var system = gram(fixed)
        system.addToDiagonal(regularization)
        return system
    }

    /// Solves every row of `rows` against `fixed`, rows spread over the cores in chunks.
    private static func solveRows(
        _ rows: InteractionMatrix, against fixed: Matrix, regularization: Float, alpha: Float, into output: inout Matrix
    ) throws(LinearAlgebraError) {
        let base = sharedSystem(fixed, regularization: regularization)
        let baseInverse = try invertPositiveDefinite(base)
        let f = fixed.columns
        let chunks = balancedChunks(rows, factors: f)
        let failure = Mutex<LinearAlgebraError?>(nil)
        output.withUnsafeMutableMatrixBuffer { out in
            fixed.withUnsafeMatrixBuffer { fixed in
                base.withUnsafeMatrixBuffer { base in
                    baseInverse.withUnsafeMatrixBuffer { baseInverse in
                        rows.columnIndices.withUnsafeBufferPointer { columnIndices in
                            rows.values.withUnsafeBufferPointer { values in
                                let shared = SweepBuffers(
                                    out: out, fixed: fixed, base: base, baseInverse: baseInverse,
                                    columnIndices: columnIndices, values: values)
                                let body: @Sendable (Int) -> Void = { chunk in
                                    let chunkRows = chunks[chunk]
                                    let longest = chunkRows.map { rows.rowStart[$0 + 1] - rows.rowStart[$0] }.max() ?? 0
                                    let workspace = Workspace(longest: longest, rows: chunkRows.count, factors: f)
                                    defer { workspace.deallocate() }
                                    let singles = chunkRows.filter { rows.rowStart[$0 + 1] - rows.rowStart[$0] == 1 }
                                    solveSingles(singles, rowStart: rows.rowStart, shared: shared, alpha: alpha, workspace: workspace)
                                    for row in chunkRows where rows.rowStart[row + 1] - rows.rowStart[row] != 1 {
                                        let range = rows.rowStart[row]..<rows.rowStart[row + 1]
                                        do throws(LinearAlgebraError) {
                                            try solveRow(
                                                columns: UnsafeBufferPointer(rebasing: shared.columnIndices[range]),
                                                values: UnsafeBufferPointer(rebasing: shared.values[range]),
                                                shared: shared, alpha: alpha, workspace: workspace,
                                                solution: UnsafeMutableBufferPointer(rebasing: shared.out.elements[row * f..<(row + 1) * f]))
                                        } catch {
                                            failure.withLock { $0 = $0 ?? error }
                                            return
                                        }
                                    }
                                }
                                if getenv("SERIAL") != nil { for c in 0..<chunks.count { body(c) } } else { DispatchQueue.concurrentPerform(iterations: chunks.count, execute: body) }
                            }
                        }
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Contiguous row ranges of about equal work (a row costs its interactions plus a
    /// factors-sized solve), many more than cores, so one long row does not leave a core idle.
    private static func balancedChunks(_ rows: InteractionMatrix, factors: Int) -> [Range<Int>] {
        let target = (rows.count + rows.rows * factors) / 64 + 1
        var chunks: [Range<Int>] = []
        var start = 0
        var work = 0
        for row in 0..<rows.rows {
            work += rows.rowStart[row + 1] - rows.rowStart[row] + factors
            if work >= target || row == rows.rows - 1 {
                chunks.append(start..<row + 1)
                start = row + 1
                work = 0
            }
        }
        return chunks
    }

    /// Rows with a single interaction (a third of MovieLens's items), all at once by
    /// Sherman–Morrison: x = c·B⁻¹y / (1 + w·yᵀB⁻¹y), with one gemm for every B⁻¹y.
    private static func solveSingles(
        _ singles: [Int], rowStart: [Int], shared: SweepBuffers, alpha: Float, workspace: Workspace
    ) {
        guard !singles.isEmpty else { return }
        let f = workspace.factors
        let count = singles.count
        for (k, row) in singles.enumerated() {
            let source = shared.fixed.elements.baseAddress! + Int(shared.columnIndices[rowStart[row]]) * f
            (workspace.gathered.baseAddress! + k * f).update(from: source, count: f)
        }
        let gathered = UnsafeMatrixBuffer(rows: count, columns: f, elements: UnsafeBufferPointer(rebasing: workspace.gathered[0..<count * f]))
        let projected = UnsafeMutableMatrixBuffer(rows: count, columns: f, elements: UnsafeMutableBufferPointer(rebasing: workspace.projected[0..<count * f]))
        gemm(gathered, shared.baseInverse, into: projected)
        for (k, row) in singles.enumerated() {
            let y = gathered.elements.baseAddress! + k * f
            let v = projected.elements.baseAddress! + k * f
            var quadratic: Float = 0
            for d in 0..<f { quadratic += y[d] * v[d] }
            let weight = alpha * max(0, shared.values[rowStart[row]])
            let coefficient = (1 + weight) / (1 + weight * quadratic)
            let solution = shared.out.elements.baseAddress! + row * f
            for d in 0..<f { solution[d] = coefficient * v[d] }
        }
    }

    /// What the workers of one sweep share: read-only inputs, and the output whose rows each
    /// worker writes for its own chunk only.
    private struct SweepBuffers: @unchecked Sendable {
        let out: UnsafeMutableMatrixBuffer
        let fixed: UnsafeMatrixBuffer
        /// B = FᵀF + λI for the fixed factors F, and its inverse.
        let base: UnsafeMatrixBuffer
        let baseInverse: UnsafeMatrixBuffer
        let columnIndices: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Float>
    }

    /// One worker's scratch space, sized for its chunk.
    private struct Workspace {
        let factors: Int
        /// Fixed factors, one per interaction of a row or one per single-interaction row
        /// (weighted for the direct solve).
        let gathered: UnsafeMutableBufferPointer<Float>
        /// The direct solve's factors × factors system.
        let system: UnsafeMutableBufferPointer<Float>
        /// B⁻¹ applied to the gathered factors; then the short solve's n × n system, and per
        /// interaction √w, c and right-hand side.
        let projected: UnsafeMutableBufferPointer<Float>
        let small: UnsafeMutableBufferPointer<Float>
        let roots: UnsafeMutableBufferPointer<Float>
        let confidences: UnsafeMutableBufferPointer<Float>
        let rightHandSide: UnsafeMutableBufferPointer<Float>

        init(longest: Int, rows: Int, factors: Int) {
            self.factors = factors
            let short = min(longest, factors)
            gathered = .allocate(capacity: max(1, longest, rows) * factors)
            system = .allocate(capacity: factors * factors)
            projected = .allocate(capacity: max(1, short, rows) * factors)
            small = .allocate(capacity: max(1, short * short))
            roots = .allocate(capacity: max(1, short))
            confidences = .allocate(capacity: max(1, short))
            rightHandSide = .allocate(capacity: max(1, short))
        }

        func deallocate() {
            for buffer in [gathered, system, projected, small, roots, confidences, rightHandSide] { buffer.deallocate() }
        }
    }

    /// Solves one row's least squares, through whichever of two equal systems is smaller.
    ///
    /// Direct: (B + Y_nᵀWY_n)x = Y_nᵀc, a factors × factors Cholesky. For a row of n < factors
    /// interactions (most items have a handful) the Woodbury identity gives the same x as
    /// x = B⁻¹Y_nᵀa with (I + D·Q·D)u = D·Q·c, a = c − D·u, Q = Y_n·B⁻¹·Y_nᵀ and D = √W: an
    /// n × n Cholesky and two small products instead.
    private static func solveRow(
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>, shared: SweepBuffers, alpha: Float,
        workspace: Workspace, solution: UnsafeMutableBufferPointer<Float>
    ) throws(LinearAlgebraError) {
        let f = workspace.factors
        let n = columns.count
        guard n < f else {
            let system = UnsafeMutableMatrixBuffer(rows: f, columns: f, elements: workspace.system)
            accumulate(
                columns: columns, values: values, fixed: shared.fixed, base: shared.base, alpha: alpha,
                gathered: workspace.gathered, system: system, rightHandSide: solution)
            try solvePositiveDefiniteInPlace(system, solution)
            return
        }
        let (roots, confidences, rightHandSide) = (workspace.roots, workspace.confidences, workspace.rightHandSide)
        for t in 0..<n {
            let source = shared.fixed.elements.baseAddress! + Int(columns[t]) * f
            (workspace.gathered.baseAddress! + t * f).update(from: source, count: f)
            let weight = alpha * max(0, values[t])
            roots[t] = weight.squareRoot()
            confidences[t] = 1 + weight
        }
        let rows = UnsafeMatrixBuffer(rows: n, columns: f, elements: UnsafeBufferPointer(rebasing: workspace.gathered[0..<n * f]))
        let projected = UnsafeMutableMatrixBuffer(rows: n, columns: f, elements: UnsafeMutableBufferPointer(rebasing: workspace.projected[0..<n * f]))
        gemm(rows, shared.baseInverse, into: projected)
        let projectedView = UnsafeMatrixBuffer(rows: n, columns: f, elements: UnsafeBufferPointer(projected.elements))
        let small = UnsafeMutableMatrixBuffer(rows: n, columns: n, elements: UnsafeMutableBufferPointer(rebasing: workspace.small[0..<n * n]))
        gemm(projectedView, rows, transposeB: true, into: small)
        let q = small.elements
        for t in 0..<n {
            var sum: Float = 0
            for u in 0..<n { sum += q[t * n + u] * confidences[u] }
            rightHandSide[t] = roots[t] * sum
        }
        for t in 0..<n {
            for u in 0..<n { q[t * n + u] *= roots[t] * roots[u] }
            q[t * n + t] += 1
        }
        let coefficients = UnsafeMutableBufferPointer(rebasing: rightHandSide[0..<n])
        try solvePositiveDefiniteInPlace(small, coefficients)
        for t in 0..<n { coefficients[t] = confidences[t] - roots[t] * coefficients[t] }
        gemv(projectedView, UnsafeBufferPointer(coefficients), transpose: true, into: solution)
    }

    /// Builds one row's normal equations, (base + Σ_t alpha·v_t y_t y_tᵀ) x = Σ_t (1 + alpha·v_t) y_t,
    /// with the outer products batched into one syrk over the gathered, weighted rows y_t.
    private static func accumulate(
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        fixed: UnsafeMatrixBuffer, base: UnsafeMatrixBuffer, alpha: Float,
        gathered: UnsafeMutableBufferPointer<Float>, system: UnsafeMutableMatrixBuffer,
        rightHandSide: UnsafeMutableBufferPointer<Float>
    ) {
        let f = fixed.columns
        let count = columns.count
        rightHandSide.update(repeating: 0)
        for t in 0..<count {
            let source = fixed.elements.baseAddress! + Int(columns[t]) * f
            let destination = gathered.baseAddress! + t * f
            let weight = alpha * max(0, values[t])
            let root = weight.squareRoot()
            let confidence = 1 + weight
            for d in 0..<f {
                destination[d] = root * source[d]
                rightHandSide[d] += confidence * source[d]
            }
        }
        _ = system.elements.update(fromContentsOf: base.elements)
        guard count > 0 else { return }
        let weighted = UnsafeMatrixBuffer(
            rows: count, columns: f, elements: UnsafeBufferPointer(rebasing: gathered[0..<count * f]))
        gram(weighted, beta: 1, into: system)
    }

    /// A user's factors from their interactions `row` (items by index), solved against the
    /// fitted item factors exactly as the fit solves a user.
    public func userVector(for row: [(item: Int, value: Float)]) throws(LinearAlgebraError) -> [Float] {
        try foldIn(row).vector
    }

    /// The fold-in's solution and its coefficient matrix (needed to explain the scores).
    func foldIn(_ row: [(item: Int, value: Float)]) throws(LinearAlgebraError) -> (vector: [Float], system: Matrix) {
        let columns = row.map { Int32($0.item) }
        let values = row.map(\.value)
        var gathered = [Float](repeating: 0, count: max(1, row.count) * factors)
        var system = Matrix(rows: factors, columns: factors)
        var vector = [Float](repeating: 0, count: factors)
        itemFactors.withUnsafeMatrixBuffer { fixed in
            itemSystem.withUnsafeMatrixBuffer { base in
                columns.withUnsafeBufferPointer { columns in
                    values.withUnsafeBufferPointer { values in
                        gathered.withUnsafeMutableBufferPointer { gathered in
                            system.withUnsafeMutableMatrixBuffer { system in
                                vector.withUnsafeMutableBufferPointer { vector in
                                    Self.accumulate(
                                        columns: columns, values: values, fixed: fixed, base: base, alpha: alpha,
                                        gathered: gathered, system: system, rightHandSide: vector)
                                }
                            }
                        }
                    }
                }
            }
        }
        var factor = system
        try factor.withUnsafeMutableMatrixBuffer { (factor) throws(LinearAlgebraError) in
            try vector.withUnsafeMutableBufferPointer { (vector) throws(LinearAlgebraError) in
                try solvePositiveDefiniteInPlace(factor, vector)
            }
        }
        return (vector, system)
    }

    /// Every item's score for a user vector: Y·x.
    public func scores(for vector: [Float]) -> [Float] {
        gemv(itemFactors, vector)
    }

    /// How much each interaction of `row` adds to each target's score, the decomposition
    /// implicit's `explain` uses: score_j = y_jᵀA⁻¹b = Σ_t c_t·(A⁻¹y_j)ᵀy_t, with A the
    /// fold-in's `system`. Rows follow `row`, columns `targets`.
    func contributions(of row: [(item: Int, value: Float)], to targets: [Int], system: Matrix) throws(LinearAlgebraError) -> Matrix {
        var targetColumns = Matrix(rows: factors, columns: targets.count)
        for (c, target) in targets.enumerated() {
            for d in 0..<factors { targetColumns[d, c] = itemFactors[target, d] }
        }
        let solved = try solvePositiveDefinite(system, targetColumns)
        var history = Matrix(rows: row.count, columns: factors)
        history.withUnsafeMutableMatrixBuffer { history in
            itemFactors.withUnsafeMatrixBuffer { items in
                for (r, entry) in row.enumerated() {
                    let confidence = 1 + alpha * max(0, entry.value)
                    let source = items.elements.baseAddress! + entry.item * factors
                    for d in 0..<factors { history.elements[r * factors + d] = confidence * source[d] }
                }
            }
        }
        return gemm(history, solved)
    }

    /// Hu et al.'s objective: Σ over all user-item pairs of c_ui(p_ui − x_uᵀy_i)², plus
    /// λ(‖X‖² + ‖Y‖²); unobserved pairs have c = 1 and p = 0, so they enter as ⟨XᵀX, YᵀY⟩.
    public func loss(on ratings: InteractionMatrix) -> Double {
        let userGram = gram(userFactors)
        let itemGram = gram(itemFactors)
        var total: Double = 0
        for (u, i) in zip(userGram.values, itemGram.values) { total += Double(u) * Double(i) }
        userFactors.withUnsafeMatrixBuffer { users in
            itemFactors.withUnsafeMatrixBuffer { items in
                for user in 0..<ratings.rows {
                    let x = UnsafeBufferPointer(rebasing: users.elements[user * factors..<(user + 1) * factors])
                    ratings.withRow(user) { columns, values in
                        for t in 0..<columns.count {
                            let item = Int(columns[t])
                            let y = UnsafeBufferPointer(rebasing: items.elements[item * factors..<(item + 1) * factors])
                            let predicted = Double(dot(x, y))
                            let confidence = 1 + Double(alpha * max(0, values[t]))
                            total += confidence * (1 - predicted) * (1 - predicted) - predicted * predicted
                        }
                    }
                }
            }
        }
        var squaredNorms: Double = 0
        for d in 0..<factors { squaredNorms += Double(userGram[d, d]) + Double(itemGram[d, d]) }
        return total + Double(regularization) * squaredNorms
    }
}
