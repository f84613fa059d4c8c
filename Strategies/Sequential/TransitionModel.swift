import Foundation
import RecLabCore

/// Answers from the transitions of the user's latest movies: score(j) = Σ over the movies i at
/// positions k < `last_items` of 2^(−k / history_half_life) · T[i][j], k counting the user's
/// ratings strictly newer than i (`RecencyPositions`). A class, as `PersonalizedModel` is, so
/// the closures of an answer capture one reference.
final class TransitionModel: HistoryLedModel {
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

    func answer(_ request: RecommendationRequest, from starts: [(row: Int, weight: Float)]) -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        var scores = [Float](repeating: 0, count: transitions.movies.count)
        var touched: [Int32] = []
        for (row, weight) in starts {
            for entry in transitions.rowStart[row]..<transitions.rowStart[row + 1] {
                let column = Int(transitions.columns[entry])
                if scores[column] == 0 { touched.append(Int32(column)) }
                scores[column] += weight * transitions.weights[entry]
            }
        }
        // What the request excludes scores NaN and is passed over before the selection, so a
        // long history does not crowd the leaders the request's filter then looks at.
        for movie in request.excluded {
            if let position = transitions.positions[movie] { scores[position] = .nan }
        }
        let leaders = request.bestAdmitted(
            touched, movie: { transitions.movies[Int($0)] },
            score: { column in
                let column = Int(column)
                guard inCatalogue[column], !request.requireTMDBID || hasTMDBID[column], !scores[column].isNaN else { return nil }
                return Double(scores[column])
            },
            admitted: { request.admits($0, in: catalogue) })
        var picks = leaders.map { pick in
            Recommendation(movie: pick.movie, score: pick.score, reason: request.wantsReasons ? reason(for: pick.movie, from: starts) : "")
        }
        // Too few followers (or no known history): the most-rated movies fill the rest, below them.
        if picks.count < request.limit {
            let chosen = Set(picks.map(\.movie))
            let most = Double(transitions.counts[byCount.first ?? 0])
            for position in byCount where picks.count < request.limit {
                let movie = transitions.movies[position]
                guard !chosen.contains(movie), request.admits(movie, in: catalogue) else { continue }
                picks.append(Recommendation(
                    movie: movie, score: 1e-6 * Double(transitions.counts[position]) / max(most, 1), reason: "Popular with RecLab users"))
            }
        }
        return picks
    }

    /// The user's movies the model knows among their last `last_items` ratings, each with its
    /// weight. Position counts every rating kept (known to the model or not): a newer movie
    /// nobody else rated still makes the older ones less recent. Counting items, not seconds,
    /// keeps a bulk of ratings from one second from outweighing the single movies after it.
    func latestMovies(_ history: [Interaction]) -> [(row: Int, weight: Float)] {
        let minimum = Float(parameters.minRating)
        return RecencyPositions.latest(history.filter { $0.rating >= minimum }, within: parameters.lastItems).compactMap { latest in
            transitions.positions[latest.interaction.movie].map { ($0, Float(exp2(-Double(latest.position) / parameters.historyHalfLife))) }
        }
    }

    /// "Often watched after Inception and Memento": the two latest movies that lead to it most.
    func reason(for movie: MovieID, from starts: [(row: Int, weight: Float)]) -> String {
        guard let column = transitions.positions[movie] else { return "Popular with RecLab users" }
        let leading = starts.map { ($0.row, $0.weight * transitions.weight(from: $0.row, to: Int32(column))) }
            .filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(2)
            .compactMap { catalogue.item(transitions.movies[$0.0])?.title }
        return leading.isEmpty ? "Popular with RecLab users" : "Often watched after " + leading.joined(separator: " and ")
    }
}
