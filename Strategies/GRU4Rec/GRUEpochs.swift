import Foundation
import RecLabCore

/// One training run of GRU4Rec: the users' histories as sequences of movie positions (time
/// order, ties by the protocol's movie order), the popularity sampler and the training, an
/// epoch at a time.
struct GRUEpochs {
    let parameters: GRU4RecStrategy.Parameters
    let movies: [MovieID]
    let counts: [Int32]
    private let histories: [String: [Interaction]]
    private let sequences: [[Int]]
    /// Running sums of count^sample_alpha: a uniform draw below the last picks a movie.
    private let cumulative: [Double]
    private var training: GRUTraining
    private var generator: SeededGenerator

    init(_ interactions: [Interaction], parameters: GRU4RecStrategy.Parameters, movieOrder: (MovieID) -> Int) {
        self.parameters = parameters
        let histories = Dictionary(grouping: interactions, by: \.user)
        self.histories = histories
        movies = Set(interactions.map(\.movie)).sorted()
        let positions = MovieIndex(movies)
        var counts = [Int32](repeating: 0, count: movies.count)
        for interaction in interactions { counts[positions[interaction.movie]!] += 1 }
        self.counts = counts
        sequences = histories.keys.sorted().map { user in
            histories[user]!.sorted { ($0.timestamp, movieOrder($0.movie)) < ($1.timestamp, movieOrder($1.movie)) }.map { positions[$0.movie]! }
        }.filter { $0.count >= 2 }
        var sum = 0.0
        cumulative = counts.map { count in
            sum += pow(Double(count), parameters.sampleAlpha)
            return sum
        }
        // A batch's negatives: the other rows' targets (drawn ∝ count) and the samples.
        let (rows, drawn) = (Double(parameters.batchSize), Double(parameters.negatives))
        let (ratings, sampled) = (Double(interactions.count), sum)
        let correction = counts.map { count in
            Float(parameters.logQ * log((rows * Double(count) / ratings + drawn * pow(Double(count), parameters.sampleAlpha) / sampled) / (rows + drawn)))
        }
        let seed = UInt64(parameters.seed)
        var drawing = SeededGenerator(seed: seed)
        let weights = GRUWeights(movies: movies, counts: counts, hidden: parameters.hidden, generator: &drawing)
        training = GRUTraining(
            weights: weights, batchSize: parameters.batchSize, loss: parameters.loss, bprRegularization: parameters.bprRegularization,
            dropout: parameters.dropout, learningRate: parameters.learningRate, correction: correction, seed: seed &+ 1)
        generator = SeededGenerator(seed: seed &+ 2)
    }

    /// Every history once, in a fresh seeded order, `batch_size` side by side: a row that ends
    /// its history takes the next from a zero state; when none is left, the batch shrinks.
    mutating func epoch() {
        let h = parameters.hidden
        var queue = sequences.indices.shuffled(using: &generator)[...]
        var slots: [(sequence: Int, position: Int)] = []
        while slots.count < parameters.batchSize, let next = queue.popFirst() { slots.append((next, 0)) }
        var states = [Float](repeating: 0, count: slots.count * h)
        while !slots.isEmpty {
            let targets = slots.map { slot in
                let sequence = sequences[slot.sequence]
                let ahead = min(parameters.targets, sequence.count - slot.position - 1)
                return sequence[slot.position + 1 + (ahead > 1 ? Int.random(in: 0..<ahead, using: &generator) : 0)]
            }
            let batch = GRUBatch(
                previous: states, items: slots.map { sequences[$0.sequence][$0.position] }, targets: targets, samples: samples())
            _ = training.train(on: batch)
            states = Array(training.state.prefix(slots.count * h))
            var row = 0
            while row < slots.count {
                slots[row].position += 1
                if slots[row].position + 1 < sequences[slots[row].sequence].count {
                    row += 1
                } else if let next = queue.popFirst() {
                    slots[row] = (next, 0)
                    states.replaceSubrange((row * h)..<((row + 1) * h), with: repeatElement(0, count: h))
                    row += 1
                } else {
                    // The last row takes this one's place, and is advanced here in turn.
                    let last = slots.count - 1
                    slots[row] = slots[last]
                    states.replaceSubrange((row * h)..<((row + 1) * h), with: states[(last * h)..<((last + 1) * h)])
                    slots.removeLast()
                    states.removeLast(h)
                }
            }
        }
    }

    /// `negatives` movies drawn with probability ∝ count^sample_alpha.
    private mutating func samples() -> [Int] {
        guard let total = cumulative.last else { return [] }
        return (0..<parameters.negatives).map { _ in
            let point = Double.random(in: 0..<total, using: &generator)
            var (low, high) = (0, cumulative.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] <= point { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// The model as trained so far.
    func model(epochs: Int, stoppingNDCG: Double, catalogue: Catalogue) -> GRU4RecModel {
        GRU4RecModel(weights: training.weights, parameters: parameters, epochs: epochs, stoppingNDCG: stoppingNDCG, catalogue: catalogue)
    }

    /// The protocol's ndcg@10 of the model so far on `heldOut`: each user's top 10 among the
    /// movies of the training run, from the history it trained on; relevant, the held-out
    /// ratings a user liked (`Interaction.likedThreshold`).
    func ndcg(on heldOut: [Interaction], catalogue: Catalogue) -> Double {
        let model = model(epochs: 0, stoppingNDCG: 0, catalogue: catalogue)
        let relevant = Dictionary(grouping: heldOut.filter(\.isLiked), by: \.user).mapValues { Set($0.map(\.movie)) }
        guard !relevant.isEmpty else { return 0 }
        var total = 0.0
        for (user, wanted) in relevant {
            var request = RecommendationRequest(userID: user, history: histories[user] ?? [], limit: 10)
            request.wantsReasons = false
            let picks = (try? model.recommend(request)) ?? []
            total += UserRanking(ranked: picks.map(\.movie), relevant: wanted).ndcg(at: 10)
        }
        return total / Double(relevant.count)
    }
}
