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

/// Movie ids to their positions (a model's rows or columns, the catalogue's entries), looked up
/// with a multiply and a short probe. An answer looks up every movie of the user's history,
/// and `Dictionary`'s SipHash costs several times the probe.
public struct MovieIndex: Sendable {
    /// Open addressing, linear probing, at most half full; an empty slot has position −1.
    private let movies: [MovieID]
    private let positions: [Int32]
    private let shift: UInt64
    public let count: Int

    /// Each of `movies` mapped to its index; of an id given twice, the later index.
    public init(_ movies: [MovieID]) {
        precondition(movies.count < Int(Int32.max), "MovieIndex: \(movies.count) movies do not fit 32-bit positions")
        var capacity = 16
        var bits: UInt64 = 4
        while capacity < 2 * movies.count {
            capacity *= 2
            bits += 1
        }
        shift = 64 - bits
        var slotMovies = [MovieID](repeating: 0, count: capacity)
        var slotPositions = [Int32](repeating: -1, count: capacity)
        var distinct = 0
        for (position, movie) in movies.enumerated() {
            var slot = Self.home(movie, shift)
            while slotPositions[slot] >= 0, slotMovies[slot] != movie { slot = (slot + 1) & (capacity - 1) }
            if slotPositions[slot] < 0 { distinct += 1 }
            slotMovies[slot] = movie
            slotPositions[slot] = Int32(position)
        }
        self.movies = slotMovies
        self.positions = slotPositions
        count = distinct
    }

    /// Fibonacci hashing: the top bits of the id times 2^64/φ, which spreads consecutive ids.
    private static func home(_ movie: MovieID, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: movie) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    public subscript(movie: MovieID) -> Int? {
        let mask = positions.count - 1
        var slot = Self.home(movie, shift)
        while true {
            let position = positions[slot]
            if position < 0 { return nil }
            if movies[slot] == movie { return Int(position) }
            slot = (slot + 1) & mask
        }
    }
}

/// The movies strategies work on, with constant-time lookup by id.
public struct Catalogue: Sendable {
    public let items: [CatalogueItem]
    private let positions: MovieIndex

    public init(_ items: [CatalogueItem]) {
        self.items = items
        positions = MovieIndex(items.map(\.id))
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
