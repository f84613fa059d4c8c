import Foundation
import LinearAlgebra
import RecLabCore

/// GRU4Rec's weights: a one-layer GRU that reads a history a movie at a time, and an output
/// row and bias per movie that score every movie from the GRU's state.
///
/// With r, z and c the reset gate, update gate and candidate of a step that reads movie x
/// after state h:
///
///     r = σ(Wx[x]ᵣ + b_r + h·W_r)      z = σ(Wx[x]_z + b_z + h·W_z)
///     c = tanh(Wx[x]_c + b_c + (r ⊙ h)·W_c)      h' = (1 − z) ⊙ h + z ⊙ c
///     score(j) = h'·Y[j] + y_j
///
/// The input is GRU4Rec's one-hot input: a movie's row of Wx is its whole embedding.
public struct GRUWeights: Sendable {
    public let hidden: Int
    /// The model's movies, ids ascending, and their rating counts.
    public let movies: [MovieID]
    public let counts: [Int32]
    /// movies × 3·hidden: each movie's pull on the reset gate, update gate and candidate.
    public var input: [Float]
    /// hidden × 2·hidden: the state's pull on the reset and update gates (W_r | W_z).
    public var recurrent: [Float]
    /// hidden × hidden: the reset state's pull on the candidate (W_c).
    public var candidate: [Float]
    /// 3·hidden: the gates' and the candidate's biases.
    public var bias: [Float]
    /// movies × hidden, and movies: what scores each movie from a state.
    public var output: [Float]
    public var outputBias: [Float]

    /// Weights drawn uniformly in ±√(6 / (fan in + fan out)) (Glorot), the gates' biases 0,
    /// each movie's output bias the log of its share of the ratings: the model starts from
    /// popularity, which a state then learns to move away from.
    public init(movies: [MovieID], counts: [Int32], hidden: Int, generator: inout SeededGenerator) {
        func draw(_ count: Int, fanIn: Int, fanOut: Int) -> [Float] {
            let bound = Float((6 / Double(fanIn + fanOut)).squareRoot())
            return (0..<count).map { _ in Float.random(in: -bound...bound, using: &generator) }
        }
        let n = movies.count
        self.hidden = hidden
        self.movies = movies
        self.counts = counts
        input = draw(n * 3 * hidden, fanIn: n, fanOut: 3 * hidden)
        recurrent = draw(hidden * 2 * hidden, fanIn: hidden, fanOut: 2 * hidden)
        candidate = draw(hidden * hidden, fanIn: hidden, fanOut: hidden)
        bias = [Float](repeating: 0, count: 3 * hidden)
        output = draw(n * hidden, fanIn: hidden, fanOut: n)
        let total = Double(counts.reduce(0) { $0 + Int($1) })
        outputBias = counts.map { Float(log(max(Double($0), 0.5) / max(total, 1))) }
    }

    init(from reader: inout ModelReader) throws(ModelArchiveError) {
        hidden = Int(try reader.read(Int32.self))
        movies = try reader.readArray(of: MovieID.self)
        counts = try reader.readArray(of: Int32.self)
        input = try reader.readArray(of: Float.self)
        recurrent = try reader.readArray(of: Float.self)
        candidate = try reader.readArray(of: Float.self)
        bias = try reader.readArray(of: Float.self)
        output = try reader.readArray(of: Float.self)
        outputBias = try reader.readArray(of: Float.self)
        let (n, h) = (movies.count, hidden)
        try reader.expect(
            h > 0 && counts.count == n && input.count == n * 3 * h && recurrent.count == 2 * h * h && candidate.count == h * h
                && bias.count == 3 * h && output.count == n * h && outputBias.count == n,
            "a GRU of \(h) units over \(n) movies with arrays of \([input.count, recurrent.count, candidate.count, bias.count, output.count, outputBias.count])")
    }

    func write(to writer: inout ModelWriter) {
        writer.write(Int32(hidden))
        writer.write(array: movies)
        writer.write(array: counts)
        for array in [input, recurrent, candidate, bias, output, outputBias] { writer.write(array: array) }
    }

    /// The states after each of `items` (positions into `movies`), read in order from `start`
    /// (zeros when nil), one after another: the state after items[t] is the t-th `hidden` floats.
    public func states(reading items: [Int], from start: [Float]? = nil) -> [Float] {
        var step = GRUStep(rows: 1, hidden: hidden)
        if let start { step.previous = start }
        var states: [Float] = []
        states.reserveCapacity(items.count * hidden)
        var item = [0]
        for next in items {
            item[0] = next
            step.forward(self, items: item)
            states += step.state
            // The next step overwrites all of `state`: the old previous serves as its buffer.
            swap(&step.previous, &step.state)
        }
        return states
    }

    /// Every movie's score from `state`: Y·state + y.
    public func scores(from state: [Float]) -> [Float] {
        var scores = outputBias
        output.withUnsafeBufferPointer { output in
            state.withUnsafeBufferPointer { state in
                scores.withUnsafeMutableBufferPointer { scores in
                    gemv(UnsafeMatrixBuffer(rows: movies.count, columns: hidden, elements: output), state, beta: 1, into: scores)
                }
            }
        }
        return scores
    }

    /// One movie's score from `state`.
    public func score(_ item: Int, from state: [Float]) -> Float {
        output.withUnsafeBufferPointer { output in
            state.withUnsafeBufferPointer { state in
                dot(UnsafeBufferPointer(rebasing: output[(item * hidden)..<((item + 1) * hidden)]), state) + outputBias[item]
            }
        }
    }
}

/// One step of the GRU for a batch of rows (histories read side by side), keeping what the
/// backward pass needs: the previous states, the gates, the reset states and the new states.
struct GRUStep {
    let rows: Int, hidden: Int
    /// rows × hidden each: the states before and after, the candidate after tanh, r ⊙ previous.
    var previous, state, candidate, resetPrevious: [Float]
    /// rows × 2·hidden: the reset and update gates, after σ.
    var gates: [Float]

    init(rows: Int, hidden: Int) {
        self.rows = rows
        self.hidden = hidden
        previous = [Float](repeating: 0, count: rows * hidden)
        state = previous
        candidate = previous
        resetPrevious = previous
        gates = [Float](repeating: 0, count: rows * 2 * hidden)
    }

    /// Reads one movie per row (the first `items.count` rows) into `state`.
    mutating func forward(_ weights: GRUWeights, items: [Int]) {
        let (h, m) = (hidden, items.count)
        // The inputs' rows and biases first; the recurrent products add to them.
        for (row, item) in items.enumerated() {
            for unit in 0..<(2 * h) { gates[row * 2 * h + unit] = weights.input[item * 3 * h + unit] + weights.bias[unit] }
            for unit in 0..<h { candidate[row * h + unit] = weights.input[item * 3 * h + 2 * h + unit] + weights.bias[2 * h + unit] }
        }
        multiplyPrefix(previous, (m, h), weights.recurrent, (h, 2 * h), beta: 1, into: &gates)
        for index in 0..<(m * 2 * h) { gates[index] = sigmoid(gates[index]) }
        for row in 0..<m {
            for unit in 0..<h { resetPrevious[row * h + unit] = gates[row * 2 * h + unit] * previous[row * h + unit] }
        }
        multiplyPrefix(resetPrevious, (m, h), weights.candidate, (h, h), beta: 1, into: &candidate)
        for row in 0..<m {
            for unit in 0..<h {
                let index = row * h + unit
                let c = tanh(candidate[index])
                let z = gates[row * 2 * h + h + unit]
                candidate[index] = c
                state[index] = (1 - z) * previous[index] + z * c
            }
        }
    }
}

@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
