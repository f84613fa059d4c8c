import Foundation
import RecLabCore

/// The public data sets RecLab knows how to import.
public enum DatasetKind: String, Sendable, CaseIterable, Codable {
    case movieLens = "MovieLens"
    case tmdb = "TMDB 5000"
    case imdb = "IMDB 5000"
    /// Movies fetched from TMDB's API: live details, search results, `reclab import tmdb`.
    case tmdbAPI = "TMDB API"

    /// Which source's metadata wins when two describe the same movie: TMDB's is the richest
    /// and is the API's own vocabulary (and its API is newer than the 2017 snapshot), IMDb's
    /// beats MovieLens's bare title and genres.
    public var metadataPrecedence: Int {
        switch self {
        case .movieLens: 0
        case .imdb: 1
        case .tmdb: 2
        case .tmdbAPI: 3
        }
    }

    /// Whether the data comes from TMDB, so its id is the one to match and its votes are TMDB's.
    public var isTMDB: Bool { self == .tmdb || self == .tmdbAPI }
}

/// A movie as one data set describes it, before it is merged into the catalogue.
public struct SourceMovie: Sendable, Equatable {
    public var movieLensID: Int?
    public var tmdbID: Int?
    /// IMDb id in its canonical `tt0000000` form.
    public var imdbID: String?
    public var title: String
    public var originalTitle: String?
    public var overview: String?
    public var genres: [Genre] = []
    public var releaseDate: String?
    public var year: Int?
    public var runtime: Int?
    public var voteAverage: Double?
    public var voteCount: Int?
    public var popularity: Double?
    public var posterPath: String?
    public var backdropPath: String?
    public var originalLanguage: String?
    public var budget: Int?
    public var revenue: Int?
    public var tagline: String?
    public var keywords: [String] = []
    public var cast: [CastMember] = []
    public var crew: [CrewMember] = []
    public var productionCompanies: [String] = []
    public var productionCountries: [String] = []
    public var spokenLanguages: [String] = []
    public var status: String?

    public init(title: String) {
        self.title = title
    }
}

/// A MovieLens user's rating of a MovieLens movie.
public struct RatingRecord: Sendable, Equatable {
    public var userID: Int
    public var movieLensID: Int
    public var rating: Double
    public var timestamp: Int

    public init(userID: Int, movieLensID: Int, rating: Double, timestamp: Int) {
        self.userID = userID
        self.movieLensID = movieLensID
        self.rating = rating
        self.timestamp = timestamp
    }
}

/// One data set read from disk and checked, ready to be merged into the catalogue.
public struct Dataset: Sendable {
    public var kind: DatasetKind
    public var location: URL
    public var movies: [SourceMovie]
    public var ratings: [RatingRecord]
    /// How many raw rows fed `movies` (IMDB 5000 has duplicates, MovieLens has tags).
    public var rowsRead: Int

    public init(kind: DatasetKind, location: URL, movies: [SourceMovie], ratings: [RatingRecord] = [], rowsRead: Int) {
        self.kind = kind
        self.location = location
        self.movies = movies
        self.ratings = ratings
        self.rowsRead = rowsRead
    }
}

/// Whether a rating is one of MovieLens's half stars, 0.5 to 5.0.
public func isHalfStarRating(_ rating: Double) -> Bool {
    rating >= 0.5 && rating <= 5.0 && (rating * 2).rounded() == rating * 2
}
