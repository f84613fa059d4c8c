import LinearAlgebra
import Testing

func expectClose(
    _ actual: [Float],
    _ expected: [Float],
    tolerance: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "length", sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        #expect(abs(a - e) <= tolerance, "element \(index): got \(a), expected \(e)", sourceLocation: sourceLocation)
    }
}

func expectClose(
    _ actual: Matrix,
    _ expected: Matrix,
    tolerance: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.rows == expected.rows && actual.columns == expected.columns,
        "shape: got \(actual.rows)x\(actual.columns), expected \(expected.rows)x\(expected.columns)",
        sourceLocation: sourceLocation
    )
    expectClose(actual.values, expected.values, tolerance: tolerance, sourceLocation: sourceLocation)
}
