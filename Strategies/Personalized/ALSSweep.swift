import Dispatch
import LinearAlgebra
import Synchronization

/// One ALS half-step: every row of one side solved exactly against the other side's fixed
/// factors F, with B = FᵀF + λI shared by all rows. A row with interactions t (fixed factors
/// y_t, weights w_t = alpha·value_t, confidences c_t = 1 + w_t) solves
/// (B + Σ_t w_t·y_t·y_tᵀ)·x = Σ_t c_t·y_t, through whichever equivalent system is cheapest.
extension ImplicitALS {
    /// Solves every row of `rows` against `fixed` into `output`, chunks of rows spread over the cores.
    static func solveRows(
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
                                let sweep = Sweep(
                                    rowStart: rows.rowStart, columnIndices: columnIndices, values: values, alpha: alpha,
                                    fixed: fixed, base: base, baseInverse: baseInverse, out: out)
                                DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                                    do throws(LinearAlgebraError) {
                                        try sweep.solve(chunks[chunk])
                                    } catch {
                                        failure.withLock { $0 = $0 ?? error }
                                    }
                                }
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

    /// Builds one row's direct normal equations into `system` and `rightHandSide`, the outer
    /// products batched into one syrk over the gathered rows √w_t·y_t.
    static func accumulate(
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
}

/// What the workers of one half-step share: read-only inputs, and the output whose rows each
/// worker writes for its own chunk only.
private struct Sweep: @unchecked Sendable {
    let rowStart: [Int]
    let columnIndices: UnsafeBufferPointer<Int32>
    let values: UnsafeBufferPointer<Float>
    let alpha: Float
    let fixed: UnsafeMatrixBuffer
    let base: UnsafeMatrixBuffer
    let baseInverse: UnsafeMatrixBuffer
    let out: UnsafeMutableMatrixBuffer

    var factors: Int { fixed.columns }

    /// Rows shorter than this solve the n × n system of `solveShort`; measured fastest at
    /// 3/4 of the factors on MovieLens (32 and 64 factors).
    var shortLimit: Int { (3 * factors + 3) / 4 }

    func length(_ row: Int) -> Int { rowStart[row + 1] - rowStart[row] }

    func solution(_ row: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: out.elements[row * factors..<(row + 1) * factors])
    }

    func solve(_ rows: Range<Int>) throws(LinearAlgebraError) {
        let workspace = Workspace(longest: rows.map(length).max() ?? 0, rows: rows.count, factors: factors, shortLimit: shortLimit)
        defer { workspace.deallocate() }
        solveSingles(rows.filter { length($0) == 1 }, workspace: workspace)
        for row in rows {
            let range = rowStart[row]..<rowStart[row + 1]
            let columns = UnsafeBufferPointer(rebasing: columnIndices[range])
            let values = UnsafeBufferPointer(rebasing: self.values[range])
            switch range.count {
            case 0: solution(row).update(repeating: 0)
            case 1: continue
            case ..<shortLimit: try solveShort(columns: columns, values: values, workspace: workspace, into: solution(row))
            default:
                let system = UnsafeMutableMatrixBuffer(rows: factors, columns: factors, elements: workspace.system)
                ImplicitALS.accumulate(
                    columns: columns, values: values, fixed: fixed, base: base, alpha: alpha,
                    gathered: workspace.gathered, system: system, rightHandSide: solution(row))
                try solvePositiveDefiniteInPlace(system, solution(row))
            }
        }
    }

    /// Rows with a single interaction (a third of MovieLens's items), all at once by
    /// Sherman–Morrison: x = c·B⁻¹y / (1 + w·yᵀB⁻¹y), one gemm giving every B⁻¹y.
    private func solveSingles(_ singles: [Int], workspace: Workspace) {
        guard !singles.isEmpty else { return }
        let f = factors
        let count = singles.count
        for (k, row) in singles.enumerated() {
            let source = fixed.elements.baseAddress! + Int(columnIndices[rowStart[row]]) * f
            (workspace.gathered.baseAddress! + k * f).update(from: source, count: f)
        }
        let gathered = UnsafeMatrixBuffer(rows: count, columns: f, elements: UnsafeBufferPointer(rebasing: workspace.gathered[0..<count * f]))
        let projected = UnsafeMutableMatrixBuffer(
            rows: count, columns: f, elements: UnsafeMutableBufferPointer(rebasing: workspace.projected[0..<count * f]))
        gemm(gathered, baseInverse, into: projected)
        for (k, row) in singles.enumerated() {
            let y = gathered.elements.baseAddress! + k * f
            let v = projected.elements.baseAddress! + k * f
            var quadratic: Float = 0
            for d in 0..<f { quadratic += y[d] * v[d] }
            let weight = alpha * max(0, values[rowStart[row]])
            let coefficient = (1 + weight) / (1 + weight * quadratic)
            let x = solution(row)
            for d in 0..<f { x[d] = coefficient * v[d] }
        }
    }

    /// A row of n < factors interactions through the Woodbury identity: with Y the row's n
    /// fixed factors, V = Y·B⁻¹, Q = V·Yᵀ and D = diag(√w_t), the solution is x = Vᵀa where
    /// a = c − D·u and (I + D·Q·D)·u = D·Q·c — an n × n Cholesky instead of a factors × factors one.
    private func solveShort(
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>, workspace: Workspace,
        into solution: UnsafeMutableBufferPointer<Float>
    ) throws(LinearAlgebraError) {
        let f = factors
        let n = columns.count
        let (roots, confidences) = (workspace.roots, workspace.confidences)
        for t in 0..<n {
            let source = fixed.elements.baseAddress! + Int(columns[t]) * f
            (workspace.gathered.baseAddress! + t * f).update(from: source, count: f)
            let weight = alpha * max(0, values[t])
            roots[t] = weight.squareRoot()
            confidences[t] = 1 + weight
        }
        let rows = UnsafeMatrixBuffer(rows: n, columns: f, elements: UnsafeBufferPointer(rebasing: workspace.gathered[0..<n * f]))
        let projectedStorage = UnsafeMutableBufferPointer(rebasing: workspace.projected[0..<n * f])
        gemm(rows, baseInverse, into: UnsafeMutableMatrixBuffer(rows: n, columns: f, elements: projectedStorage))
        let projected = UnsafeMatrixBuffer(rows: n, columns: f, elements: UnsafeBufferPointer(projectedStorage))
        let system = UnsafeMutableMatrixBuffer(
            rows: n, columns: n, elements: UnsafeMutableBufferPointer(rebasing: workspace.small[0..<n * n]))
        gemm(projected, rows, transposeB: true, into: system)
        let q = system.elements
        let coefficients = UnsafeMutableBufferPointer(rebasing: workspace.coefficients[0..<n])
        for t in 0..<n {
            var sum: Float = 0
            for u in 0..<n { sum += q[t * n + u] * confidences[u] }
            coefficients[t] = roots[t] * sum
        }
        for t in 0..<n {
            for u in 0..<n { q[t * n + u] *= roots[t] * roots[u] }
            q[t * n + t] += 1
        }
        try solvePositiveDefiniteInPlace(system, coefficients)
        for t in 0..<n { coefficients[t] = confidences[t] - roots[t] * coefficients[t] }
        gemv(projected, UnsafeBufferPointer(coefficients), transpose: true, into: solution)
    }
}

/// One worker's scratch space, sized for its chunk of rows.
private struct Workspace {
    /// Fixed factors gathered per interaction of a row, or one per single-interaction row.
    let gathered: UnsafeMutableBufferPointer<Float>
    /// The direct solve's factors × factors system.
    let system: UnsafeMutableBufferPointer<Float>
    /// B⁻¹ applied to the gathered factors.
    let projected: UnsafeMutableBufferPointer<Float>
    /// The short solve's n × n system, and per interaction √w, c and the right-hand side.
    let small: UnsafeMutableBufferPointer<Float>
    let roots: UnsafeMutableBufferPointer<Float>
    let confidences: UnsafeMutableBufferPointer<Float>
    let coefficients: UnsafeMutableBufferPointer<Float>

    init(longest: Int, rows: Int, factors: Int, shortLimit: Int) {
        let short = max(1, min(longest, shortLimit))
        gathered = .allocate(capacity: max(1, longest, rows) * factors)
        system = .allocate(capacity: factors * factors)
        projected = .allocate(capacity: max(short, rows) * factors)
        small = .allocate(capacity: short * short)
        roots = .allocate(capacity: short)
        confidences = .allocate(capacity: short)
        coefficients = .allocate(capacity: short)
    }

    func deallocate() {
        for buffer in [gathered, system, projected, small, roots, confidences, coefficients] { buffer.deallocate() }
    }
}
