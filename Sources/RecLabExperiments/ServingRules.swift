import RecLabCore

/// Why a recommendation question gets no answer, in domain terms; the HTTP layer gives each
/// its status and message.
public enum ServingError: Error, Equatable {
    /// No generation of models has been fitted yet.
    case modelsNotReady
    /// The seed movie is not in the catalogue.
    case unknownMovie(tmdbID: Int)
    /// The serving strategy cannot answer this kind of question (no seed, no genre…).
    case cannotRecommend(strategy: String, RecommendationError)
    /// A forced variant the enrolling experiment does not have.
    case unknownVariant(experiment: String, variant: String, known: [String])
}

/// The serving rules the server and `reclab experiments simulate` share, so a simulated user
/// is served as a real one would be: which variant answers a user on a surface, and what an
/// answer leaves out.
public enum ServingRules {
    /// The running experiment on `surface` that enrols the user, and what it serves them (or
    /// the `forced` variant alone); nil when the surface's own instance serves them.
    public static func arm(
        for user: String, on surface: Surface, interactions: Int, forced: String?, among experiments: [Experiment]
    ) throws(ServingError) -> (experiment: Experiment, arm: Arm)? {
        for experiment in experiments where experiment.status == .running && experiment.surface == surface {
            if let forced {
                guard let variant = experiment.variants.first(where: { $0.name == forced }) else {
                    throw .unknownVariant(experiment: experiment.id, variant: forced, known: experiment.variants.map(\.name))
                }
                return (experiment, .variant(variant))
            }
            if let arm = experiment.arm(userID: user, interactions: interactions) {
                return (experiment, arm)
            }
        }
        return nil
    }

    /// The request a model answers: at most `limit` movies with a TMDB id (the API's identity
    /// for movies), none of `excluded` (nor, as for every request, of the history or the seed).
    public static func request(
        limit: Int, user: String? = nil, history: [Interaction] = [], seed: MovieID? = nil, genre: Genre? = nil,
        timeWindow: TimeWindow? = nil, excluding excluded: Set<MovieID> = []
    ) -> RecommendationRequest {
        RecommendationRequest(
            userID: user, history: history, seedMovie: seed, genre: genre, timeWindow: timeWindow, limit: limit, excluded: excluded,
            requireTMDBID: true)
    }
}
