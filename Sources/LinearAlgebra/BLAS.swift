import COpenBLAS

/// Process-wide OpenBLAS settings.
public enum BLAS {
    /// Threads OpenBLAS may use inside one call.
    public static var threadCount: Int {
        Int(openblas_get_num_threads())
    }

    /// The setting is global to the process, so a server that already parallelises across requests
    /// can set 1 here to stop each BLAS call from oversubscribing the cores.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS.setThreadCount: count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(clamping: count))
    }
}

/// Converts a Swift size to BLAS's 32-bit integer, refusing sizes that would silently wrap.
func blasInt(_ value: Int, _ what: @autoclosure () -> String) -> blasint {
    guard let converted = blasint(exactly: value) else {
        preconditionFailure("\(what()) = \(value) does not fit in a 32-bit BLAS integer")
    }
    return converted
}

/// BLAS and LAPACK reject a leading dimension of 0 even when the matrix is empty.
func leadingDimension(_ columns: Int) -> blasint {
    blasInt(Swift.max(1, columns), "leading dimension")
}

private func transposeFlag(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}

// MARK: - dot

public func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Float {
    precondition(x.count == y.count, "dot: vectors have different lengths (\(x.count) and \(y.count))")
    return cblas_sdot(blasInt(x.count, "dot length"), x.baseAddress, 1, y.baseAddress, 1)
}

public func dot(_ x: [Float], _ y: [Float]) -> Float {
    x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in dot(x, y) }
    }
}

// MARK: - axpy

/// `y += alpha * x`: BLAS's kernel, vectorised for the machine it runs on (a loop of ours is
/// built for the baseline x86-64 and runs scalar where it cannot prove `x` and `y` apart).
/// Short vectors stay on the caller's thread.
public func axpy(_ alpha: Float, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
    precondition(x.count == y.count, "axpy: vectors have different lengths (\(x.count) and \(y.count))")
    cblas_saxpy(blasInt(x.count, "axpy length"), alpha, x.baseAddress, 1, y.baseAddress, 1)
}

// MARK: - gemv

/// `y = alpha * op(A) * x + beta * y`, where `op(A)` is `A` or `Aᵀ`.
public func gemv(
    _ a: UnsafeMatrixBuffer,
    _ x: UnsafeBufferPointer<Float>,
    transpose: Bool = false,
    alpha: Float = 1,
    beta: Float = 0,
    into y: UnsafeMutableBufferPointer<Float>
) {
    let (outputs, inputs) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
    let shape = "op(A) is \(outputs)x\(inputs)\(transpose ? " (A transposed)" : "")"
    precondition(x.count == inputs, "gemv: \(shape) but x has \(x.count) elements")
    precondition(y.count == outputs, "gemv: \(shape) but y has \(y.count) elements")
    cblas_sgemv(
        CblasRowMajor, transposeFlag(transpose),
        blasInt(a.rows, "gemv rows"), blasInt(a.columns, "gemv columns"),
        alpha, a.elements.baseAddress, leadingDimension(a.columns),
        x.baseAddress, 1,
        beta, y.baseAddress, 1
    )
}

/// `y = alpha * op(A) * x + beta * y`, where `op(A)` is `A` or `Aᵀ`.
public func gemv(
    _ a: Matrix,
    _ x: [Float],
    transpose: Bool = false,
    alpha: Float = 1,
    beta: Float = 0,
    into y: inout [Float]
) {
    a.withUnsafeMatrixBuffer { a in
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                gemv(a, x, transpose: transpose, alpha: alpha, beta: beta, into: y)
            }
        }
    }
}

/// `alpha * op(A) * x`, where `op(A)` is `A` or `Aᵀ`.
public func gemv(_ a: Matrix, _ x: [Float], transpose: Bool = false, alpha: Float = 1) -> [Float] {
    var y = [Float](repeating: 0, count: transpose ? a.columns : a.rows)
    gemv(a, x, transpose: transpose, alpha: alpha, into: &y)
    return y
}

// MARK: - gemm

/// `C = alpha * op(A) * op(B) + beta * C`, where `op(X)` is `X` or `Xᵀ`.
public func gemm(
    _ a: UnsafeMatrixBuffer,
    _ b: UnsafeMatrixBuffer,
    transposeA: Bool = false,
    transposeB: Bool = false,
    alpha: Float = 1,
    beta: Float = 0,
    into c: UnsafeMutableMatrixBuffer
) {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (bRows, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(
        k == bRows,
        "gemm: op(A) is \(m)x\(k) but op(B) is \(bRows)x\(n); inner dimensions must match"
    )
    precondition(
        c.rows == m && c.columns == n,
        "gemm: op(A) * op(B) is \(m)x\(n) but C is \(c.rows)x\(c.columns)"
    )
    cblas_sgemm(
        CblasRowMajor, transposeFlag(transposeA), transposeFlag(transposeB),
        blasInt(m, "gemm m"), blasInt(n, "gemm n"), blasInt(k, "gemm k"),
        alpha, a.elements.baseAddress, leadingDimension(a.columns),
        b.elements.baseAddress, leadingDimension(b.columns),
        beta, c.elements.baseAddress, leadingDimension(c.columns)
    )
}

/// `C = alpha * op(A) * op(B) + beta * C`, where `op(X)` is `X` or `Xᵀ`.
public func gemm(
    _ a: Matrix,
    _ b: Matrix,
    transposeA: Bool = false,
    transposeB: Bool = false,
    alpha: Float = 1,
    beta: Float = 0,
    into c: inout Matrix
) {
    a.withUnsafeMatrixBuffer { a in
        b.withUnsafeMatrixBuffer { b in
            c.withUnsafeMutableMatrixBuffer { c in
                gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: c)
            }
        }
    }
}

/// `alpha * op(A) * op(B)`, where `op(X)` is `X` or `Xᵀ`.
public func gemm(
    _ a: Matrix,
    _ b: Matrix,
    transposeA: Bool = false,
    transposeB: Bool = false,
    alpha: Float = 1
) -> Matrix {
    var c = Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
    gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, into: &c)
    return c
}

// MARK: - Gram matrix

/// `C = alpha * Aᵀ * A + beta * C` with both triangles of `C` filled.
///
/// `syrk` computes only one triangle (half the work of `gemm`); the other is mirrored afterwards,
/// so when `beta != 0` the incoming `C` must itself be symmetric.
public func gram(_ a: UnsafeMatrixBuffer, alpha: Float = 1, beta: Float = 0, into c: UnsafeMutableMatrixBuffer) {
    let n = a.columns
    precondition(
        c.rows == n && c.columns == n,
        "gram: Aᵀ * A is \(n)x\(n) for a \(a.rows)x\(a.columns) A, but C is \(c.rows)x\(c.columns)"
    )
    cblas_ssyrk(
        CblasRowMajor, CblasUpper, CblasTrans,
        blasInt(n, "gram n"), blasInt(a.rows, "gram k"),
        alpha, a.elements.baseAddress, leadingDimension(n),
        beta, c.elements.baseAddress, leadingDimension(n)
    )
    mirrorUpperToLower(c)
}

/// `alpha * Aᵀ * A`, the Gram matrix ALS and EASE build their normal equations from.
public func gram(_ a: Matrix, alpha: Float = 1) -> Matrix {
    var c = Matrix(rows: a.columns, columns: a.columns)
    a.withUnsafeMatrixBuffer { a in
        c.withUnsafeMutableMatrixBuffer { c in gram(a, alpha: alpha, into: c) }
    }
    return c
}

/// Copies the row-major upper triangle of a square matrix onto its lower triangle.
func mirrorUpperToLower(_ c: UnsafeMutableMatrixBuffer) {
    let n = c.rows
    for row in 0..<n {
        for column in 0..<row {
            c.elements[row * n + column] = c.elements[column * n + row]
        }
    }
}
