import Foundation
import LinearAlgebra
import RecLabCore

/// Answers from SLIST's B: score(j) = Σ over the user's latest movies i (up to `last_items`,
/// positions k counted back from the newest rating) of 2^(−k / history_half_life) · v_i · B[i][j],
/// v_i the rating's value (1 without a rating offset).
final class SLISTModel: HistoryLedModel {
    let weights: SLISTWeights
    let parameters: SLISTStrategy.Parameters
    let catalogue: Catalogue
    private let scored: ScoredMovies

    init(weights: SLISTWeights, parameters: SLISTStrategy.Parameters, catalogue: Catalogue) {
        self.weights = weights
        self.parameters = parameters
        self.catalogue = catalogue
        scored = ScoredMovies(movies: weights.movies, counts: weights.counts, catalogue: catalogue)
    }

    var summary: ModelSummary {
        let shape = "window=\(parameters.window) targets=\(parameters.targets) last_items=\(parameters.lastItems) history_half_life=\(parameters.historyHalfLife)"
        return ModelSummary(items: weights.movies.count, detail: "SLIST alpha=\(parameters.alpha) lambda=\(parameters.lambda) " + shape)
    }

    func write(to writer: inout ModelWriter) {
        weights.write(to: &writer)
    }

    func answer(_ request: RecommendationRequest, from starts: [(row: Int, weight: Float)]) -> [Recommendation] {
        let n = weights.movies.count
        var scores: [Float]?
        if !starts.isEmpty {
            var sums = [Float](repeating: 0, count: n)
            weights.b.withUnsafeMatrixBuffer { b in
                sums.withUnsafeMutableBufferPointer { sums in
                    for (row, weight) in starts {
                        axpy(weight, UnsafeBufferPointer(rebasing: b.elements[(row * n)..<((row + 1) * n)]), sums)
                    }
                }
            }
            scores = sums
        }
        return scored.answer(request, scores: scores) { reason(for: $0, from: starts) }
    }

    /// The user's movies the model knows among their last `last_items` ratings, each weighted
    /// by recency and by its rating's value.
    func latestMovies(_ history: [Interaction]) -> [(row: Int, weight: Float)] {
        let positions = scored.positions
        return RecencyPositions.latest(history, within: parameters.lastItems).compactMap { latest in
            let value = parameters.value(of: latest.interaction.rating)
            guard value != 0, let row = positions[latest.interaction.movie] else { return nil }
            return (row, value * Float(exp2(-Double(latest.position) / parameters.historyHalfLife)))
        }
    }

    /// "Because you watched Inception and Memento": the two history movies that add most to it.
    func reason(for movie: MovieID, from starts: [(row: Int, weight: Float)]) -> String {
        guard let column = scored.positions[movie] else { return ScoredMovies.popularReason }
        let leading = starts.map { ($0.row, $0.weight * weights.b[$0.row, column]) }
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(2)
            .compactMap { catalogue.item(weights.movies[$0.0])?.title }
        return ScoredMovies.reason(watched: Array(leading))
    }
}
