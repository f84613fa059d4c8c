import Foundation
import Logging
import PostgresNIO
import RecLabCore
import RecLabStore

extension PostgresStore: MovieRepository {
    public func movie(tmdbID: Int) async throws -> Movie? {
        try await client.withConnection { connection in
            guard let id = try await rows("SELECT id FROM movies WHERE tmdb_id = \(tmdbID)", on: connection).first?.get("id", as: Int64.self) else {
                return nil
            }
            return try await PostgresMovieLoader(store: self, connection: connection).movies(ids: [id]).first
        }
    }

    public func genres() async throws -> [Genre] {
        try await client.withConnection { connection in try await genres(on: connection) }
    }

    func genres(on connection: PostgresConnection) async throws -> [Genre] {
        try await rows(PostgresQuery(unsafeSQL: CatalogueQueries.genres), on: connection).map { Genre(id: try $0.get("id"), name: try $0.get("name")) }
    }

    public func contents() async throws -> CatalogueContents {
        try await snapshotRead { connection in
            var audience: [MovieID: Int] = [:]
            var ratings: [MovieID: Int] = [:]
            for row in try await rows(PostgresQuery(unsafeSQL: CatalogueQueries.audience), on: connection) {
                audience[try row.get("id")] = try row.get("audience", as: Int.self)
                let rated = try row.get("ratings", as: Int.self)
                if rated > 0 { ratings[try row.get("id")] = rated }
            }
            return CatalogueContents(
                movies: try await PostgresMovieLoader(store: self, connection: connection).movies(ids: nil), audience: audience, ratings: ratings,
                genres: try await genres(on: connection), counts: try await counts(on: connection))
        }
    }

    public func counts() async throws -> CatalogueCounts {
        try await client.withConnection { connection in try await counts(on: connection) }
    }

    func counts(on connection: PostgresConnection) async throws -> CatalogueCounts {
        let row = try await rows(PostgresQuery(unsafeSQL: CatalogueQueries.counts), on: connection)[0]
        return CatalogueCounts(
            movies: try row.get("movies"), genres: try row.get("genres"), keywords: try row.get("keywords"),
            people: try row.get("people"), ratings: try row.get("ratings"), ratingUsers: try row.get("users"))
    }
}

/// Assembles `Movie` values from the normalised tables, a batch of ids (or all) at a time.
struct PostgresMovieLoader {
    let store: PostgresStore
    let connection: PostgresConnection

    /// The movies with these ids in their order, or every movie in id order when `ids` is nil.
    func movies(ids: [Int64]?) async throws -> [Movie] {
        if ids?.isEmpty == true { return [] }
        let queries = CatalogueQueries.MovieQueries(ids: ids)
        var assembly = MovieAssembly()
        func rows(_ sql: String) async throws -> [PostgresRandomAccessRow] {
            try await store.rows(PostgresQuery(unsafeSQL: sql), on: connection)
        }
        for row in try await rows(queries.movieLensMeans) { try assembly.addMovieLensMean(row) }
        for row in try await rows(queries.movies) { try assembly.addMovie(row) }
        for row in try await rows(queries.genres) { try assembly.addGenre(row) }
        for row in try await rows(queries.keywords) { try assembly.addKeyword(row) }
        for row in try await rows(queries.cast) { try assembly.addCastMember(row) }
        for row in try await rows(queries.crew) { try assembly.addCrewMember(row) }
        return assembly.movies(ids: ids)
    }
}

extension PostgresRandomAccessRow: CatalogueRow {
    public func integer(_ column: String) throws -> Int? { try get(column) }
    public func real(_ column: String) throws -> Double? { try get(column) }
    public func text(_ column: String) throws -> String? { try get(column) }
    public func flag(_ column: String) throws -> Bool { try get(column) }
}

extension PostgresStore: CatalogueImporting {
    public func importDatasets(_ datasets: [Dataset], progress: ImportProgress?) async throws -> CatalogueCounts {
        try await transaction { connection in
            // One import at a time across replicas: each merges into what the last one left.
            try await connection.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.catalogue))", logger: logger)
            var merge = CatalogueMerge(try await snapshot(on: connection), writingTo: PostgresStatements())
            for dataset in datasets {
                try merge.merge(dataset, progress: progress)
                try await merge.statements.flush(on: connection, logger: logger)
            }
            if merge.nextMovieID > 1 {
                try await connection.query("SELECT setval('movie_ids', \(merge.nextMovieID - 1))", logger: logger)
            }
            let counts = try await counts(on: connection)
            try await recordChange(.catalogue, on: connection)
            return counts
        }
    }

    /// What the merge must know of the stored catalogue.
    func snapshot(on connection: PostgresConnection) async throws -> CatalogueSnapshot {
        let movies = try await rows(PostgresQuery(unsafeSQL: CatalogueQueries.snapshotMovies), on: connection).map(CatalogueSnapshot.Movie.init(row:))
        var keywords: [String: Int64] = [:]
        for row in try await rows("SELECT id, name FROM keywords", on: connection) { keywords[try row.get("name")] = try row.get("id") }
        var people: [String: Int64] = [:]
        for row in try await rows("SELECT id, name FROM people", on: connection) { people[try row.get("name")] = try row.get("id") }
        let genres = try await rows("SELECT id FROM genres", on: connection).map { try $0.get("id", as: Int.self) }
        let last = try await rows("""
            SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM movie_ids) AS movie,
                   (SELECT COALESCE(max(id), 0) FROM keywords) AS keyword, (SELECT COALESCE(max(id), 0) FROM people) AS person
            """, on: connection)[0]
        return CatalogueSnapshot(
            movies: movies, keywords: keywords, people: people, genres: Set(genres),
            nextMovieID: try last.get("movie", as: Int64.self) + 1, nextKeywordID: try last.get("keyword", as: Int64.self) + 1,
            nextPersonID: try last.get("person", as: Int64.self) + 1)
    }

    public func moviesAwaitingTMDBDetails(limit: Int?) async throws -> [Int] {
        try await rows("""
            SELECT tmdb_id FROM movies
            WHERE tmdb_id IS NOT NULL AND metadata_source <> \(DatasetKind.tmdbAPI.rawValue) AND tmdb_id NOT IN (SELECT tmdb_id FROM tmdb_not_found)
            ORDER BY id LIMIT \(limit.map(Int64.init))
            """).map { try $0.get("tmdb_id") }
    }

    public func recordUnknownToTMDB(_ tmdbIDs: [Int]) async throws {
        guard !tmdbIDs.isEmpty else { return }
        try await client.query("""
            INSERT INTO tmdb_not_found (tmdb_id) SELECT unnest(\(tmdbIDs.map(Int64.init)))
            ON CONFLICT (tmdb_id) DO UPDATE SET checked_at = now()
            """, logger: logger)
    }
}

/// The catalogue merge's statements, kept and sent when a data set is merged. Between two
/// statements that are not INSERTs, the INSERTs are sent parent tables first and each table's
/// in order (they commute otherwise: new rows, or ON CONFLICT DO NOTHING), and the ones alike
/// go as one multi-row statement: a data set costs thousands of round trips, not hundreds of
/// thousands.
struct PostgresStatements: CatalogueStatements {
    private var pending: [(sql: String, arguments: [SQLValue])] = []

    mutating func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        pending.append((sql, arguments))
    }

    /// PostgreSQL takes at most 65,535 parameters in one statement.
    static let parameterLimit = 65_535
    /// Tables other rows refer to: their new rows go first.
    static let parents: Set<String> = ["movies", "genres", "keywords", "people"]

    mutating func flush(on connection: PostgresConnection, logger: Logger) async throws {
        var start = 0
        while start < pending.count {
            guard pending[start].sql.hasPrefix("INSERT INTO ") else {
                try await connection.execute(pending[start].sql, pending[start].arguments, logger: logger)
                start += 1
                continue
            }
            var end = start
            while end < pending.count, pending[end].sql.hasPrefix("INSERT INTO ") { end += 1 }
            var runs: [(sql: String, rows: [[SQLValue]])] = []
            var runIndex: [String: Int] = [:]
            for (sql, arguments) in pending[start..<end] {
                if let index = runIndex[sql] {
                    runs[index].rows.append(arguments)
                } else {
                    runIndex[sql] = runs.count
                    runs.append((sql, [arguments]))
                }
            }
            // Stable: parents first, then in order of first appearance.
            let ordered = runs.enumerated().sorted { left, right in
                let (l, r) = (Self.parents.contains(Self.table(left.element.sql)), Self.parents.contains(Self.table(right.element.sql)))
                return l != r ? l : left.offset < right.offset
            }
            for (_, run) in ordered {
                for (sql, arguments) in Self.batched(run.sql, rows: run.rows) {
                    try await connection.execute(sql, arguments, logger: logger)
                }
            }
            start = end
        }
        pending.removeAll(keepingCapacity: false)
    }

    /// The table an `INSERT INTO table …` writes.
    static func table(_ sql: String) -> String {
        String(sql.dropFirst("INSERT INTO ".count).prefix { $0 != " " && $0 != "(" })
    }

    /// Where the parenthesis open before `start` closes.
    static func closingParenthesis(in sql: String, after start: String.Index) -> String.Index? {
        var depth = 1
        var index = start
        while index < sql.endIndex {
            switch sql[index] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index = sql.index(after: index)
        }
        return nil
    }

    /// `sql`, an INSERT of one row (`VALUES (?, …)`), run for every row of `rows`: as few
    /// multi-row statements as the parameter limit allows.
    static func batched(_ sql: String, rows: [[SQLValue]]) -> [(sql: String, arguments: [SQLValue])] {
        guard rows.count > 1, let values = sql.range(of: "VALUES ("), let close = closingParenthesis(in: sql, after: values.upperBound) else {
            return rows.map { (sql, $0) }
        }
        let row = String(sql[sql.index(before: values.upperBound)...close])
        let head = String(sql[..<values.lowerBound]) + "VALUES "
        let tail = String(sql[sql.index(after: close)...])
        let perStatement = max(parameterLimit / max(rows[0].count, 1), 1)
        return stride(from: 0, to: rows.count, by: perStatement).map { first in
            let chunk = rows[first..<min(first + perStatement, rows.count)]
            return (head + Array(repeating: row, count: chunk.count).joined(separator: ", ") + tail, chunk.flatMap { $0 })
        }
    }
}
