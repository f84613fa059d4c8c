import Foundation
import RecLabCore

/// The SQL every backend reads the catalogue with (plain enough for SQLite and PostgreSQL
/// alike), and the assembly of `Movie` values from its rows.
public enum CatalogueQueries {
    public static let counts = """
        SELECT (SELECT count(*) FROM movies) AS movies,
               (SELECT count(DISTINCT genre_id) FROM movie_genres) AS genres,
               (SELECT count(*) FROM keywords) AS keywords,
               (SELECT count(*) FROM people) AS people,
               (SELECT count(*) FROM ratings) AS ratings,
               (SELECT count(DISTINCT user_id) FROM ratings) AS users
        """

    /// How many people rated each movie (`id`, `audience`): MovieLens ratings plus TMDB's
    /// vote count; and the ratings alone (`ratings`).
    public static let audience = """
        SELECT m.id, COALESCE(r.ratings, 0) AS ratings, COALESCE(r.ratings, 0) + CASE WHEN m.metadata_source IN ('TMDB 5000', 'TMDB API') THEN COALESCE(m.vote_count, 0) ELSE 0 END AS audience
        FROM movies m LEFT JOIN (SELECT movie_id, count(*) AS ratings FROM ratings GROUP BY movie_id) r ON r.movie_id = m.id
        """

    public static let genres = "SELECT id, name FROM genres ORDER BY name"

    /// What a catalogue merge must know of every stored movie (`CatalogueSnapshot.Movie`).
    public static let snapshotMovies = "SELECT id, tmdb_id, imdb_id, movielens_id, title, year, metadata_source FROM movies"

    /// The queries that assemble movies, restricted to `ids` (every movie when nil), each to
    /// be fed to its `MovieAssembly` method in order: MovieLens means, movies, genres,
    /// keywords, cast, crew.
    public struct MovieQueries: Sendable {
        let filter: String?

        public init(ids: [Int64]?) {
            filter = ids.map { "IN (\($0.map(String.init).joined(separator: ",")))" }
        }

        private func movieIDs(_ column: String) -> String { filter.map { "\(column) \($0)" } ?? "1 = 1" }
        /// Sources in order of precedence, so TMDB's keywords come before user tags.
        private let sourceOrder = "CASE source WHEN 'TMDB API' THEN 0 WHEN 'TMDB 5000' THEN 1 WHEN 'IMDB 5000' THEN 2 ELSE 3 END"

        /// Grouped by `movie_id + 0`, not by the column: grouping by the column, SQLite walks
        /// the ratings' movie index and looks every rating up in the table (13 s at 10^7
        /// ratings, against 2.7 s for one scan and a sort).
        public var movieLensMeans: String {
            """
            SELECT movie_id + 0 AS movie_id, avg(rating) AS mean, count(*) AS count FROM ratings
            WHERE \(movieIDs("movie_id")) GROUP BY movie_id + 0
            """
        }
        public var movies: String { "SELECT * FROM movies WHERE \(movieIDs("id"))" }
        public var genres: String {
            """
            SELECT mg.movie_id, g.name FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
            WHERE \(movieIDs("mg.movie_id")) ORDER BY mg.movie_id, mg.position
            """
        }
        public var keywords: String {
            """
            SELECT mk.movie_id, k.name FROM movie_keywords mk JOIN keywords k ON k.id = mk.keyword_id
            WHERE \(movieIDs("mk.movie_id")) ORDER BY mk.movie_id, \(sourceOrder), mk.position
            """
        }
        public var cast: String {
            """
            SELECT c.movie_id, p.name, c."character" FROM movie_cast c JOIN people p ON p.id = c.person_id
            WHERE \(movieIDs("c.movie_id")) ORDER BY c.movie_id, \(sourceOrder), c."order"
            """
        }
        public var crew: String {
            """
            SELECT c.movie_id, p.name, c.job FROM movie_crew c JOIN people p ON p.id = c.person_id
            WHERE \(movieIDs("c.movie_id")) ORDER BY c.movie_id, \(sourceOrder), c.position
            """
        }
    }
}

/// One row of a catalogue query, read by column name, as a backend decodes it.
public protocol CatalogueRow {
    func integer(_ column: String) throws -> Int?
    func real(_ column: String) throws -> Double?
    func text(_ column: String) throws -> String?
    func flag(_ column: String) throws -> Bool
}

extension CatalogueSnapshot.Movie {
    /// A row of `CatalogueQueries.snapshotMovies`.
    public init(row: some CatalogueRow) throws {
        self.init(
            id: Int64(try row.integer("id")!), movieLensID: try row.integer("movielens_id"), tmdbID: try row.integer("tmdb_id"),
            imdbID: try row.text("imdb_id"), title: try row.text("title") ?? "", year: try row.integer("year"),
            source: DatasetKind(rawValue: try row.text("metadata_source") ?? "")!)
    }
}

/// `Movie` values put together from the rows of `CatalogueQueries.MovieQueries`, a source's
/// keywords and people once each, in order of precedence.
public struct MovieAssembly {
    private var movies: [Int64: Movie] = [:]
    private var movieLens: [Int64: (mean: Double, count: Int)] = [:]
    private let decoder = JSONDecoder()

    public init() {}

    public mutating func addMovieLensMean(_ row: some CatalogueRow) throws {
        movieLens[Int64(try row.integer("movie_id")!)] = (try row.real("mean")!, try row.integer("count")!)
    }

    /// Reads after every MovieLens mean: the shown rating falls back on them.
    public mutating func addMovie(_ row: some CatalogueRow) throws {
        func names(_ column: String) throws -> [String] {
            (try? decoder.decode([String].self, from: Data((try row.text(column) ?? "[]").utf8))) ?? []
        }
        let id = Int64(try row.integer("id")!)
        let tmdbVotes = DatasetKind(rawValue: try row.text("metadata_source") ?? "")?.isTMDB == true
        let rating = AudienceRating.shown(
            tmdb: tmdbVotes ? (try row.real("vote_average"), try row.integer("vote_count")) : (nil, nil),
            imdb: (try row.real("imdb_score"), try row.integer("imdb_votes")),
            movieLens: (movieLens[id]?.mean, movieLens[id]?.count ?? 0))
        movies[id] = Movie(
            id: id, tmdbID: try row.integer("tmdb_id"), imdbID: try row.text("imdb_id"), movieLensID: try row.integer("movielens_id"),
            title: try row.text("title") ?? "", originalTitle: try row.text("original_title"), overview: try row.text("overview"),
            releaseDate: try row.text("release_date"), year: try row.integer("year"), runtime: try row.integer("runtime"),
            voteAverage: rating?.average, voteCount: rating?.count, ratingSource: rating?.source, popularity: try row.real("popularity"),
            posterPath: try row.text("poster_path"), backdropPath: try row.text("backdrop_path"),
            originalLanguage: try row.text("original_language"), budget: try row.integer("budget"), revenue: try row.integer("revenue"),
            tagline: try row.text("tagline"), productionCompanies: try names("production_companies"),
            productionCountries: try names("production_countries"), spokenLanguages: try names("spoken_languages"),
            status: try row.text("status"), adult: try row.flag("adult"), video: try row.flag("video"))
    }

    public mutating func addGenre(_ row: some CatalogueRow) throws {
        movies[Int64(try row.integer("movie_id")!)]?.genres.append(try row.text("name")!)
    }

    public mutating func addKeyword(_ row: some CatalogueRow) throws {
        let (id, name) = (Int64(try row.integer("movie_id")!), try row.text("name")!)
        if movies[id]?.keywords.contains(name) == false { movies[id]?.keywords.append(name) }
    }

    public mutating func addCastMember(_ row: some CatalogueRow) throws {
        let (id, name) = (Int64(try row.integer("movie_id")!), try row.text("name")!)
        guard let cast = movies[id]?.cast, !cast.contains(where: { $0.name == name }) else { return }
        movies[id]?.cast.append(CastMember(name: name, character: try row.text("character"), order: cast.count))
    }

    public mutating func addCrewMember(_ row: some CatalogueRow) throws {
        let id = Int64(try row.integer("movie_id")!)
        let member = CrewMember(name: try row.text("name")!, job: try row.text("job")!)
        if movies[id]?.crew.contains(member) == false { movies[id]?.crew.append(member) }
    }

    /// The movies with these ids in their order, or every movie in id order when `ids` is nil.
    public func movies(ids: [Int64]?) -> [Movie] {
        (ids ?? movies.keys.sorted()).compactMap { movies[$0] }
    }
}
