import Foundation
import RecLabCore

/// Answers from the transitions of the user's latest movies: score(j) = Σ over the last
/// `last_items` steps k (0 the newest) of 2^(−k / history_half_life) · T[i_k][j].
struct TransitionModel: FittedModel {
    let transitions: Transitions
    let parameters: SequentialStrategy.Parameters
    let catalogue: Catalogue
    /// The most-rated movies first, for users the model knows nothing of.
    private let byCount: [Int]
    /// By position: whether the catalogue has the movie, and whether it has a TMDB id, read in
    /// the scoring loop instead of looking each candidate up.
    private let inCatalogue: [Bool]
    private let hasTMDBID: [Bool]

    init(transitions: Transitions, parameters: SequentialStrategy.Parameters, catalogue: Catalogue) {
        self.transitions = transitions
        self.parameters = parameters
        self.catalogue = catalogue
        byCount = transitions.movies.indices.sorted { (transitions.counts[$0], $1) > (transitions.counts[$1], $0) }
        let items = transitions.movies.map { catalogue.item($0) }
        inCatalogue = items.map { $0 != nil }
        hasTMDBID = items.map { $0?.tmdbID != nil }
    }

    var summary: ModelSummary {
        ModelSummary(
            items: transitions.movies.count,
            detail: "transitions window=\(parameters.window) entries=\(transitions.columns.count) last_items=\(parameters.lastItems) "
                + "history_half_life=\(parameters.historyHalfLife)")
    }

    func write(to writer: inout ModelWriter) {
        transitions.write(to: &writer)
    }

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        let starts = latestSteps(request.history)
        var scores = [Float](repeating: 0, count: transitions.movies.count)
        var touched: [Int32] = []
        for (row, weight) in starts {
            for entry in transitions.rowStart[row]..<transitions.rowStart[row + 1] {
                let column = Int(transitions.columns[entry])
                if scores[column] == 0 { touched.append(Int32(column)) }
                scores[column] += weight * transitions.weights[entry]
            }
        }
        // What the request excludes scores NaN, which TopK passes over (`request.admits`).
        for movie in request.excluded {
            if let position = transitions.positions[movie] { scores[position] = .nan }
        }
        var top = TopK(request.limit)
        for column in touched.lazy.map(Int.init) where inCatalogue[column] && (!request.requireTMDBID || hasTMDBID[column]) {
            top.insert(transitions.movies[column], score: Double(scores[column]))
        }
        var picks = top.sorted().map { pick in
            Recommendation(movie: pick.id, score: pick.score, reason: reason(for: pick.id, from: starts))
        }
        // Too few followers (or no known history): the most-rated movies fill the rest, below them.
        if picks.count < request.limit {
            let chosen = Set(picks.map(\.movie))
            let most = Double(transitions.counts[byCount.first ?? 0])
            for position in byCount where picks.count < request.limit {
                let movie = transitions.movies[position]
                guard !chosen.contains(movie), let item = catalogue.item(movie), request.admits(item) else { continue }
                picks.append(Recommendation(
                    movie: movie, score: 1e-6 * Double(transitions.counts[position]) / max(most, 1), reason: "Popular with RecLab users"))
            }
        }
        return picks
    }

    /// The user's movies the model knows in their last `last_items` steps, newest first, each
    /// with its weight. Ratings of one second are one step, so no order is made up.
    func latestSteps(_ history: [Interaction]) -> [(row: Int, weight: Float)] {
        let minimum = Float(parameters.minRating)
        let known = history.filter { $0.rating >= minimum && transitions.positions[$0.movie] != nil }
            .sorted { $0.timestamp > $1.timestamp }
        var starts: [(row: Int, weight: Float)] = []
        var seen = Set<MovieID>()
        for (interaction, step) in zip(known, Transitions.steps(known.map(\.timestamp))) {
            if step >= parameters.lastItems { break }
            guard seen.insert(interaction.movie).inserted else { continue }
            starts.append((transitions.positions[interaction.movie]!, Float(exp2(-Double(step) / parameters.historyHalfLife))))
        }
        return starts
    }

    /// "Often watched after Inception and Memento": the two latest movies that lead to it most.
    private func reason(for movie: MovieID, from starts: [(row: Int, weight: Float)]) -> String {
        guard let column = transitions.positions[movie] else { return "Popular with RecLab users" }
        let leading = starts.map { ($0.row, $0.weight * transitions.weight(from: $0.row, to: Int32(column))) }
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(2)
            .compactMap { catalogue.item(transitions.movies[$0.0])?.title }
        return leading.isEmpty ? "Popular with RecLab users" : "Often watched after " + leading.joined(separator: " and ")
    }
}
