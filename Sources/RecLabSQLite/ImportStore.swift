import Foundation
import GRDB
import RecLabCore
import RecLabStore

extension SQLiteStore: CatalogueImporting {
    public func importDatasets(_ datasets: [Dataset], progress: ImportProgress?) async throws -> CatalogueCounts {
        try await pool.write { db in
            // An import rewrites whole tables and their indexes: with SQLite's default 2 MB page
            // cache, pages of the ratings index are written out and read back again and again.
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -262144")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
            var merge = CatalogueMerge(try SQLiteStatements.snapshot(db), writingTo: SQLiteStatements(db: db))
            for dataset in datasets {
                try merge.merge(dataset, progress: progress)
            }
            try self.recordChange(db, .catalogue)
            return try Self.counts(db)
        }
    }

    public func moviesAwaitingTMDBDetails(limit: Int?) async throws -> [Int] {
        try await pool.read { db in
            try Int.fetchAll(db, sql: """
                SELECT tmdb_id FROM movies
                WHERE tmdb_id IS NOT NULL AND metadata_source <> ? AND tmdb_id NOT IN (SELECT tmdb_id FROM tmdb_not_found)
                ORDER BY id LIMIT ?
                """, arguments: [DatasetKind.tmdbAPI.rawValue, limit ?? -1])
        }
    }

    public func recordUnknownToTMDB(_ tmdbIDs: [Int]) async throws {
        try await pool.write { db in
            for id in tmdbIDs {
                try db.execute(sql: "INSERT OR REPLACE INTO tmdb_not_found (tmdb_id, checked_at) VALUES (?, CURRENT_TIMESTAMP)", arguments: [id])
            }
        }
    }
}

/// The catalogue merge's statements, run at once on the write transaction's connection,
/// each compiled once and reused: most of the import's speed comes from not parsing SQL for
/// every row.
struct SQLiteStatements: CatalogueStatements {
    let db: Database

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        // Typed, so that the non-failable initializer is chosen: passed straight to `execute`'s
        // optional parameter, the array would go to `init?(_: [Any])`, which casts every value,
        // and this runs once per imported row.
        let values: StatementArguments = StatementArguments(arguments.map { $0.databaseValue as (any DatabaseValueConvertible)? })
        try db.cachedStatement(sql: sql).execute(arguments: values)
    }

    /// What the merge must know of the stored catalogue.
    static func snapshot(_ db: Database) throws -> CatalogueSnapshot {
        let movies = try Row.fetchAll(db, sql: CatalogueQueries.snapshotMovies).map(CatalogueSnapshot.Movie.init(row:))
        var keywords: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM keywords") { keywords[row["name"]] = row["id"] }
        var people: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM people") { people[row["name"]] = row["id"] }
        // AUTOINCREMENT remembers ids of deleted movies: they are never given again.
        let lastMovie = max(
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'movies'") ?? 0,
            try Int64.fetchOne(db, sql: "SELECT max(id) FROM movies") ?? 0)
        return CatalogueSnapshot(
            movies: movies, keywords: keywords, people: people, genres: Set(try Int.fetchAll(db, sql: "SELECT id FROM genres")),
            nextMovieID: lastMovie + 1,
            nextKeywordID: (try Int64.fetchOne(db, sql: "SELECT max(id) FROM keywords") ?? 0) + 1,
            nextPersonID: (try Int64.fetchOne(db, sql: "SELECT max(id) FROM people") ?? 0) + 1)
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        }
    }
}
