import LinearAlgebra
import RecLabCore
import Testing

@Suite struct PositiveDefiniteTests {
    /// tridiag(-1, 2, -1): SPD with the exact inverse ¼·[[3, 2, 1], [2, 4, 2], [1, 2, 3]].
    let tridiagonal = Matrix(rows: 3, columns: 3, values: [2, -1, 0, -1, 2, -1, 0, -1, 2])

    @Test func solvesMultipleRightHandSidesAtOnce() throws {
        // Columns of X are [1, 2, 3] and [1, 0, -1]; B = A X worked out by hand.
        let b = Matrix(rows: 3, columns: 2, values: [0, 2, 0, 0, 4, -2])
        let x = try solvePositiveDefinite(tridiagonal, b)
        expectClose(x, Matrix(rows: 3, columns: 2, values: [1, 1, 2, 0, 3, -1]))
    }

    @Test func solvesASingleVector() throws {
        // The textbook Cholesky example A = L Lᵀ with L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]; b = A [1, -1, 2].
        let a = Matrix(rows: 3, columns: 3, values: [4, 12, -16, 12, 37, -43, -16, -43, 98])
        expectClose(try solvePositiveDefinite(a, [-40, -111, 223]), [1, -1, 2], tolerance: 1e-3)
    }

    @Test func inPlaceSolveOverwritesBWithTheSolution() throws {
        var a = tridiagonal
        var b: [Float] = [0, 0, 4]
        try a.withUnsafeMutableMatrixBuffer { a in
            try b.withUnsafeMutableBufferPointer { b in try solvePositiveDefiniteInPlace(a, b) }
        }
        expectClose(b, [1, 2, 3])
    }

    @Test func invertsA3x3MatrixWithKnownInverse() throws {
        let expected = Matrix(rows: 3, columns: 3, values: [0.75, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.75])
        expectClose(try invertPositiveDefinite(tridiagonal), expected)
    }

    @Test func onlyTheUpperTriangleOfTheInputIsRead() throws {
        // Garbage below the diagonal must not matter, and the inverse must still come back symmetric.
        let upperOnly = Matrix(rows: 3, columns: 3, values: [2, -1, 0, 99, 2, -1, -99, 42, 2])
        let expected = Matrix(rows: 3, columns: 3, values: [0.75, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.75])
        expectClose(try invertPositiveDefinite(upperOnly), expected)
        expectClose(try solvePositiveDefinite(upperOnly, [0, 0, 4]), [1, 2, 3])
    }

    @Test func inverseTimesOriginalIsIdentityFor50x50() throws {
        let n = 50
        var generator = SeededGenerator(seed: 42)
        let a = Matrix(rows: n, columns: n, values: (0..<n * n).map { _ in Float.random(in: -1...1, using: &generator) })
        var spd = gram(a)
        spd.addToDiagonal(Float(n))
        let inverse = try invertPositiveDefinite(spd)
        expectClose(gemm(inverse, spd), .identity(n), tolerance: 1e-4)
        expectClose(gemm(spd, inverse), .identity(n), tolerance: 1e-4)
    }

    @Test func indefiniteMatrixThrowsWithTheFailingMinor() {
        // Eigenvalues 3 and -1: the 1x1 minor is fine, the 2x2 one is not.
        let indefinite = Matrix(rows: 2, columns: 2, values: [1, 2, 2, 1])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
            try solvePositiveDefinite(indefinite, [1, 1])
        }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
            try invertPositiveDefinite(indefinite)
        }
    }

    @Test func singularMatrixThrowsInsteadOfDividingByZero() {
        let singular = Matrix(rows: 3, columns: 3, values: [1, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
            try solvePositiveDefinite(singular, Matrix.identity(3))
        }
    }

    @Test func errorDescriptionNamesTheProblem() {
        let description = LinearAlgebraError.notPositiveDefinite(minor: 2).description
        #expect(description.contains("not symmetric positive definite"))
        #expect(description.contains("order 2"))
    }
}
