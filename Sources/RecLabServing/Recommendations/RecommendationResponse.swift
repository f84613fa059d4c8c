import Foundation
import RecLabCore

/// The seed's recommendation answer: the movies, why each, which strategy answered, when.
struct RecommendationResponse: Encodable, Sendable {
    /// One recommended movie with the fields clients show.
    struct Item: Codable, Sendable {
        @Nullable var movieID: Int? = nil
        let title: String
        let score: Double
        let reason: String
        @Nullable var posterPath: String? = nil
        @Nullable var posterURL: String? = nil
        @Nullable var releaseDate: String? = nil
        @Nullable var voteAverage: Double? = nil
        /// In an interleaved answer, the variant credited for this movie; absent otherwise.
        var team: String? = nil
    }

    let type: String
    let strategy: String
    let strategyInstance: String
    // The question's seed, user, genre and window: left out when the question had none.
    let movieID: Int?
    let userID: String?
    let genre: Genre?
    let timeWindow: String?
    /// Trending only: whose list this is, `tmdb` or `local`.
    var source: String? = nil
    let recommendations: [Item]
    let totalCount: Int
    let generatedAt: Date
    /// Names this answer, so feedback events can say which answer showed a movie.
    var requestID: String
    /// The experiment and variant that served this answer; null when the user is in none, so
    /// a client always sees whether one did.
    @Nullable var experiment: String? = nil
    @Nullable var variant: String? = nil
}
