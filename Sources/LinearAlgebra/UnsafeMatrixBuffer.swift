/// A borrowed read-only row-major view of contiguous `Float` storage, so BLAS can run on existing buffers without copying.
public struct UnsafeMatrixBuffer {
    public let rows: Int
    public let columns: Int
    public let elements: UnsafeBufferPointer<Float>

    public init(rows: Int, columns: Int, elements: UnsafeBufferPointer<Float>) {
        precondition(rows >= 0 && columns >= 0, "UnsafeMatrixBuffer: dimensions must be non-negative, got \(rows)x\(columns)")
        precondition(
            elements.count == rows * columns,
            "UnsafeMatrixBuffer: \(rows)x\(columns) needs \(rows * columns) elements, got \(elements.count)"
        )
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }
}

/// A borrowed writable row-major view of contiguous `Float` storage, the output side of the buffer-level BLAS calls.
public struct UnsafeMutableMatrixBuffer {
    public let rows: Int
    public let columns: Int
    public let elements: UnsafeMutableBufferPointer<Float>

    public init(rows: Int, columns: Int, elements: UnsafeMutableBufferPointer<Float>) {
        precondition(rows >= 0 && columns >= 0, "UnsafeMutableMatrixBuffer: dimensions must be non-negative, got \(rows)x\(columns)")
        precondition(
            elements.count == rows * columns,
            "UnsafeMutableMatrixBuffer: \(rows)x\(columns) needs \(rows * columns) elements, got \(elements.count)"
        )
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }
}
