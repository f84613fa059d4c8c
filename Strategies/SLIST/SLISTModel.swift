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
    /// The most-rated movies first, for users the model knows nothing of.
    private let byCount: [Int]
    /// By position: the catalogue's item, nil for a movie it lacks.
    private let items: [CatalogueItem?]

    init(weights: SLISTWeights, parameters: SLISTStrategy.Parameters, catalogue: Catalogue) {
        self.weights = weights
        self.parameters = parameters
        self.catalogue = catalogue
        byCount = weights.movies.indices.sorted { (weights.counts[$0], $1) > (weights.counts[$1], $0) }
        items = weights.movies.map { catalogue.item($0) }
    }

    var summary: ModelSummary {
        let shape = "window=\(parameters.window) targets=\(parameters.targets) last_items=\(parameters.lastItems) history_half_life=\(parameters.historyHalfLife)"
        return ModelSummary(items: weights.movies.count, detail: "SLIST alpha=\(parameters.alpha) lambda=\(parameters.lambda) " + shape)
    }

    func write(to writer: inout ModelWriter) {
        weights.write(to: &writer)
    }

    func answer(_ request: RecommendationRequest, from starts: [(row: Int, weight: Float)]) -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        let n = weights.movies.count
        var picks: [Recommendation] = []
        if !starts.isEmpty {
            var scores = [Float](repeating: 0, count: n)
            weights.b.withUnsafeMatrixBuffer { b in
                scores.withUnsafeMutableBufferPointer { scores in
                    for (row, weight) in starts {
                        axpy(weight, UnsafeBufferPointer(rebasing: b.elements[(row * n)..<((row + 1) * n)]), scores)
                    }
                }
            }
            // The history's movies and what the request excludes are never admitted: −∞ keeps
            // them out of the leaders in the one pass.
            for movie in request.excluded { if let position = weights.positions[movie] { scores[position] = -.infinity } }
            for position in items.indices where items[position] == nil { scores[position] = -.infinity }
            let leaders = scores.withUnsafeBufferPointer { scores in request.bestAdmitted(scores: scores) { items[$0] } }
            picks = leaders.map { pick in
                let movie = weights.movies[pick.position]
                return Recommendation(movie: movie, score: Double(pick.score), reason: request.wantsReasons ? reason(for: movie, from: starts) : "")
            }
        }
        // No known history, or too few movies it leads to: the most-rated movies fill the rest, below.
        if picks.count < request.limit {
            let chosen = Set(picks.map(\.movie))
            let floor = (picks.map(\.score).min() ?? 0) - 1
            let most = Double(weights.counts[byCount.first ?? 0])
            for position in byCount where picks.count < request.limit {
                let movie = weights.movies[position]
                guard !chosen.contains(movie), let item = items[position], request.admits(item) else { continue }
                picks.append(Recommendation(movie: movie, score: floor - 1 + Double(weights.counts[position]) / max(most, 1), reason: "Popular with RecLab users"))
            }
        }
        return picks
    }

    /// The user's movies the model knows among their last `last_items` ratings, each weighted
    /// by recency and by its rating's value.
    func latestMovies(_ history: [Interaction]) -> [(row: Int, weight: Float)] {
        RecencyPositions.latest(history, within: parameters.lastItems).compactMap { latest in
            let value = parameters.value(of: latest.interaction.rating)
            guard value != 0, let row = weights.positions[latest.interaction.movie] else { return nil }
            return (row, value * Float(exp2(-Double(latest.position) / parameters.historyHalfLife)))
        }
    }

    /// "Because you watched Inception and Memento": the two history movies that add most to it.
    func reason(for movie: MovieID, from starts: [(row: Int, weight: Float)]) -> String {
        guard let column = weights.positions[movie] else { return "Popular with RecLab users" }
        let leading = starts.map { ($0.row, $0.weight * weights.b[$0.row, column]) }
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(2)
            .compactMap { catalogue.item(weights.movies[$0.0])?.title }
        return leading.isEmpty ? "Popular with RecLab users" : "Because you watched " + leading.joined(separator: " and ")
    }
}
