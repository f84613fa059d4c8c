/// A movie of the catalogue, with every field of the seed's Movie model plus the ids that
/// join it to MovieLens and IMDb.
public struct Movie: Codable, Sendable, Hashable {
    public var id: Int64
    public var tmdbID: Int?
    public var imdbID: String?
    public var movieLensID: Int?
    public var title: String
    public var originalTitle: String?
    public var overview: String?
    public var genres: [String]
    public var releaseDate: String?
    /// The release year; the only date MovieLens knows for movies TMDB lacks.
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
    public var keywords: [String]
    public var cast: [CastMember]
    public var crew: [CrewMember]
    public var productionCompanies: [String]
    public var productionCountries: [String]
    public var spokenLanguages: [String]
    public var status: String?
    public var adult: Bool
    public var video: Bool

    public init(
        id: Int64, tmdbID: Int? = nil, imdbID: String? = nil, movieLensID: Int? = nil,
        title: String, originalTitle: String? = nil, overview: String? = nil, genres: [String] = [],
        releaseDate: String? = nil, year: Int? = nil, runtime: Int? = nil, voteAverage: Double? = nil,
        voteCount: Int? = nil, popularity: Double? = nil, posterPath: String? = nil,
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

    enum CodingKeys: String, CodingKey {
        case id, title, overview, genres, year, runtime, popularity, budget, revenue, tagline
        case keywords, cast, crew, status, adult, video
        case tmdbID = "tmdb_id"
        case imdbID = "imdb_id"
        case movieLensID = "movielens_id"
        case originalTitle = "original_title"
        case releaseDate = "release_date"
        case voteAverage = "vote_average"
        case voteCount = "vote_count"
        case posterPath = "poster_path"
        case backdropPath = "backdrop_path"
        case originalLanguage = "original_language"
        case productionCompanies = "production_companies"
        case productionCountries = "production_countries"
        case spokenLanguages = "spoken_languages"
    }

    /// Writes every field, absent ones as `null`, so clients always see the seed's whole shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(tmdbID, forKey: .tmdbID)
        try container.encode(imdbID, forKey: .imdbID)
        try container.encode(movieLensID, forKey: .movieLensID)
        try container.encode(title, forKey: .title)
        try container.encode(originalTitle, forKey: .originalTitle)
        try container.encode(overview, forKey: .overview)
        try container.encode(genres, forKey: .genres)
        try container.encode(releaseDate, forKey: .releaseDate)
        try container.encode(year, forKey: .year)
        try container.encode(runtime, forKey: .runtime)
        try container.encode(voteAverage, forKey: .voteAverage)
        try container.encode(voteCount, forKey: .voteCount)
        try container.encode(popularity, forKey: .popularity)
        try container.encode(posterPath, forKey: .posterPath)
        try container.encode(backdropPath, forKey: .backdropPath)
        try container.encode(originalLanguage, forKey: .originalLanguage)
        try container.encode(budget, forKey: .budget)
        try container.encode(revenue, forKey: .revenue)
        try container.encode(tagline, forKey: .tagline)
        try container.encode(keywords, forKey: .keywords)
        try container.encode(cast, forKey: .cast)
        try container.encode(crew, forKey: .crew)
        try container.encode(productionCompanies, forKey: .productionCompanies)
        try container.encode(productionCountries, forKey: .productionCountries)
        try container.encode(spokenLanguages, forKey: .spokenLanguages)
        try container.encode(status, forKey: .status)
        try container.encode(adult, forKey: .adult)
        try container.encode(video, forKey: .video)
    }

    /// The people credited as directors, in credit order.
    public var directors: [String] { crew.filter { $0.job == "Director" }.map(\.name) }
}

/// An actor's credit on a movie.
public struct CastMember: Codable, Sendable, Hashable {
    public var name: String
    public var character: String?
    public var order: Int

    public init(name: String, character: String? = nil, order: Int) {
        self.name = name
        self.character = character
        self.order = order
    }

    enum CodingKeys: String, CodingKey {
        case name, character, order
    }

    /// Writes `character` as `null` when unknown (IMDb names actors, not their roles).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(character, forKey: .character)
        try container.encode(order, forKey: .order)
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
