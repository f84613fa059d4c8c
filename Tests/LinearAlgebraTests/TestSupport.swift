import LinearAlgebra
import Testing

/// SplitMix64, so "random" matrices are identical on every run and every machine.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
