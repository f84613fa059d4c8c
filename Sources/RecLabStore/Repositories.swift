import Foundation
import RecLabCore

/// Read access to the movie catalogue.
public protocol MovieRepository: Sendable {
    /// The movie with this TMDB id, with genres, keywords, cast and crew.
    func movie(tmdbID: Int) async throws -> Movie?
    /// Full-text search over titles, keywords, people and overviews, best match first.
    func movies(matching query: String, page: Int, pageSize: Int) async throws -> SearchResults
    /// Every genre of the catalogue, in TMDB's order.
    func genres() async throws -> [Genre]
    /// How much the catalogue holds.
    func counts() async throws -> CatalogueCounts
}

/// Writes imported data sets into the catalogue.
public protocol CatalogueImporting: Sendable {
    /// Merges the data sets into the catalogue in one transaction: all of them or nothing.
    /// Importing the same data again changes nothing.
    func importDatasets(_ datasets: [Dataset], progress: ImportProgress?) async throws -> CatalogueCounts
}

/// One page of search results.
public struct SearchResults: Sendable {
    public var movies: [Movie]
    public var totalResults: Int

    public init(movies: [Movie], totalResults: Int) {
        self.movies = movies
        self.totalResults = totalResults
    }
}

/// The size of the catalogue.
public struct CatalogueCounts: Sendable, Equatable, Codable {
    public var movies: Int
    public var genres: Int
    public var keywords: Int
    public var people: Int
    public var ratings: Int
    public var ratingUsers: Int

    public init(movies: Int, genres: Int, keywords: Int, people: Int, ratings: Int, ratingUsers: Int) {
        self.movies = movies
        self.genres = genres
        self.keywords = keywords
        self.people = people
        self.ratings = ratings
        self.ratingUsers = ratingUsers
    }

    enum CodingKeys: String, CodingKey {
        case movies, genres, keywords, people, ratings
        case ratingUsers = "rating_users"
    }
}

/// Reports how far a long step has come: a phase name, items done, items in all.
public typealias ImportProgress = @Sendable (_ phase: String, _ done: Int, _ total: Int) -> Void
