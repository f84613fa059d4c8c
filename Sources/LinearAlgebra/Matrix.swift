/// A dense row-major matrix of `Float`s that owns its storage; the value type the numeric code passes around.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major elements: element `(r, c)` lives at `r * columns + c`.
    public private(set) var values: [Float]

    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: dimensions must be non-negative, got \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = Array(repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: dimensions must be non-negative, got \(rows)x\(columns)")
        precondition(
            values.count == rows * columns,
            "Matrix: \(rows)x\(columns) needs \(rows * columns) values, got \(values.count)"
        )
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public static func identity(_ size: Int) -> Matrix {
        var result = Matrix(rows: size, columns: size)
        result.addToDiagonal(1)
        return result
    }

    public subscript(row: Int, column: Int) -> Float {
        get {
            checkIndex(row, column)
            return values[row * columns + column]
        }
        set {
            checkIndex(row, column)
            values[row * columns + column] = newValue
        }
    }

    /// Adds `value` to every diagonal element: the `+ λI` regularisation of ridge-style solves (ALS, EASE).
    public mutating func addToDiagonal(_ value: Float) {
        let columns = self.columns
        values.withUnsafeMutableBufferPointer { elements in
            for i in 0..<Swift.min(rows, columns) {
                elements[i * columns + i] += value
            }
        }
    }

    public func withUnsafeRow<Result, Failure: Error>(
        _ row: Int,
        _ body: (UnsafeBufferPointer<Float>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        checkRow(row)
        let columns = self.columns
        return try values.withUnsafeBufferPointer { (elements) throws(Failure) -> Result in
            try body(UnsafeBufferPointer(rebasing: elements[row * columns ..< (row + 1) * columns]))
        }
    }

    public mutating func withUnsafeMutableRow<Result, Failure: Error>(
        _ row: Int,
        _ body: (UnsafeMutableBufferPointer<Float>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        checkRow(row)
        let columns = self.columns
        return try values.withUnsafeMutableBufferPointer { (elements) throws(Failure) -> Result in
            try body(UnsafeMutableBufferPointer(rebasing: elements[row * columns ..< (row + 1) * columns]))
        }
    }

    public func withUnsafeMatrixBuffer<Result, Failure: Error>(
        _ body: (UnsafeMatrixBuffer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let (rows, columns) = (self.rows, self.columns)
        return try values.withUnsafeBufferPointer { (elements) throws(Failure) -> Result in
            try body(UnsafeMatrixBuffer(rows: rows, columns: columns, elements: elements))
        }
    }

    public mutating func withUnsafeMutableMatrixBuffer<Result, Failure: Error>(
        _ body: (UnsafeMutableMatrixBuffer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let (rows, columns) = (self.rows, self.columns)
        return try values.withUnsafeMutableBufferPointer { (elements) throws(Failure) -> Result in
            try body(UnsafeMutableMatrixBuffer(rows: rows, columns: columns, elements: elements))
        }
    }

    private func checkRow(_ row: Int) {
        precondition(row >= 0 && row < rows, "Matrix: row \(row) out of range for a \(rows)x\(columns) matrix")
    }

    private func checkIndex(_ row: Int, _ column: Int) {
        precondition(
            row >= 0 && row < rows && column >= 0 && column < columns,
            "Matrix: index [\(row), \(column)] out of range for a \(rows)x\(columns) matrix"
        )
    }
}
