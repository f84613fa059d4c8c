import LinearAlgebra
import RecLabCore
import Testing

@Suite struct BLASTests {
    @Test func dotOfArraysAndBuffersAgree() {
        let x: [Float] = [1, 2, 3]
        let y: [Float] = [4, -5, 6]
        #expect(dot(x, y) == 12)
        let viaBuffers = x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in dot(x, y) } }
        #expect(viaBuffers == 12)
    }

    @Test func gemvMultipliesRowMajorMatrixByVector() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(gemv(a, [1, 0, -1]) == [-2, -2])
    }

    @Test func gemvAppliesAlphaAndBetaToExistingY() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        var y: [Float] = [10, 20]
        gemv(a, [1, 0, -1], alpha: 2, beta: 0.5, into: &y)
        #expect(y == [1, 6])  // 2 * [-2, -2] + 0.5 * [10, 20]
    }

    @Test func gemvWithTransposeUsesColumnsAsOutputs() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(gemv(a, [1, 2], transpose: true) == [9, 12, 15])
        var y: [Float] = [1, 1, 1]
        gemv(a, [1, 2], transpose: true, beta: -1, into: &y)
        #expect(y == [8, 11, 14])
    }

    @Test func gemmMultipliesSquareMatrices() {
        let a = Matrix(rows: 2, columns: 2, values: [1, 2, 3, 4])
        let b = Matrix(rows: 2, columns: 2, values: [5, 6, 7, 8])
        #expect(gemm(a, b) == Matrix(rows: 2, columns: 2, values: [19, 22, 43, 50]))
    }

    @Test func gemmWithTransposedA() {
        let a = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 2, values: [1, 0, 0, 1, 1, 1])
        #expect(gemm(a, b, transposeA: true) == Matrix(rows: 2, columns: 2, values: [6, 8, 8, 10]))
    }

    @Test func gemmWithTransposedB() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 2, columns: 3, values: [1, 0, 1, 0, 1, 0])
        #expect(gemm(a, b, transposeB: true) == Matrix(rows: 2, columns: 2, values: [4, 2, 10, 5]))
    }

    @Test func gemmWithBothTransposed() {
        let a = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 2, columns: 3, values: [1, 0, 1, 0, 1, 0])
        #expect(
            gemm(a, b, transposeA: true, transposeB: true) == Matrix(rows: 2, columns: 2, values: [6, 3, 8, 4])
        )
    }

    @Test func gemmAccumulatesIntoCWithAlphaAndBeta() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 1, values: [1, 1, 1])
        var c = Matrix(rows: 2, columns: 1, values: [1, 1])
        gemm(a, b, alpha: 2, beta: 1, into: &c)
        #expect(c.values == [13, 31])  // 2 * [6, 15] + [1, 1]
    }

    @Test func gemmOnBuffersWorksOnARowRangeOfALargerBuffer() {
        // Rows 1...2 of a 4x2 buffer times a 2x2 identity-swap, without copying the rows out.
        let storage: [Float] = [9, 9, 1, 2, 3, 4, 9, 9]
        let swap: [Float] = [0, 1, 1, 0]
        var output = [Float](repeating: 0, count: 4)
        storage.withUnsafeBufferPointer { storage in
            swap.withUnsafeBufferPointer { swap in
                output.withUnsafeMutableBufferPointer { output in
                    gemm(
                        UnsafeMatrixBuffer(rows: 2, columns: 2, elements: UnsafeBufferPointer(rebasing: storage[2..<6])),
                        UnsafeMatrixBuffer(rows: 2, columns: 2, elements: swap),
                        into: UnsafeMutableMatrixBuffer(rows: 2, columns: 2, elements: output)
                    )
                }
            }
        }
        #expect(output == [2, 1, 4, 3])
    }

    @Test func gramComputesATransposeAWithBothTriangles() {
        let a = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        #expect(gram(a) == Matrix(rows: 2, columns: 2, values: [35, 44, 44, 56]))
        #expect(gram(a, alpha: 0.5) == Matrix(rows: 2, columns: 2, values: [17.5, 22, 22, 28]))
    }

    @Test func gramMatchesGemmOnARandomMatrix() {
        var generator = SeededGenerator(seed: 7)
        let a = Matrix(rows: 40, columns: 9, values: (0..<360).map { _ in Float.random(in: -1...1, using: &generator) })
        expectClose(gram(a), gemm(a, a, transposeA: true), tolerance: 1e-4)
    }

    @Test func gramOnBuffersAddsBetaTimesExistingC() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        var c: [Float] = [1, 0, 0, 1]
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                gram(
                    UnsafeMatrixBuffer(rows: 3, columns: 2, elements: a),
                    beta: 2,
                    into: UnsafeMutableMatrixBuffer(rows: 2, columns: 2, elements: c)
                )
            }
        }
        #expect(c == [37, 44, 44, 58])
    }

    @Test func mismatchedGemmDimensionsTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = gemm(Matrix(rows: 2, columns: 3), Matrix(rows: 2, columns: 3))
        }
    }

    @Test func threadCountCanBeSetAndReadBack() {
        let original = BLAS.threadCount
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
        BLAS.setThreadCount(original)
        #expect(BLAS.threadCount == original)
    }
}
