import Foundation
import RecLabCore

/// The seed's recommendation answer: the movies, why each, which strategy answered, when.
/// Written by `AnswerJSON`; `Encodable` is what that writer is held to.
public struct RecommendationResponse: Encodable, Sendable {
    /// One recommended movie with the fields clients show.
    public struct Item: Codable, Sendable {
        @Nullable public var movieID: Int? = nil
        public let title: String
        public let score: Double
        public let reason: String
        @Nullable public var posterPath: String? = nil
        @Nullable public var posterURL: String? = nil
        @Nullable public var releaseDate: String? = nil
        @Nullable public var voteAverage: Double? = nil
        /// In an interleaved answer, the variant credited for this movie; absent otherwise.
        public var team: String? = nil
    }

    public let type: String
    public let strategy: String
    public let strategyInstance: String
    // The question's seed, user, genre and window: left out when the question had none.
    public let movieID: Int?
    public let userID: String?
    public let genre: Genre?
    public let timeWindow: String?
    /// Trending only: whose list this is, `tmdb` or `local`.
    public var source: String?
    /// Why the list is empty, when it is (the caller's controls left nothing, or the strategy
    /// had nothing to give); absent otherwise.
    public var reason: String?
    public let recommendations: [Item]
    public let totalCount: Int
    public let generatedAt: Date
    /// Names this answer, so feedback events can say which answer showed a movie.
    public var requestID: String
    /// The experiment and variant that served this answer; null when the user is in none, so
    /// a client always sees whether one did.
    @Nullable public var experiment: String?
    @Nullable public var variant: String?

    public init(
        type: String, strategy: String, strategyInstance: String, movieID: Int?, userID: String?, genre: Genre?, timeWindow: String?,
        source: String? = nil, reason: String? = nil, recommendations: [Item], totalCount: Int, generatedAt: Date, requestID: String, experiment: String? = nil,
        variant: String? = nil
    ) {
        self.type = type
        self.strategy = strategy
        self.strategyInstance = strategyInstance
        self.movieID = movieID
        self.userID = userID
        self.genre = genre
        self.timeWindow = timeWindow
        self.source = source
        self.reason = reason
        self.recommendations = recommendations
        self.totalCount = totalCount
        self.generatedAt = generatedAt
        self.requestID = requestID
        self.experiment = experiment
        self.variant = variant
    }
}
