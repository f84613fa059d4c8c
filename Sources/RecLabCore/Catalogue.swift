/// The catalogue's own id for a movie (`movies.id`); TMDB, IMDb and MovieLens ids are
/// attributes, since not every movie has each.
public typealias MovieID = Int64

/// What a strategy may know of a movie: its identity, content and audience figures.
public struct CatalogueItem: Sendable, Hashable {
    public var id: MovieID
    public var tmdbID: Int?
    public var movieLensID: Int?
    public var title: String
    public var year: Int?
    public var releaseDate: String?
    public var overview: String
    public var tagline: String
    public var genres: [Genre]
    public var keywords: [String]
    /// Leading actors, in credit order.
    public var cast: [String]
    public var directors: [String]
    public var productionCompanies: [String]
    public var runtime: Int?
    /// TMDB's vote average (0–10) and count, when TMDB describes the movie.
    public var voteAverage: Double?
    public var voteCount: Int?
    /// TMDB's popularity score, when TMDB describes the movie.
    public var popularity: Double?
    public var posterPath: String?
    public var backdropPath: String?
    /// The rating clients are shown, from any source (see `RatingSource`); strategies
    /// that learn from votes use `voteAverage` and `voteCount`, TMDB's alone, one scale.
    public var shownRating: AudienceRating?

    public init(
        id: MovieID, tmdbID: Int? = nil, movieLensID: Int? = nil, title: String, year: Int? = nil,
        releaseDate: String? = nil, overview: String = "", tagline: String = "", genres: [Genre] = [],
        keywords: [String] = [], cast: [String] = [], directors: [String] = [], productionCompanies: [String] = [],
        runtime: Int? = nil, voteAverage: Double? = nil, voteCount: Int? = nil, popularity: Double? = nil,
        posterPath: String? = nil, backdropPath: String? = nil, shownRating: AudienceRating? = nil
    ) {
        self.id = id
        self.tmdbID = tmdbID
        self.movieLensID = movieLensID
        self.title = title
        self.year = year
        self.releaseDate = releaseDate
        self.overview = overview
        self.tagline = tagline
        self.genres = genres
        self.keywords = keywords
        self.cast = cast
        self.directors = directors
        self.productionCompanies = productionCompanies
        self.runtime = runtime
        self.voteAverage = voteAverage
        self.voteCount = voteCount
        self.popularity = popularity
        self.posterPath = posterPath
        self.backdropPath = backdropPath
        self.shownRating = shownRating
    }
}

extension Dictionary where Value == Int {
    /// Each of `keys` (distinct) mapped to its index: a model's lookup from movie id to its
    /// row or column.
    public init(positionsOf keys: [Key]) {
        self.init(minimumCapacity: keys.count)
        for (position, key) in keys.enumerated() { self[key] = position }
    }
}

/// The movies strategies work on, with constant-time lookup by id.
public struct Catalogue: Sendable {
    public let items: [CatalogueItem]
    private let positions: [MovieID: Int]

    public init(_ items: [CatalogueItem]) {
        self.items = items
        var positions: [MovieID: Int] = [:]
        positions.reserveCapacity(items.count)
        for (position, item) in items.enumerated() { positions[item.id] = position }
        self.positions = positions
    }

    public func item(_ id: MovieID) -> CatalogueItem? { positions[id].map { items[$0] } }
    public func position(of id: MovieID) -> Int? { positions[id] }
    public var count: Int { items.count }
}

/// One user's interaction with a movie: a rating, or a preference turned into one.
public struct Interaction: Sendable, Hashable {
    public var user: String
    public var movie: MovieID
    /// The strength of the interaction on the 0.5–5 rating scale.
    public var rating: Float
    /// Seconds since 1970.
    public var timestamp: Int64

    public init(user: String, movie: MovieID, rating: Float, timestamp: Int64) {
        self.user = user
        self.movie = movie
        self.rating = rating
        self.timestamp = timestamp
    }

    /// Ratings at or above this count as "liked" (the evaluation's relevance threshold).
    public static let likedThreshold: Float = 4.0
    public var isLiked: Bool { rating >= Self.likedThreshold }
}

/// What strategies fit on: the catalogue and every interaction (ratings and preferences).
public struct TrainingData: Sendable {
    public let catalogue: Catalogue
    public let interactions: [Interaction]

    public init(catalogue: Catalogue, interactions: [Interaction]) {
        self.catalogue = catalogue
        self.interactions = interactions
    }

    /// Each user's interactions, users in order of first appearance.
    public func interactionsByUser() -> [(user: String, interactions: [Interaction])] {
        var order: [String] = []
        var groups: [String: [Interaction]] = [:]
        for interaction in interactions {
            if groups[interaction.user] == nil { order.append(interaction.user) }
            groups[interaction.user, default: []].append(interaction)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
