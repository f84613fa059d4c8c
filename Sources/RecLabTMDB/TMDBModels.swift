import Foundation

/// One page of a TMDB list (`/trending`, `/search`): TMDB pages by 20 and serves at most 500 pages.
public struct TMDBPage<Item: Decodable & Sendable>: Decodable, Sendable {
    public let page: Int
    public let results: [Item]
    public let totalPages: Int
    public let totalResults: Int

    /// The last page TMDB will serve, whatever `total_pages` says.
    public static var maximumPage: Int { 500 }
}

/// A movie as TMDB lists it (trending, search results): the fields RecLab reads, nothing more.
public struct TMDBMovie: Decodable, Sendable, Equatable {
    public let id: Int
    public let title: String
    public let originalTitle: String?
    public let overview: String?
    /// `YYYY-MM-DD`, or empty when TMDB has none.
    public let releaseDate: String?
    public let popularity: Double?
    public let voteAverage: Double?
    public let voteCount: Int?
    public let posterPath: String?
    public let backdropPath: String?
    public let genreIds: [Int]?
    public let originalLanguage: String?
    /// `movie` on `/trending/all`; absent on the movie-only endpoints RecLab calls.
    public let mediaType: String?
}

/// A genre in TMDB's list (`/genre/movie/list`, a movie's `genres`).
public struct TMDBGenre: Decodable, Sendable, Equatable {
    public let id: Int
    public let name: String

    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// A movie's details, with `append_to_response=credits,keywords`.
public struct TMDBMovieDetails: Decodable, Sendable {
    public struct Company: Decodable, Sendable { public let id: Int; public let name: String }
    /// `iso_3166_1` in TMDB's JSON.
    public struct Country: Decodable, Sendable { public let iso31661: String; public let name: String }
    /// `iso_639_1` in TMDB's JSON.
    public struct Language: Decodable, Sendable { public let iso6391: String; public let name: String? }
    public struct CastMember: Decodable, Sendable { public let id: Int; public let name: String; public let character: String?; public let order: Int? }
    public struct CrewMember: Decodable, Sendable { public let id: Int; public let name: String; public let job: String?; public let department: String? }
    public struct Credits: Decodable, Sendable { public let cast: [CastMember]; public let crew: [CrewMember] }
    public struct Keyword: Decodable, Sendable { public let id: Int; public let name: String }
    public struct Keywords: Decodable, Sendable { public let keywords: [Keyword] }

    public let id: Int
    public let title: String
    public let originalTitle: String?
    public let overview: String?
    public let tagline: String?
    public let releaseDate: String?
    public let runtime: Int?
    public let popularity: Double?
    public let voteAverage: Double?
    public let voteCount: Int?
    public let posterPath: String?
    public let backdropPath: String?
    public let genres: [TMDBGenre]
    public let originalLanguage: String?
    public let imdbId: String?
    public let status: String?
    public let budget: Int?
    public let revenue: Int?
    public let homepage: String?
    public let productionCompanies: [Company]?
    public let productionCountries: [Country]?
    public let spokenLanguages: [Language]?
    public let credits: Credits?
    public let keywords: Keywords?
}

/// Where TMDB's images are served from, and in which sizes (`/configuration`).
public struct TMDBImageConfiguration: Decodable, Sendable, Equatable {
    public let secureBaseUrl: String
    public let posterSizes: [String]
    public let backdropSizes: [String]
}

/// The body TMDB sends with an error: `{"status_code": 7, "status_message": "Invalid API key…"}`.
public struct TMDBStatus: Decodable, Sendable, Equatable, CustomStringConvertible {
    public let statusCode: Int
    public let statusMessage: String

    public init(statusCode: Int, statusMessage: String) {
        self.statusCode = statusCode
        self.statusMessage = statusMessage
    }

    public var description: String { "TMDB status \(statusCode): \(statusMessage)" }
}
