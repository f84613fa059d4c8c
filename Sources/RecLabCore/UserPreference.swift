import Foundation

/// A user's stated preference for a movie (the seed's UserPreference): a rating and flags.
public struct UserPreference: Codable, Sendable, Equatable {
    public var id: String
    public var userID: String
    /// The movie's TMDB id, as the API names movies.
    public var movieID: Int
    @Nullable public var rating: Double? = nil
    public var favorite: Bool
    public var watchlist: Bool
    public var watched: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, userID: String, movieID: Int, rating: Double?, favorite: Bool, watchlist: Bool, watched: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.userID = userID
        self.movieID = movieID
        self.rating = rating
        self.favorite = favorite
        self.watchlist = watchlist
        self.watched = watched
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }


    /// The preference as an interaction strength on the rating scale: the rating when given;
    /// otherwise a favourite counts as loved (5), a watched movie as mildly liked (3.5), a
    /// watchlist entry as interest (3).
    public static func interactionRating(rating: Double?, favorite: Bool, watchlist: Bool, watched: Bool) -> Float? {
        if let rating { return Float(rating) }
        if favorite { return 5 }
        if watched { return 3.5 }
        if watchlist { return 3 }
        return nil
    }
}
