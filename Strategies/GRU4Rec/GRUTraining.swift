import Foundation
import LinearAlgebra
import RecLabCore

/// What GRU4Rec's training minimises for a row, from the score of the movie that came next
/// and the scores of the row's negatives (Hidasi and Karatzoglou, "Recurrent Neural Networks
/// with Top-k Gains for Session-based Recommendations", CIKM 2018).
public enum GRULoss: String, Codable, Sendable, CaseIterable {
    /// Softmax cross-entropy over the target and the negatives.
    case crossEntropy = "cross_entropy"
    /// BPR-max: −log Σⱼ sⱼ σ(rᵢ − rⱼ) + λ Σⱼ sⱼ rⱼ², s the softmax of the negatives' scores.
    case bprMax = "bpr_max"
}

/// One minibatch of training: per row, the state it starts from, the movie it reads and the
/// movie that came next (positions into the model's movies); the extra negatives all rows share.
public struct GRUBatch: Sendable {
    public var previous: [Float]
    public var items: [Int]
    public var targets: [Int]
    public var samples: [Int]

    public init(previous: [Float], items: [Int], targets: [Int], samples: [Int]) {
        self.previous = previous
        self.items = items
        self.targets = targets
        self.samples = samples
    }
}

/// GRU4Rec's training: session-parallel minibatches (each row a history read a movie per step,
/// its state carried to the next step and its gradient stopped there), negatives from the other
/// rows' targets and from samples drawn by popularity, dropout on the state before it scores,
/// and Adam, lazily on the movie rows a batch reaches.
public struct GRUTraining {
    public var weights: GRUWeights
    /// The last batch's gradient, shaped as the weights: zero where the batch did not reach.
    public private(set) var gradient: GRUWeights
    public let loss: GRULoss
    let bprRegularization: Float
    let dropout: Float
    let learningRate: Float
    private var generator: SeededGenerator
    private var step: GRUStep
    private var first: GRUWeights
    private var second: GRUWeights
    private var updates = 0
    private var touchedInputs: [Int] = []
    private var touchedOutputs: [Int] = []

    /// Per movie, what training subtracts from its score: the log of how likely a batch is to
    /// hold it as a negative (the sampled softmax's log-Q correction), so that the scores learnt
    /// rank the whole catalogue rather than undo the sampler's lean to popular movies.
    let correction: [Float]

    public init(
        weights: GRUWeights, batchSize: Int, loss: GRULoss, bprRegularization: Double = 1, dropout: Double = 0, learningRate: Double = 0.001,
        correction: [Float]? = nil, seed: UInt64 = 1
    ) {
        self.weights = weights
        self.correction = correction ?? [Float](repeating: 0, count: weights.movies.count)
        gradient = weights.zeroed()
        first = gradient
        second = gradient
        self.loss = loss
        self.bprRegularization = Float(bprRegularization)
        self.dropout = Float(dropout)
        self.learningRate = Float(learningRate)
        generator = SeededGenerator(seed: seed)
        step = GRUStep(rows: batchSize, hidden: weights.hidden)
    }

    /// The batch's mean loss; leaves its gradient in `gradient` and the rows' new states in
    /// `state`, and changes no weight.
    public mutating func computeGradient(of batch: GRUBatch) -> Double {
        clearGradient()
        let h = weights.hidden
        let m = batch.items.count
        step.previous.replaceSubrange(0..<(m * h), with: batch.previous)
        step.forward(weights, items: batch.items)
        var kept = [Float](repeating: 1, count: m * h)
        if dropout > 0 {
            for index in kept.indices { kept[index] = Float.random(in: 0..<1, using: &generator) < dropout ? 0 : 1 / (1 - dropout) }
        }
        let outputs = (0..<(m * h)).map { step.state[$0] * kept[$0] }
        let columns = batch.targets + batch.samples
        let c = columns.count
        var rowsY = [Float](repeating: 0, count: c * h)
        for (j, movie) in columns.enumerated() { rowsY[(j * h)..<((j + 1) * h)] = weights.output[(movie * h)..<((movie + 1) * h)] }
        let biases = columns.map { weights.outputBias[$0] - correction[$0] }
        var scores = (0..<m).flatMap { _ in biases }
        multiplyPrefix(outputs, (m, h), rowsY, (c, h), transposeB: true, beta: 1, into: &scores)
        let value = loss.gradient(&scores, columns: columns, rows: m, regularization: bprRegularization)
        // scores now holds ∂loss/∂score.
        var dRowsY = [Float](repeating: 0, count: c * h)
        multiplyPrefix(scores, (m, c), outputs, (m, h), transposeA: true, into: &dRowsY)
        for (j, movie) in columns.enumerated() {
            for unit in 0..<h { gradient.output[movie * h + unit] += dRowsY[j * h + unit] }
            for row in 0..<m { gradient.outputBias[movie] += scores[row * c + j] }
            touchedOutputs.append(movie)
        }
        var dState = [Float](repeating: 0, count: m * h)
        multiplyPrefix(scores, (m, c), rowsY, (c, h), into: &dState)
        for index in dState.indices { dState[index] *= kept[index] }
        backward(dState, items: batch.items)
        return value
    }

    /// The rows' states after the last `computeGradient`.
    public var state: ArraySlice<Float> { step.state[0..<(step.rows * weights.hidden)] }

    /// One step of Adam on the batch: its gradient, then the update.
    public mutating func train(on batch: GRUBatch) -> Double {
        let value = computeGradient(of: batch)
        update()
        return value
    }

    /// Back through the GRU step to its weights; the previous state gets no gradient
    /// (GRU4Rec's truncation: a row's state is carried forward, its gradient is not).
    private mutating func backward(_ dState: [Float], items: [Int]) {
        let h = weights.hidden
        let m = items.count
        var dGates = [Float](repeating: 0, count: m * 2 * h)
        var dCandidate = [Float](repeating: 0, count: m * h)
        for row in 0..<m {
            for unit in 0..<h {
                let index = row * h + unit
                let gate = row * 2 * h + h + unit
                let (z, c, previous) = (step.gates[gate], step.candidate[index], step.previous[index])
                dGates[gate] = dState[index] * (c - previous) * z * (1 - z)
                dCandidate[index] = dState[index] * z * (1 - c * c)
            }
        }
        var dReset = [Float](repeating: 0, count: m * h)
        multiplyPrefix(dCandidate, (m, h), weights.candidate, (h, h), transposeB: true, into: &dReset)
        for row in 0..<m {
            for unit in 0..<h {
                let r = step.gates[row * 2 * h + unit]
                dGates[row * 2 * h + unit] = dReset[row * h + unit] * step.previous[row * h + unit] * r * (1 - r)
            }
        }
        multiplyPrefix(step.resetPrevious, (m, h), dCandidate, (m, h), transposeA: true, beta: 1, into: &gradient.candidate)
        multiplyPrefix(step.previous, (m, h), dGates, (m, 2 * h), transposeA: true, beta: 1, into: &gradient.recurrent)
        for (row, item) in items.enumerated() {
            for unit in 0..<(2 * h) {
                gradient.input[item * 3 * h + unit] += dGates[row * 2 * h + unit]
                gradient.bias[unit] += dGates[row * 2 * h + unit]
            }
            for unit in 0..<h {
                gradient.input[item * 3 * h + 2 * h + unit] += dCandidate[row * h + unit]
                gradient.bias[2 * h + unit] += dCandidate[row * h + unit]
            }
            touchedInputs.append(item)
        }
    }

    /// Adam (Kingma and Ba, 2015) with β₁ 0.9, β₂ 0.999: every dense weight, and the movie
    /// rows this batch reached (a row's moments wait while no batch reaches it).
    private mutating func update() {
        updates += 1
        let t = Float(updates)
        let rate = learningRate * (1 - pow(0.999, t)).squareRoot() / (1 - pow(0.9, t))
        let h = weights.hidden
        Self.adam(&weights.recurrent, gradient.recurrent, &first.recurrent, &second.recurrent, 0..<weights.recurrent.count, rate)
        Self.adam(&weights.candidate, gradient.candidate, &first.candidate, &second.candidate, 0..<weights.candidate.count, rate)
        Self.adam(&weights.bias, gradient.bias, &first.bias, &second.bias, 0..<weights.bias.count, rate)
        for item in Set(touchedInputs) {
            Self.adam(&weights.input, gradient.input, &first.input, &second.input, (item * 3 * h)..<((item + 1) * 3 * h), rate)
        }
        for item in Set(touchedOutputs) {
            Self.adam(&weights.output, gradient.output, &first.output, &second.output, (item * h)..<((item + 1) * h), rate)
            Self.adam(&weights.outputBias, gradient.outputBias, &first.outputBias, &second.outputBias, item..<(item + 1), rate)
        }
    }

    private static func adam(_ values: inout [Float], _ gradient: [Float], _ first: inout [Float], _ second: inout [Float], _ range: Range<Int>, _ rate: Float) {
        for index in range {
            let g = gradient[index]
            first[index] = 0.9 * first[index] + 0.1 * g
            second[index] = 0.999 * second[index] + 0.001 * g * g
            values[index] -= rate * first[index] / (second[index].squareRoot() + 1e-8)
        }
    }

    /// Zeroes what the last batch wrote into the gradient: the dense weights and the rows reached.
    private mutating func clearGradient() {
        let h = weights.hidden
        for item in touchedInputs { gradient.input.replaceSubrange((item * 3 * h)..<((item + 1) * 3 * h), with: repeatElement(0, count: 3 * h)) }
        for item in touchedOutputs {
            gradient.output.replaceSubrange((item * h)..<((item + 1) * h), with: repeatElement(0, count: h))
            gradient.outputBias[item] = 0
        }
        touchedInputs.removeAll(keepingCapacity: true)
        touchedOutputs.removeAll(keepingCapacity: true)
        for index in gradient.recurrent.indices { gradient.recurrent[index] = 0 }
        for index in gradient.candidate.indices { gradient.candidate[index] = 0 }
        for index in gradient.bias.indices { gradient.bias[index] = 0 }
    }
}

extension GRUWeights {
    /// The same shape, all zeros: a gradient, or Adam's moments.
    func zeroed() -> GRUWeights {
        var zero = self
        for keyPath in [\GRUWeights.input, \.recurrent, \.candidate, \.bias, \.output, \.outputBias] {
            zero[keyPath: keyPath] = [Float](repeating: 0, count: self[keyPath: keyPath].count)
        }
        return zero
    }
}

extension GRULoss {
    /// Turns `scores` (rows × columns; row i's target in column i, the other columns its
    /// negatives, save those holding its own target movie) into the mean loss's gradient with
    /// respect to them, and returns the mean loss.
    func gradient(_ scores: inout [Float], columns: [Int], rows m: Int, regularization lambda: Float) -> Double {
        let c = columns.count
        var total = 0.0
        // Per-row scratch, reused across rows.
        var softmax = [Float](repeating: 0, count: c)
        var sig = [Float](repeating: 0, count: c)
        var negative = [Bool](repeating: false, count: c)
        for i in 0..<m {
            let base = i * c
            for j in 0..<c { negative[j] = j != i && columns[j] != columns[i] }
            let ri = scores[base + i]
            // The softmax's maximum: over the target and negatives (cross-entropy), over the
            // negatives alone (BPR-max's weights).
            var top = self == .crossEntropy ? ri : -Float.infinity
            for j in 0..<c where negative[j] { top = max(top, scores[base + j]) }
            var sum: Float = 0
            for j in 0..<c {
                softmax[j] = negative[j] || (j == i && self == .crossEntropy) ? exp(scores[base + j] - top) : 0
                sum += softmax[j]
            }
            guard sum > 0 else {
                for j in 0..<c { scores[base + j] = 0 }
                continue
            }
            switch self {
            case .crossEntropy:
                total -= Double(log(softmax[i] / sum))
                for j in 0..<c { scores[base + j] = softmax[j] / sum / Float(m) }
                scores[base + i] -= 1 / Float(m)
            case .bprMax:
                var p: Float = 0, r: Float = 0, dTarget: Float = 0
                for j in 0..<c where negative[j] {
                    softmax[j] /= sum
                    sig[j] = sigmoid(ri - scores[base + j])
                    p += softmax[j] * sig[j]
                    r += softmax[j] * scores[base + j] * scores[base + j]
                    dTarget -= softmax[j] * sig[j] * (1 - sig[j])
                }
                p = max(p, 1e-24)
                total += Double(-log(p) + lambda * r)
                for j in 0..<c {
                    let rj = scores[base + j]
                    scores[base + j] = negative[j] ? softmax[j] * (1 - sig[j] * sig[j] / p + lambda * (rj * rj - r + 2 * rj)) / Float(m) : 0
                }
                scores[base + i] = dTarget / p / Float(m)
            }
        }
        return total / Double(m)
    }
}

/// `c = op(a)·op(b) + beta·c` over the leading elements of plain arrays, each given with its
/// stored shape (rows, columns).
func multiplyPrefix(
    _ a: [Float], _ aShape: (rows: Int, columns: Int), _ b: [Float], _ bShape: (rows: Int, columns: Int),
    transposeA: Bool = false, transposeB: Bool = false, beta: Float = 0, into c: inout [Float]
) {
    let rows = transposeA ? aShape.columns : aShape.rows
    let columns = transposeB ? bShape.rows : bShape.columns
    if rows == 1 && !transposeA {
        // One row (an answer's step): a vector times a matrix, which gemv does without gemm's set-up.
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    gemv(UnsafeMatrixBuffer(rows: bShape.rows, columns: bShape.columns, elements: UnsafeBufferPointer(rebasing: b[0..<(bShape.rows * bShape.columns)])),
                         UnsafeBufferPointer(rebasing: a[0..<aShape.columns]), transpose: !transposeB, beta: beta,
                         into: UnsafeMutableBufferPointer(rebasing: c[0..<columns]))
                }
            }
        }
        return
    }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                gemm(UnsafeMatrixBuffer(rows: aShape.rows, columns: aShape.columns, elements: UnsafeBufferPointer(rebasing: a[0..<(aShape.rows * aShape.columns)])),
                     UnsafeMatrixBuffer(rows: bShape.rows, columns: bShape.columns, elements: UnsafeBufferPointer(rebasing: b[0..<(bShape.rows * bShape.columns)])),
                     transposeA: transposeA, transposeB: transposeB, beta: beta,
                     into: UnsafeMutableMatrixBuffer(rows: rows, columns: columns, elements: UnsafeMutableBufferPointer(rebasing: c[0..<(rows * columns)])))
            }
        }
    }
}
