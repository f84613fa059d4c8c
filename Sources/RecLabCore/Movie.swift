/// A movie of the catalogue, with every field of the seed's Movie model plus the ids that
/// join it to MovieLens and IMDb.
public struct Movie: Codable, Sendable, Hashable {
    public var id: Int64
    @Nullable public var tmdbID: Int? = nil
    @Nullable public var imdbID: String? = nil
    @Nullable public var movieLensID: Int? = nil
    public var title: String
    @Nullable public var originalTitle: String? = nil
    @Nullable public var overview: String? = nil
    public var genres: [String]
    @Nullable public var releaseDate: String? = nil
    /// The release year; the only date MovieLens knows for movies TMDB lacks.
    @Nullable public var year: Int? = nil
    @Nullable public var runtime: Int? = nil
    @Nullable public var voteAverage: Double? = nil
    @Nullable public var voteCount: Int? = nil
    /// Whose votes `voteAverage` and `voteCount` are; nil when no source rated the movie.
    @Nullable public var ratingSource: RatingSource? = nil
    @Nullable public var popularity: Double? = nil
    @Nullable public var posterPath: String? = nil
    @Nullable public var backdropPath: String? = nil
    @Nullable public var originalLanguage: String? = nil
    @Nullable public var budget: Int? = nil
    @Nullable public var revenue: Int? = nil
    @Nullable public var tagline: String? = nil
    public var keywords: [String]
    public var cast: [CastMember]
    public var crew: [CrewMember]
    public var productionCompanies: [String]
    public var productionCountries: [String]
    public var spokenLanguages: [String]
    @Nullable public var status: String? = nil
    public var adult: Bool
    public var video: Bool

    public init(
        id: Int64, tmdbID: Int? = nil, imdbID: String? = nil, movieLensID: Int? = nil,
        title: String, originalTitle: String? = nil, overview: String? = nil, genres: [String] = [],
        releaseDate: String? = nil, year: Int? = nil, runtime: Int? = nil, voteAverage: Double? = nil,
        voteCount: Int? = nil, ratingSource: RatingSource? = nil, popularity: Double? = nil, posterPath: String? = nil,
        backdropPath: String? = nil, originalLanguage: String? = nil, budget: Int? = nil,
        revenue: Int? = nil, tagline: String? = nil, keywords: [String] = [], cast: [CastMember] = [],
        crew: [CrewMember] = [], productionCompanies: [String] = [], productionCountries: [String] = [],
        spokenLanguages: [String] = [], status: String? = nil, adult: Bool = false, video: Bool = false
    ) {
        self.id = id
        self.tmdbID = tmdbID
        self.imdbID = imdbID
        self.movieLensID = movieLensID
        self.title = title
        self.originalTitle = originalTitle
        self.overview = overview
        self.genres = genres
        self.releaseDate = releaseDate
        self.year = year
        self.runtime = runtime
        self.voteAverage = voteAverage
        self.voteCount = voteCount
        self.ratingSource = ratingSource
        self.popularity = popularity
        self.posterPath = posterPath
        self.backdropPath = backdropPath
        self.originalLanguage = originalLanguage
        self.budget = budget
        self.revenue = revenue
        self.tagline = tagline
        self.keywords = keywords
        self.cast = cast
        self.crew = crew
        self.productionCompanies = productionCompanies
        self.productionCountries = productionCountries
        self.spokenLanguages = spokenLanguages
        self.status = status
        self.adult = adult
        self.video = video
    }

    /// Every field by `SnakeCaseKeys`, but MovieLens's id: the seed's field is `movielens_id`.
    enum CodingKeys: String, CodingKey {
        case id, title, overview, genres, year, runtime, popularity, budget, revenue, tagline
        case keywords, cast, crew, status, adult, video
        case tmdbID, imdbID, originalTitle, releaseDate, voteAverage, voteCount, ratingSource, posterPath, backdropPath
        case originalLanguage, productionCompanies, productionCountries, spokenLanguages
        case movieLensID = "movielensID"
    }

    /// The rating the movie shows, with its source; nil when no source rated it.
    public var shownRating: AudienceRating? {
        guard let voteAverage, let ratingSource else { return nil }
        return AudienceRating(average: voteAverage, count: voteCount ?? 0, source: ratingSource)
    }

    /// The people credited as directors, in credit order.
    public var directors: [String] { crew.filter { $0.job == "Director" }.map(\.name) }
}

/// Whose audience rating a movie shows, best first: TMDB's votes, else IMDb's score and votes,
/// else the MovieLens ratings' mean rescaled to TMDB's 0–10.
public enum RatingSource: String, Codable, Sendable, Hashable {
    case tmdb
    case imdb
    case movieLens = "movielens"
}

/// A movie's audience rating on TMDB's 0–10 scale, and whose it is.
public struct AudienceRating: Sendable, Hashable {
    public var average: Double
    public var count: Int
    public var source: RatingSource

    public init(average: Double, count: Int, source: RatingSource) {
        self.average = average
        self.count = count
        self.source = source
    }

    /// The rating a movie shows: the first source, in `RatingSource`'s order, that has votes.
    /// A MovieLens mean (0.5–5 stars) is doubled onto the 0–10 scale.
    public static func shown(
        tmdb: (average: Double?, count: Int?), imdb: (average: Double?, count: Int?), movieLens: (mean: Double?, count: Int)
    ) -> AudienceRating? {
        if let average = tmdb.average, let count = tmdb.count, count > 0 { return AudienceRating(average: average, count: count, source: .tmdb) }
        if let average = imdb.average, let count = imdb.count, count > 0 { return AudienceRating(average: average, count: count, source: .imdb) }
        if let mean = movieLens.mean, movieLens.count > 0 {
            return AudienceRating(average: (mean * 2 * 10).rounded() / 10, count: movieLens.count, source: .movieLens)
        }
        return nil
    }
}

/// An actor's credit on a movie.
public struct CastMember: Codable, Sendable, Hashable {
    public var name: String
    @Nullable public var character: String? = nil
    public var order: Int

    public init(name: String, character: String? = nil, order: Int) {
        self.name = name
        self.character = character
        self.order = order
    }
}

/// A crew credit on a movie (director, writer, composer, …).
public struct CrewMember: Codable, Sendable, Hashable {
    public var name: String
    public var job: String

    public init(name: String, job: String) {
        self.name = name
        self.job = job
    }
}
