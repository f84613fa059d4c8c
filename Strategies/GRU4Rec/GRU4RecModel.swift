import Foundation
import RecLabCore

/// What GRU4Rec reads of a history: the movies it knows among the latest `last_items`, oldest
/// first, and its state after each, one after another.
struct GRUReading {
    let items: [Int]
    let states: [Float]
    let hidden: Int

    /// The state after the t-th movie.
    func state(after t: Int) -> [Float] {
        Array(states[(t * hidden)..<((t + 1) * hidden)])
    }

    /// The state after the latest movie; nil when the model knows none of the history.
    var final: [Float]? {
        items.isEmpty ? nil : state(after: items.count - 1)
    }
}

/// Answers from the GRU's state after the user's latest movies: score(j) = h·Y[j] + y_j. A
/// movie's reason names the history movies whose removal would lower its score most.
final class GRU4RecModel: HistoryLedModel {
    let weights: GRUWeights
    let parameters: GRU4RecStrategy.Parameters
    let catalogue: Catalogue
    /// The epochs early stopping chose, and the ndcg@10 they reached on the held-out ratings.
    let epochs: Int
    let stoppingNDCG: Double
    private let scored: ScoredMovies
    /// How many of the latest movies a reason weighs: each is left out in turn.
    private static let explainedMovies = 5

    init(weights: GRUWeights, parameters: GRU4RecStrategy.Parameters, epochs: Int, stoppingNDCG: Double, catalogue: Catalogue) {
        self.weights = weights
        self.parameters = parameters
        self.epochs = epochs
        self.stoppingNDCG = stoppingNDCG
        self.catalogue = catalogue
        scored = ScoredMovies(movies: weights.movies, counts: weights.counts, catalogue: catalogue)
    }

    var summary: ModelSummary {
        ModelSummary(
            items: weights.movies.count, factors: weights.hidden,
            detail: "GRU4Rec loss=\(parameters.loss.rawValue) hidden=\(parameters.hidden) targets=\(parameters.targets) epochs=\(epochs) "
                + String(format: "(held-out ndcg@10 %.4f) last_items=%d", stoppingNDCG, parameters.lastItems))
    }

    func write(to writer: inout ModelWriter) {
        writer.write(Int32(epochs))
        writer.write(stoppingNDCG)
        weights.write(to: &writer)
    }

    func latestMovies(_ history: [Interaction]) -> GRUReading {
        let items = RecencyPositions.latest(history, within: parameters.lastItems).reversed().compactMap { scored.positions[$0.interaction.movie] }
        return GRUReading(items: items, states: weights.states(reading: items), hidden: weights.hidden)
    }

    func answer(_ request: RecommendationRequest, from reading: GRUReading) -> [Recommendation] {
        scored.answer(request, scores: reading.final.map(weights.scores(from:))) { reason(for: $0, from: reading) }
    }

    /// "Because you watched Inception and Memento": of the latest movies, the two whose
    /// absence from the history would cost the movie most score.
    func reason(for movie: MovieID, from reading: GRUReading) -> String {
        guard let column = scored.positions[movie], let final = reading.final else { return ScoredMovies.popularReason }
        let full = weights.score(column, from: final)
        let n = reading.items.count
        let costs = (max(0, n - Self.explainedMovies)..<n).map { left in
            let start = left > 0 ? reading.state(after: left - 1) : [Float](repeating: 0, count: weights.hidden)
            let without = weights.states(reading: Array(reading.items[(left + 1)...]), from: start).suffix(weights.hidden)
            return (item: reading.items[left], cost: full - weights.score(column, from: without.isEmpty ? start : Array(without)))
        }
        let leading = costs.filter { $0.cost > 0 }.sorted { $0.cost > $1.cost }.prefix(2).compactMap { catalogue.item(weights.movies[$0.item])?.title }
        return ScoredMovies.reason(watched: Array(leading))
    }
}
