import Foundation
import GRDB
import RecLabCore
import RecLabStore

/// The SQLite backend of RecLab's repositories: one WAL database through a GRDB pool, so
/// reads run concurrently with each other and with the single writer.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // An acknowledged write (a preference) must survive a crash of the process or
            // of the machine: FULL syncs the WAL at every commit.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
    }

    /// The names of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// Copies the whole database, consistently while it is in use, to a new file at `path`
    /// (SQLite's online backup), and opens the copy.
    public func copy(to path: String) async throws -> SQLiteStore {
        let copy = try DatabaseQueue(path: path)
        // Inside GRDB's async read, on its own queue: a synchronous backup here would hold a
        // thread of the cooperative pool while it waits for a reader.
        try await pool.read { db in try copy.writeWithoutTransaction { try db.backup(to: $0) } }
        try copy.close()
        return try SQLiteStore(path: path)
    }

    /// Whether the database answers a trivial query.
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

extension SQLiteStore: MovieRepository {
    public func movie(tmdbID: Int) async throws -> Movie? {
        try await pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM movies WHERE tmdb_id = ?", arguments: [tmdbID]) else {
                return nil
            }
            return try MovieLoader.movies(db, ids: [id]).first
        }
    }

    public func genres() async throws -> [Genre] {
        try await pool.read { db in try Self.genres(db) }
    }

    public func contents() async throws -> CatalogueContents {
        try await pool.read { db in
            var audience: [MovieID: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.id, COALESCE(r.ratings, 0) + CASE WHEN m.metadata_source IN ('TMDB 5000', 'TMDB API') THEN COALESCE(m.vote_count, 0) ELSE 0 END AS audience
                FROM movies m LEFT JOIN (SELECT movie_id, count(*) AS ratings FROM ratings GROUP BY movie_id) r ON r.movie_id = m.id
                """) {
                audience[row["id"]] = row["audience"]
            }
            return CatalogueContents(
                movies: try MovieLoader.movies(db, ids: nil), audience: audience, genres: try Self.genres(db), counts: try Self.counts(db))
        }
    }

    static func genres(_ db: Database) throws -> [Genre] {
        try Row.fetchAll(db, sql: "SELECT id, name FROM genres ORDER BY name").map { Genre(id: $0["id"], name: $0["name"]) }
    }

    public func counts() async throws -> CatalogueCounts {
        try await pool.read { db in try Self.counts(db) }
    }

    static func counts(_ db: Database) throws -> CatalogueCounts {
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT count(*) FROM movies) AS movies,
                   (SELECT count(DISTINCT genre_id) FROM movie_genres) AS genres,
                   (SELECT count(*) FROM keywords) AS keywords,
                   (SELECT count(*) FROM people) AS people,
                   (SELECT count(*) FROM ratings) AS ratings,
                   (SELECT count(DISTINCT user_id) FROM ratings) AS users
            """)!
        return CatalogueCounts(
            movies: row["movies"], genres: row["genres"], keywords: row["keywords"],
            people: row["people"], ratings: row["ratings"], ratingUsers: row["users"])
    }
}

/// Assembles `Movie` values from the normalised tables, a batch of ids (or all) at a time.
enum MovieLoader {
    /// The movies with these ids in their order, or every movie in id order when `ids` is nil.
    static func movies(_ db: Database, ids: [Int64]?) throws -> [Movie] {
        if ids?.isEmpty == true { return [] }
        let filter = ids.map { "IN (\($0.map(String.init).joined(separator: ",")))" }
        func movieIDs(_ column: String) -> String { filter.map { "\(column) \($0)" } ?? "1" }
        var movies: [Int64: Movie] = [:]
        let decoder = JSONDecoder()
        func names(_ json: String) -> [String] { (try? decoder.decode([String].self, from: Data(json.utf8))) ?? [] }
        var movieLens: [Int64: (mean: Double, count: Int)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT movie_id, avg(rating) AS mean, count(*) AS count FROM ratings WHERE \(movieIDs("movie_id")) GROUP BY movie_id
            """) {
            movieLens[row["movie_id"]] = (row["mean"], row["count"])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM movies WHERE \(movieIDs("id"))") {
            let id: Int64 = row["id"]
            let tmdbVotes = DatasetKind(rawValue: row["metadata_source"])?.isTMDB == true
            let rating = AudienceRating.shown(
                tmdb: tmdbVotes ? (row["vote_average"], row["vote_count"]) : (nil, nil),
                imdb: (row["imdb_score"], row["imdb_votes"]),
                movieLens: (movieLens[id]?.mean, movieLens[id]?.count ?? 0))
            movies[id] = Movie(
                id: id, tmdbID: row["tmdb_id"], imdbID: row["imdb_id"], movieLensID: row["movielens_id"],
                title: row["title"], originalTitle: row["original_title"], overview: row["overview"],
                releaseDate: row["release_date"], year: row["year"], runtime: row["runtime"],
                voteAverage: rating?.average, voteCount: rating?.count, ratingSource: rating?.source, popularity: row["popularity"],
                posterPath: row["poster_path"], backdropPath: row["backdrop_path"],
                originalLanguage: row["original_language"], budget: row["budget"], revenue: row["revenue"],
                tagline: row["tagline"], productionCompanies: names(row["production_companies"]),
                productionCountries: names(row["production_countries"]), spokenLanguages: names(row["spoken_languages"]),
                status: row["status"], adult: row["adult"], video: row["video"])
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT mg.movie_id, g.name FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
            WHERE \(movieIDs("mg.movie_id")) ORDER BY mg.movie_id, mg.position
            """) {
            movies[row["movie_id"]]?.genres.append(row["name"])
        }
        // Sources in order of precedence, so TMDB's keywords come before user tags.
        let sourceOrder = "CASE source WHEN 'TMDB API' THEN 0 WHEN 'TMDB 5000' THEN 1 WHEN 'IMDB 5000' THEN 2 ELSE 3 END"
        for row in try Row.fetchAll(db, sql: """
            SELECT mk.movie_id, k.name FROM movie_keywords mk JOIN keywords k ON k.id = mk.keyword_id
            WHERE \(movieIDs("mk.movie_id")) ORDER BY mk.movie_id, \(sourceOrder), mk.position
            """) {
            let name: String = row["name"]
            let id: Int64 = row["movie_id"]
            if movies[id]?.keywords.contains(name) == false { movies[id]?.keywords.append(name) }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT c.movie_id, p.name, c.character, c."order" FROM movie_cast c JOIN people p ON p.id = c.person_id
            WHERE \(movieIDs("c.movie_id")) ORDER BY c.movie_id, \(sourceOrder), c."order"
            """) {
            let id: Int64 = row["movie_id"]
            let name: String = row["name"]
            guard let cast = movies[id]?.cast, !cast.contains(where: { $0.name == name }) else { continue }
            movies[id]?.cast.append(CastMember(name: name, character: row["character"], order: cast.count))
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT c.movie_id, p.name, c.job FROM movie_crew c JOIN people p ON p.id = c.person_id
            WHERE \(movieIDs("c.movie_id")) ORDER BY c.movie_id, \(sourceOrder), c.position
            """) {
            let member = CrewMember(name: row["name"], job: row["job"])
            let id: Int64 = row["movie_id"]
            if movies[id]?.crew.contains(member) == false { movies[id]?.crew.append(member) }
        }
        return (ids ?? movies.keys.sorted()).compactMap { movies[$0] }
    }
}
