import LinearAlgebra
import Testing

@Suite struct MatrixTests {
    @Test func valuesAreStoredRowMajor() {
        var m = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m[0, 2] == 3)
        #expect(m[1, 0] == 4)
        m[1, 2] = 60
        #expect(m.values == [1, 2, 3, 4, 5, 60])
    }

    @Test func repeatingInitFillsEveryElement() {
        let m = Matrix(rows: 2, columns: 2, repeating: 7)
        #expect(m.values == [7, 7, 7, 7])
    }

    @Test func rowAccessExposesOneContiguousRow() {
        var m = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        #expect(m.withUnsafeRow(1) { Array($0) } == [3, 4])
        m.withUnsafeMutableRow(2) { row in row[0] = 50 }
        #expect(m.values == [1, 2, 3, 4, 50, 6])
    }

    @Test func identityAndAddToDiagonalTouchOnlyTheDiagonal() {
        var m = Matrix.identity(3)
        #expect(m.values == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        m.addToDiagonal(2)
        #expect(m.values == [3, 0, 0, 0, 3, 0, 0, 0, 3])
    }

    @Test func outOfRangeIndexTraps() async {
        await #expect(processExitsWith: .failure) {
            let m = Matrix(rows: 2, columns: 2)
            _ = m[2, 0]
        }
    }
}
