import Foundation
import GRDB
import RecLabCore
import RecLabStore

extension SQLiteStore: CatalogueImporting {
    public func importDatasets(_ datasets: [Dataset], progress: ImportProgress?) async throws -> CatalogueCounts {
        try await pool.write { db in
            var writer = try CatalogueWriter(db)
            for dataset in datasets {
                try writer.merge(dataset, progress: progress)
            }
            try Self.recordChange(db, user: nil)
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

/// Merges data sets into the catalogue inside one write transaction.
///
/// A movie is the same movie across data sets when MovieLens's links say so (same TMDB or
/// IMDb id); rows no link covers are matched on normalised title and year. Metadata comes
/// from the highest-precedence source that described the movie; keywords, cast and crew are
/// kept per source, so re-importing a source replaces exactly what it brought.
struct CatalogueWriter {
    let db: Database
    private var byMovieLens: [Int: Int64] = [:]
    private var byTMDB: [Int: Int64] = [:]
    private var byIMDb: [String: Int64] = [:]
    private var byTitleYear: [String: [Int64]] = [:]
    private var precedence: [Int64: Int] = [:]
    /// Each row's MovieLens id: MovieLens lists a few movies twice under one TMDB id, and
    /// those stay two movies, because its ratings (and the evaluation) refer to each.
    private var movieLensIDs: [Int64: Int] = [:]
    private var keywordIDs: [String: Int64] = [:]
    private var personIDs: [String: Int64] = [:]
    private var knownGenres: Set<Int> = []
    private let encoder = JSONEncoder()

    init(_ db: Database) throws {
        self.db = db
        for row in try Row.fetchAll(db, sql: "SELECT id, tmdb_id, imdb_id, movielens_id, title, year, metadata_source FROM movies") {
            let id: Int64 = row["id"]
            remember(id: id, movieLensID: row["movielens_id"], tmdbID: row["tmdb_id"], imdbID: row["imdb_id"])
            byTitleYear[Self.titleKey(row["title"], row["year"]), default: []].append(id)
            precedence[id] = DatasetKind(rawValue: row["metadata_source"])!.metadataPrecedence
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM keywords") { keywordIDs[row["name"]] = row["id"] }
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM people") { personIDs[row["name"]] = row["id"] }
        knownGenres = Set(try Int.fetchAll(db, sql: "SELECT id FROM genres"))
    }

    mutating func merge(_ dataset: Dataset, progress: ImportProgress?) throws {
        let phase = "merging \(dataset.kind.rawValue)"
        for (index, movie) in dataset.movies.enumerated() {
            try merge(movie, from: dataset.kind)
            if index % 500 == 0 { progress?(phase, index, dataset.movies.count) }
        }
        progress?(phase, dataset.movies.count, dataset.movies.count)
        if dataset.kind == .movieLens { try replaceRatings(dataset.ratings, progress: progress) }
    }

    private mutating func merge(_ movie: SourceMovie, from kind: DatasetKind) throws {
        var matches: [Int64] = []
        for id in [movie.movieLensID.flatMap { byMovieLens[$0] }, movie.tmdbID.flatMap { byTMDB[$0] }, movie.imdbID.flatMap { byIMDb[$0] }] {
            if let id, !matches.contains(id) { matches.append(id) }
        }
        if kind == .movieLens {
            matches.removeAll { movieLensIDs[$0].map { $0 != movie.movieLensID } ?? false }
        }
        if matches.isEmpty, kind != .movieLens, let id = try titleYearMatch(movie, kind: kind) { matches = [id] }

        let id: Int64
        if matches.isEmpty {
            id = try insert(movie, kind: kind)
        } else {
            // A link can reveal that two rows, imported separately, are one movie.
            id = matches.max { (precedence[$0] ?? 0) < (precedence[$1] ?? 0) }!
            for other in matches where other != id { try absorb(other, into: id) }
            try attachIDs(movie, to: id)
            if kind.metadataPrecedence >= precedence[id]! { try writeMetadata(movie, kind: kind, id: id) }
        }
        if kind == .imdb {
            // Kept whoever describes the movie: shown when TMDB has no votes for it.
            try run("UPDATE movies SET imdb_score = ?, imdb_votes = ? WHERE id = ?", [movie.voteAverage, movie.voteCount, id])
        }
        try replaceKeywords(movie.keywords, source: kind, movie: id)
        if kind != .movieLens { try replaceCredits(movie, source: kind, movie: id) }
    }

    private func titleYearMatch(_ movie: SourceMovie, kind: DatasetKind) throws -> Int64? {
        let candidates = (byTitleYear[Self.titleKey(movie.title, movie.year)] ?? []) + (movie.originalTitle.map { byTitleYear[Self.titleKey($0, movie.year)] ?? [] } ?? [])
        let free = Set(try candidates.filter { id in
            // Only rows that do not already carry an id from this source can be it.
            let column = kind.isTMDB ? "tmdb_id" : "imdb_id"
            return try Bool.fetchOne(db, sql: "SELECT \(column) IS NULL FROM movies WHERE id = ?", arguments: [id]) ?? false
        })
        return free.count == 1 ? free.first : nil
    }

    private mutating func insert(_ movie: SourceMovie, kind: DatasetKind) throws -> Int64 {
        let movie = withoutTakenIDs(movie, id: nil)
        try run("INSERT INTO movies (title, metadata_source, movielens_id, tmdb_id, imdb_id) VALUES (?, ?, ?, ?, ?)",
            [movie.title, kind.rawValue, movie.movieLensID, movie.tmdbID, movie.imdbID])
        let id = db.lastInsertedRowID
        remember(id: id, movieLensID: movie.movieLensID, tmdbID: movie.tmdbID, imdbID: movie.imdbID)
        try writeMetadata(movie, kind: kind, id: id)
        return id
    }

    private mutating func attachIDs(_ movie: SourceMovie, to id: Int64) throws {
        let movie = withoutTakenIDs(movie, id: id)
        try run("""
            UPDATE movies SET movielens_id = COALESCE(movielens_id, ?), tmdb_id = COALESCE(tmdb_id, ?),
                              imdb_id = COALESCE(imdb_id, ?) WHERE id = ?
            """, [movie.movieLensID, movie.tmdbID, movie.imdbID, id])
        remember(id: id, movieLensID: movie.movieLensID, tmdbID: movie.tmdbID, imdbID: movie.imdbID)
    }

    private mutating func writeMetadata(_ movie: SourceMovie, kind: DatasetKind, id: Int64) throws {
        func json(_ names: [String]) throws -> String { String(decoding: try encoder.encode(names), as: UTF8.self) }
        try run("""
            UPDATE movies SET title = ?, original_title = ?, overview = ?, release_date = ?, year = COALESCE(?, year),
                runtime = ?, vote_average = ?, vote_count = ?, popularity = ?, poster_path = COALESCE(?, poster_path),
                backdrop_path = COALESCE(?, backdrop_path), original_language = ?, budget = ?,
                revenue = ?, tagline = ?, production_companies = ?, production_countries = ?, spoken_languages = ?,
                status = ?, metadata_source = ?
            WHERE id = ?
            """, [
                movie.title, movie.originalTitle, movie.overview, movie.releaseDate, movie.year, movie.runtime,
                movie.voteAverage, movie.voteCount, movie.popularity, movie.posterPath, movie.backdropPath,
                movie.originalLanguage, movie.budget,
                movie.revenue, movie.tagline, try json(movie.productionCompanies), try json(movie.productionCountries),
                try json(movie.spokenLanguages), movie.status, kind.rawValue, id,
            ])
        precedence[id] = kind.metadataPrecedence
        byTitleYear[Self.titleKey(movie.title, movie.year), default: []].append(id)
        try run("DELETE FROM movie_genres WHERE movie_id = ?", [id])
        for (position, genre) in movie.genres.enumerated() {
            if knownGenres.insert(genre.id).inserted {
                try run("INSERT OR IGNORE INTO genres (id, name) VALUES (?, ?)", [genre.id, genre.name])
            }
            try run("INSERT OR IGNORE INTO movie_genres (movie_id, genre_id, position) VALUES (?, ?, ?)",
                [id, genre.id, position])
        }
    }

    private mutating func replaceKeywords(_ keywords: [String], source: DatasetKind, movie id: Int64) throws {
        try run("DELETE FROM movie_keywords WHERE movie_id = ? AND source = ?", [id, source.rawValue])
        for (position, name) in keywords.enumerated() {
            let keyword = try keywordID(name)
            try run("INSERT OR IGNORE INTO movie_keywords (movie_id, keyword_id, source, position) VALUES (?, ?, ?, ?)",
                [id, keyword, source.rawValue, position])
        }
    }

    private mutating func replaceCredits(_ movie: SourceMovie, source: DatasetKind, movie id: Int64) throws {
        try run("DELETE FROM movie_cast WHERE movie_id = ? AND source = ?", [id, source.rawValue])
        try run("DELETE FROM movie_crew WHERE movie_id = ? AND source = ?", [id, source.rawValue])
        for member in movie.cast {
            try run("INSERT OR IGNORE INTO movie_cast (movie_id, person_id, source, character, \"order\") VALUES (?, ?, ?, ?, ?)",
                [id, try personID(member.name), source.rawValue, member.character, member.order])
        }
        for (position, member) in movie.crew.enumerated() {
            try run("INSERT OR IGNORE INTO movie_crew (movie_id, person_id, source, job, position) VALUES (?, ?, ?, ?, ?)",
                [id, try personID(member.name), source.rawValue, member.job, position])
        }
    }

    private mutating func replaceRatings(_ ratings: [RatingRecord], progress: ImportProgress?) throws {
        try db.execute(sql: "DELETE FROM ratings")
        let statement = try db.cachedStatement(sql: "INSERT INTO ratings (user_id, movie_id, rating, timestamp) VALUES (?, ?, ?, ?)")
        for (index, rating) in ratings.enumerated() {
            guard let movie = byMovieLens[rating.movieLensID] else { continue }
            try statement.execute(arguments: [rating.userID, movie, rating.rating, rating.timestamp])
            if index % 10_000 == 0 { progress?("loading ratings", index, ratings.count) }
        }
        progress?("loading ratings", ratings.count, ratings.count)
    }

    /// Moves everything attached to `other` onto `id` and deletes `other`.
    private mutating func absorb(_ other: Int64, into id: Int64) throws {
        let ids = try Row.fetchOne(db, sql: "SELECT movielens_id, tmdb_id, imdb_id FROM movies WHERE id = ?", arguments: [other])!
        for table in ["movie_keywords", "movie_cast", "movie_crew", "ratings", "user_preferences"] {
            try db.execute(sql: "UPDATE OR IGNORE \(table) SET movie_id = ? WHERE movie_id = ?", arguments: [id, other])
        }
        try run("DELETE FROM movies WHERE id = ?", [other])
        byMovieLens = byMovieLens.filter { $0.value != other }
        byTMDB = byTMDB.filter { $0.value != other }
        byIMDb = byIMDb.filter { $0.value != other }
        movieLensIDs[other] = nil
        var ghost = SourceMovie(title: "")
        ghost.movieLensID = ids["movielens_id"]
        ghost.tmdbID = ids["tmdb_id"]
        ghost.imdbID = ids["imdb_id"]
        try attachIDs(ghost, to: id)
        precedence[other] = nil
    }

    private mutating func remember(id: Int64, movieLensID: Int?, tmdbID: Int?, imdbID: String?) {
        if let movieLensID, byMovieLens[movieLensID] == nil, movieLensIDs[id] == nil {
            byMovieLens[movieLensID] = id
            movieLensIDs[id] = movieLensID
        }
        if let tmdbID, byTMDB[tmdbID] == nil { byTMDB[tmdbID] = id }
        if let imdbID, byIMDb[imdbID] == nil { byIMDb[imdbID] = id }
    }

    /// The movie without the ids another row already holds (they are unique columns).
    private func withoutTakenIDs(_ movie: SourceMovie, id: Int64?) -> SourceMovie {
        var movie = movie
        if let other = movie.tmdbID.flatMap({ byTMDB[$0] }), other != id { movie.tmdbID = nil }
        if let other = movie.imdbID.flatMap({ byIMDb[$0] }), other != id { movie.imdbID = nil }
        if let other = movie.movieLensID.flatMap({ byMovieLens[$0] }), other != id { movie.movieLensID = nil }
        return movie
    }

    private mutating func keywordID(_ name: String) throws -> Int64 {
        if let id = keywordIDs[name] { return id }
        try run("INSERT INTO keywords (name) VALUES (?)", [name])
        keywordIDs[name] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }

    private mutating func personID(_ name: String) throws -> Int64 {
        if let id = personIDs[name] { return id }
        try run("INSERT INTO people (name) VALUES (?)", [name])
        personIDs[name] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }

    /// Runs a statement of the per-movie loop, compiled once and reused: most of the import's
    /// speed comes from not parsing SQL for every row.
    private func run(_ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Title (see `SearchText.titleKey`) and year: how rows that no link joins are matched.
    static func titleKey(_ title: String, _ year: Int?) -> String {
        "\(SearchText.titleKey(title))|\(year.map(String.init) ?? "")"
    }
}
