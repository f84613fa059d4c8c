import COpenBLAS

// LAPACK is column-major, so it reads our row-major square buffer as its transpose. For a symmetric
// matrix that only swaps triangles: LAPACK's "L" (column-major lower) is the row-major UPPER
// triangle. Everything here passes "L", so only the row-major upper triangle (diagonal included)
// of the coefficient matrix is ever read — matching what `gram` computes before it mirrors.
private let upperTriangleInRowMajor = "L"

/// Turns a LAPACK `info` into a typed error (numerical failure) or a trap (our own argument bug).
private func check(info: blasint, routine: String) throws(LinearAlgebraError) {
    if info > 0 {
        throw .notPositiveDefinite(minor: Int(info))
    }
    precondition(info == 0, "\(routine): LAPACK rejected argument \(-info)")
}

/// Factorises `a` in place and overwrites the column-major `n x rightHandSides` block `b` with the solution.
private func choleskySolve(
    _ a: UnsafeMutablePointer<Float>?,
    order n: Int,
    _ b: UnsafeMutablePointer<Float>?,
    rightHandSides: Int
) throws(LinearAlgebraError) {
    guard n > 0 else { return }
    var order = blasInt(n, "sposv n")
    var count = blasInt(rightHandSides, "sposv nrhs")
    var lda = order
    var ldb = order
    var info: blasint = 0
    sposv_(upperTriangleInRowMajor, &order, &count, a, &lda, b, &ldb, &info, 1)
    try check(info: info, routine: "sposv")
}

private func checkSquare(_ a: Matrix, _ operation: String) {
    precondition(a.rows == a.columns, "\(operation): matrix must be square, got \(a.rows)x\(a.columns)")
}

/// Solves `A X = B` for symmetric positive-definite `A` by Cholesky, one column of `X` per column of `B`.
///
/// Only the upper triangle of `a` is read.
public func solvePositiveDefinite(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    checkSquare(a, "solvePositiveDefinite")
    precondition(
        b.rows == a.rows,
        "solvePositiveDefinite: A is \(a.rows)x\(a.columns) but B has \(b.rows) rows"
    )
    let n = b.rows, count = b.columns
    // LAPACK wants B column-major: transpose in, solve, transpose back.
    var columnMajor = [Float](repeating: 0, count: n * count)
    for row in 0..<n {
        for column in 0..<count {
            columnMajor[column * n + row] = b[row, column]
        }
    }
    var factor = a
    try factor.withUnsafeMutableMatrixBuffer { (factor) throws(LinearAlgebraError) in
        try columnMajor.withUnsafeMutableBufferPointer { (x) throws(LinearAlgebraError) in
            try choleskySolve(factor.elements.baseAddress, order: n, x.baseAddress, rightHandSides: count)
        }
    }
    var solution = Matrix(rows: n, columns: count)
    for row in 0..<n {
        for column in 0..<count {
            solution[row, column] = columnMajor[column * n + row]
        }
    }
    return solution
}

/// Solves `A x = b` for symmetric positive-definite `A` by Cholesky.
///
/// Only the upper triangle of `a` is read.
public func solvePositiveDefinite(_ a: Matrix, _ b: [Float]) throws(LinearAlgebraError) -> [Float] {
    var factor = a
    var x = b
    try factor.withUnsafeMutableMatrixBuffer { (factor) throws(LinearAlgebraError) in
        try x.withUnsafeMutableBufferPointer { (x) throws(LinearAlgebraError) in
            try solvePositiveDefiniteInPlace(factor, x)
        }
    }
    return x
}

/// Solves `A x = b` without allocating, for hot loops such as per-user ALS solves.
///
/// Reads the upper triangle of `a`, then overwrites `a` with its Cholesky factor and `b` with `x`;
/// if it throws, both hold unspecified values.
public func solvePositiveDefiniteInPlace(
    _ a: UnsafeMutableMatrixBuffer,
    _ b: UnsafeMutableBufferPointer<Float>
) throws(LinearAlgebraError) {
    precondition(a.rows == a.columns, "solvePositiveDefiniteInPlace: matrix must be square, got \(a.rows)x\(a.columns)")
    precondition(
        b.count == a.rows,
        "solvePositiveDefiniteInPlace: A is \(a.rows)x\(a.columns) but b has \(b.count) elements"
    )
    try choleskySolve(a.elements.baseAddress, order: a.rows, b.baseAddress, rightHandSides: 1)
}

/// Inverts a symmetric positive-definite matrix by Cholesky; the result has both triangles filled.
///
/// Only the upper triangle of `a` is read.
public func invertPositiveDefinite(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
    checkSquare(a, "invertPositiveDefinite")
    var inverse = a
    guard a.rows > 0 else { return inverse }
    try inverse.withUnsafeMutableMatrixBuffer { (buffer) throws(LinearAlgebraError) in
        var order = blasInt(buffer.rows, "spotrf n")
        var lda = order
        var info: blasint = 0
        spotrf_(upperTriangleInRowMajor, &order, buffer.elements.baseAddress, &lda, &info, 1)
        try check(info: info, routine: "spotrf")
        spotri_(upperTriangleInRowMajor, &order, buffer.elements.baseAddress, &lda, &info, 1)
        try check(info: info, routine: "spotri")
        // spotri leaves the other triangle holding stale input; callers expect a full matrix.
        mirrorUpperToLower(buffer)
    }
    return inverse
}
