import Foundation
import GRDB
import RecLabCore
import RecLabStore

/// The SQLite backend of RecLab's repositories: one WAL database through a GRDB pool, so
/// reads run concurrently with each other and with the single writer.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// Announces this store's committed changes to every store on the file.
    let signal: ChangeSignal

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
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: configuration)
        signal = try ChangeSignal(database: path)
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
            var ratings: [MovieID: Int] = [:]
            for row in try Row.fetchAll(db, sql: CatalogueQueries.audience) {
                audience[row["id"]] = row["audience"]
                let rated: Int = row["ratings"]
                if rated > 0 { ratings[row["id"]] = rated }
            }
            return CatalogueContents(
                movies: try MovieLoader.movies(db, ids: nil), audience: audience, ratings: ratings, genres: try Self.genres(db), counts: try Self.counts(db))
        }
    }

    static func genres(_ db: Database) throws -> [Genre] {
        try Row.fetchAll(db, sql: CatalogueQueries.genres).map { Genre(id: $0["id"], name: $0["name"]) }
    }

    public func counts() async throws -> CatalogueCounts {
        try await pool.read { db in try Self.counts(db) }
    }

    static func counts(_ db: Database) throws -> CatalogueCounts {
        let row = try Row.fetchOne(db, sql: CatalogueQueries.counts)!
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
        let queries = CatalogueQueries.MovieQueries(ids: ids)
        var assembly = MovieAssembly()
        for row in try Row.fetchAll(db, sql: queries.movieLensMeans) { try assembly.addMovieLensMean(row) }
        for row in try Row.fetchAll(db, sql: queries.movies) { try assembly.addMovie(row) }
        for row in try Row.fetchAll(db, sql: queries.genres) { try assembly.addGenre(row) }
        for row in try Row.fetchAll(db, sql: queries.keywords) { try assembly.addKeyword(row) }
        for row in try Row.fetchAll(db, sql: queries.cast) { try assembly.addCastMember(row) }
        for row in try Row.fetchAll(db, sql: queries.crew) { try assembly.addCrewMember(row) }
        return assembly.movies(ids: ids)
    }
}

extension Row: CatalogueRow {
    public func integer(_ column: String) -> Int? { self[column] }
    public func real(_ column: String) -> Double? { self[column] }
    public func text(_ column: String) -> String? { self[column] }
    public func flag(_ column: String) -> Bool { self[column] }
}
