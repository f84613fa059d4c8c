/// A model that answers from the user's latest movies (the transitions, SLIST, GRU4Rec): it says which of its rows those movies are, what they score together
/// and why a movie was picked; asking for the reasons later is the same for all of them.
public protocol HistoryLedModel: FittedModel {
    /// What the model reads of a history once per answer: by default the movies it knows,
    /// newest first, each as the model's row with its weight.
    associatedtype Reading = [(row: Int, weight: Float)]
    /// The user's movies the model knows, newest first, as the model reads them.
    func latestMovies(_ history: [Interaction]) -> Reading
    /// The request's picks from those movies, with reasons when the request wants them.
    func answer(_ request: RecommendationRequest, from starts: Reading) -> [Recommendation]
    /// Why `movie` follows from those movies.
    func reason(for movie: MovieID, from starts: Reading) -> String
}

extension HistoryLedModel {
    public func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        answer(request, from: latestMovies(request.history))
    }

    /// The picks with scores alone; their reasons from the latest movies already found.
    public func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        var bare = request
        bare.wantsReasons = false
        let starts = latestMovies(request.history)
        return DeferredAnswer(answer(bare, from: starts)) { movies in
            Dictionary(movies.map { ($0, self.reason(for: $0, from: starts)) }) { first, _ in first }
        }
    }
}

extension RecencyPositions {
    /// `history`'s interactions among its `limit` latest positions, newest first, each movie
    /// once (where it was rated last), with its position. Position counts every interaction
    /// given (known to a model or not), and ratings of one second share one.
    public static func latest(_ history: [Interaction], within limit: Int) -> [(interaction: Interaction, position: Int)] {
        let positions = RecencyPositions(history)
        var latest: [(interaction: Interaction, position: Int)] = []
        var seen = Set<MovieID>()
        // Newest first, so positions only grow: the first one past `limit` ends the walk.
        for interaction in history.sorted(by: { $0.timestamp > $1.timestamp }) {
            let position = positions.position(of: interaction.timestamp)
            if position >= limit { break }
            if seen.insert(interaction.movie).inserted { latest.append((interaction, position)) }
        }
        return latest
    }
}
