import Foundation
import RecLabCore
import RecLabStore

extension SourceMovie {
    /// The crew jobs kept from TMDB's full credits: the ones a reader (and the content
    /// strategy) cares about, not the hundreds of other credits of a large production.
    static let keptCrewDepartments: Set<String> = ["Directing", "Writing"]
    static let keptCrewJobs: Set<String> = ["Producer", "Original Music Composer", "Director of Photography", "Editor"]
    /// Leading actors kept, in billing order.
    static let keptCast = 20

    /// A movie as TMDB's `/movie/{id}` describes it, with credits and keywords, ready to be
    /// merged into the catalogue as `DatasetKind.tmdbAPI`.
    public init(tmdb details: TMDBMovieDetails) {
        self.init(listed: details)
        imdbID = details.imdbId.flatMap { $0.hasPrefix("tt") ? $0 : nil }
        genres = details.genres.map(Self.genre)
        runtime = details.runtime.flatMap { $0 > 0 ? $0 : nil }
        // TMDB records an unknown budget or revenue as 0, as in TMDB 5000.
        budget = details.budget.flatMap { $0 > 0 ? $0 : nil }
        revenue = details.revenue.flatMap { $0 > 0 ? $0 : nil }
        tagline = details.tagline.flatMap { $0.isEmpty ? nil : $0 }
        status = details.status
        keywords = details.keywords?.keywords.map { $0.name.lowercased() } ?? []
        cast = (details.credits?.cast ?? [])
            .sorted { ($0.order ?? .max) < ($1.order ?? .max) }
            .prefix(Self.keptCast)
            .enumerated().map { CastMember(name: $1.name, character: $1.character, order: $0) }
        crew = (details.credits?.crew ?? []).compactMap { member in
            guard let job = member.job, Self.keptCrewDepartments.contains(member.department ?? "") || Self.keptCrewJobs.contains(job) else {
                return nil
            }
            return CrewMember(name: member.name, job: job)
        }
        productionCompanies = details.productionCompanies?.map(\.name) ?? []
        productionCountries = details.productionCountries?.map(\.name) ?? []
        spokenLanguages = details.spokenLanguages?.map { language in language.name.flatMap { $0.isEmpty ? nil : $0 } ?? language.iso6391 } ?? []
    }

    /// A movie as TMDB lists it (a search result): what the list carries, until its details
    /// are fetched.
    public init(tmdb listed: TMDBMovie) {
        self.init(listed: listed)
        genres = (listed.genreIds ?? []).compactMap { id in GenreCatalog.tmdb.first { $0.id == id } }
    }

    /// The fields a list item and the details share.
    private init(listed movie: some TMDBListedFields) {
        self.init(title: movie.title)
        tmdbID = movie.id
        originalTitle = movie.originalTitle
        overview = movie.overview.flatMap { $0.isEmpty ? nil : $0 }
        if let date = movie.releaseDate, date.count == 10, let year = Int(date.prefix(4)) {
            releaseDate = date
            self.year = year
        }
        voteAverage = movie.voteAverage
        voteCount = movie.voteCount
        popularity = movie.popularity
        posterPath = movie.posterPath
        backdropPath = movie.backdropPath
        originalLanguage = movie.originalLanguage
    }

    private static func genre(_ genre: TMDBGenre) -> Genre {
        GenreCatalog.tmdb.first { $0.id == genre.id } ?? Genre(id: genre.id, name: genre.name)
    }
}

/// What TMDB says of a movie both in lists and in its details.
protocol TMDBListedFields {
    var id: Int { get }
    var title: String { get }
    var originalTitle: String? { get }
    var overview: String? { get }
    var releaseDate: String? { get }
    var popularity: Double? { get }
    var voteAverage: Double? { get }
    var voteCount: Int? { get }
    var posterPath: String? { get }
    var backdropPath: String? { get }
    var originalLanguage: String? { get }
}

extension TMDBMovie: TMDBListedFields {}
extension TMDBMovieDetails: TMDBListedFields {}
