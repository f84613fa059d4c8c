/// The movies of a model that scores all of them at once into one array (SLIST, GRU4Rec):
/// their ids ascending, their rating counts, and how an answer is read off the scores, the
/// most-rated movies filling what the scores leave.
public struct ScoredMovies: Sendable {
    public let movies: [MovieID]
    public let positions: MovieIndex
    public let counts: [Int32]
    private let catalogue: Catalogue
    /// By position: the movie's place in `catalogue`, −1 for a movie it lacks.
    private let entries: [Int]
    /// The most-rated movies first, for users the model knows nothing of.
    private let byCount: [Int]
    /// Positions of the movies the catalogue lacks, scored out of every answer.
    private let absent: [Int]

    /// The reason of a movie picked for its popularity.
    public static let popularReason = "Popular with RecLab users"

    /// "Because you watched Inception and Memento"; the popular reason when no title led to it.
    public static func reason(watched titles: [String]) -> String {
        titles.isEmpty ? popularReason : "Because you watched " + titles.joined(separator: " and ")
    }

    public init(movies: [MovieID], counts: [Int32], catalogue: Catalogue) {
        self.movies = movies
        self.counts = counts
        positions = MovieIndex(movies)
        self.catalogue = catalogue
        let entries = movies.map { catalogue.position(of: $0) ?? -1 }
        self.entries = entries
        byCount = movies.indices.sorted { (counts[$0], $1) > (counts[$1], $0) }
        absent = movies.indices.filter { entries[$0] < 0 }
    }

    /// The request's picks: the best of `scores` (one per position, nil when the model has
    /// nothing to go on), then the most-rated movies below them up to the limit.
    public func answer(_ request: RecommendationRequest, scores: [Float]?, reason: (MovieID) -> String) -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        var picks: [Recommendation] = []
        if var scores {
            // The history's movies and what the request excludes are never admitted: −∞ keeps
            // them out of the leaders in the one pass.
            for movie in request.excluded { if let position = positions[movie] { scores[position] = -.infinity } }
            for position in absent { scores[position] = -.infinity }
            let leaders = scores.withUnsafeBufferPointer { scores in request.bestAdmitted(scores: scores) { admits(request, $0) } }
            picks = leaders.map { pick in
                let movie = movies[pick.position]
                return Recommendation(movie: movie, score: Double(pick.score), reason: request.wantsReasons ? reason(movie) : "")
            }
        }
        if picks.count < request.limit {
            let chosen = Set(picks.map(\.movie))
            let floor = (picks.map(\.score).min() ?? 0) - 1
            let most = Double(counts[byCount.first ?? 0])
            for position in byCount where picks.count < request.limit {
                let movie = movies[position]
                guard !chosen.contains(movie), admits(request, position) else { continue }
                picks.append(Recommendation(movie: movie, score: floor - 1 + Double(counts[position]) / max(most, 1), reason: Self.popularReason))
            }
        }
        return picks
    }

    /// Whether the request admits the movie at `position`, its catalogue entry read in place.
    private func admits(_ request: RecommendationRequest, _ position: Int) -> Bool {
        entries[position] >= 0 && request.admits(entry: entries[position], in: catalogue)
    }
}
