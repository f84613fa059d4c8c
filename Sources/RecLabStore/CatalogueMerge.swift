import Foundation
import RecLabCore

/// A value bound to a statement, in the types every backend stores.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
}

/// Where a catalogue merge writes: statements in SQL both backends accept, with `?`
/// placeholders, in the order they must run. A backend may run each at once or batch them.
public protocol CatalogueStatements {
    mutating func execute(_ sql: String, _ arguments: [SQLValue]) throws
}

/// What a merge must know of the stored catalogue before it starts, read by the backend
/// inside the transaction (or under the lock) the merge writes in.
public struct CatalogueSnapshot: Sendable {
    /// One stored movie's identity.
    public struct Movie: Sendable {
        public var id: Int64
        public var movieLensID: Int?
        public var tmdbID: Int?
        public var imdbID: String?
        public var title: String
        public var year: Int?
        public var source: DatasetKind

        public init(id: Int64, movieLensID: Int?, tmdbID: Int?, imdbID: String?, title: String, year: Int?, source: DatasetKind) {
            self.id = id
            self.movieLensID = movieLensID
            self.tmdbID = tmdbID
            self.imdbID = imdbID
            self.title = title
            self.year = year
            self.source = source
        }
    }

    public var movies: [Movie]
    public var keywords: [String: Int64]
    public var people: [String: Int64]
    public var genres: Set<Int>
    /// Above every id the store ever gave a movie, keyword or person: the merge names new
    /// rows itself, so a backend can send its statements without waiting for each answer.
    public var nextMovieID: Int64
    public var nextKeywordID: Int64
    public var nextPersonID: Int64

    public init(
        movies: [Movie], keywords: [String: Int64], people: [String: Int64], genres: Set<Int>,
        nextMovieID: Int64, nextKeywordID: Int64, nextPersonID: Int64
    ) {
        self.movies = movies
        self.keywords = keywords
        self.people = people
        self.genres = genres
        self.nextMovieID = nextMovieID
        self.nextKeywordID = nextKeywordID
        self.nextPersonID = nextPersonID
    }
}

/// Merges data sets into the stored catalogue, whatever the backend.
///
/// A movie is the same movie across data sets when MovieLens's links say so (same TMDB or
/// IMDb id); rows no link covers are matched on normalised title and year. Metadata comes
/// from the highest-precedence source that described the movie; keywords, cast and crew are
/// kept per source, so re-importing a source replaces exactly what it brought.
public struct CatalogueMerge<Statements: CatalogueStatements> {
    /// Where the statements go; a backend that batches them sends them between data sets.
    public var statements: Statements
    /// The stored id columns of every movie, as the statements leave them.
    private var stored: [Int64: (movieLensID: Int?, tmdbID: Int?, imdbID: String?)] = [:]
    private var byMovieLens: [Int: Int64] = [:]
    private var byTMDB: [Int: Int64] = [:]
    private var byIMDb: [String: Int64] = [:]
    private var byTitleYear: [String: [Int64]] = [:]
    private var precedence: [Int64: Int] = [:]
    /// Each row's MovieLens id: MovieLens lists a few movies twice under one TMDB id, and
    /// those stay two movies, because its ratings (and the evaluation) refer to each.
    private var movieLensIDs: [Int64: Int] = [:]
    private var keywordIDs: [String: Int64]
    private var personIDs: [String: Int64]
    private var knownGenres: Set<Int>
    /// Movies this merge made, and which of their rows (table and source) it wrote: rows it
    /// knows to be absent need no delete, which spares a backend a round trip per movie.
    private var fresh: Set<Int64> = []
    private var written: [Int64: Set<String>] = [:]
    public private(set) var nextMovieID: Int64
    public private(set) var nextKeywordID: Int64
    public private(set) var nextPersonID: Int64
    private let encoder = JSONEncoder()

    public init(_ snapshot: CatalogueSnapshot, writingTo statements: Statements) {
        self.statements = statements
        keywordIDs = snapshot.keywords
        personIDs = snapshot.people
        knownGenres = snapshot.genres
        nextMovieID = snapshot.nextMovieID
        nextKeywordID = snapshot.nextKeywordID
        nextPersonID = snapshot.nextPersonID
        for movie in snapshot.movies {
            stored[movie.id] = (movie.movieLensID, movie.tmdbID, movie.imdbID)
            remember(id: movie.id, movieLensID: movie.movieLensID, tmdbID: movie.tmdbID, imdbID: movie.imdbID)
            byTitleYear[Self.titleKey(movie.title, movie.year), default: []].append(movie.id)
            precedence[movie.id] = movie.source.metadataPrecedence
        }
    }

    public mutating func merge(_ dataset: Dataset, progress: ImportProgress?) throws {
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
        if matches.isEmpty, kind != .movieLens, let id = titleYearMatch(movie, kind: kind) { matches = [id] }

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
            try run("UPDATE movies SET imdb_score = ?, imdb_votes = ? WHERE id = ?", [SQLValue(movie.voteAverage), SQLValue(movie.voteCount), .integer(id)])
        }
        try replaceKeywords(movie.keywords, source: kind, movie: id)
        if kind != .movieLens { try replaceCredits(movie, source: kind, movie: id) }
    }

    private func titleYearMatch(_ movie: SourceMovie, kind: DatasetKind) -> Int64? {
        let candidates = (byTitleYear[Self.titleKey(movie.title, movie.year)] ?? []) + (movie.originalTitle.map { byTitleYear[Self.titleKey($0, movie.year)] ?? [] } ?? [])
        // Only rows that do not already carry an id from this source can be it.
        let free = Set(candidates.filter { id in
            guard let ids = stored[id] else { return false }
            return kind.isTMDB ? ids.tmdbID == nil : ids.imdbID == nil
        })
        return free.count == 1 ? free.first : nil
    }

    private mutating func insert(_ movie: SourceMovie, kind: DatasetKind) throws -> Int64 {
        let movie = withoutTakenIDs(movie, id: nil)
        let id = nextMovieID
        nextMovieID += 1
        // The whole row in one INSERT: a backend that batches sends a data set's new movies
        // as a few statements.
        let columns = ["id", "movielens_id", "tmdb_id", "imdb_id"] + Self.metadataColumns
        try run("INSERT INTO movies (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            [.integer(id), SQLValue(movie.movieLensID), SQLValue(movie.tmdbID), SQLValue(movie.imdbID)] + (try metadata(movie, kind: kind)))
        stored[id] = (movie.movieLensID, movie.tmdbID, movie.imdbID)
        fresh.insert(id)
        remember(id: id, movieLensID: movie.movieLensID, tmdbID: movie.tmdbID, imdbID: movie.imdbID)
        try wroteMetadata(movie, kind: kind, id: id)
        return id
    }

    private mutating func attachIDs(_ movie: SourceMovie, to id: Int64) throws {
        let movie = withoutTakenIDs(movie, id: id)
        guard let current = stored[id] else { return }
        let next = (current.movieLensID ?? movie.movieLensID, current.tmdbID ?? movie.tmdbID, current.imdbID ?? movie.imdbID)
        if next != current {
            try run("UPDATE movies SET movielens_id = ?, tmdb_id = ?, imdb_id = ? WHERE id = ?",
                [SQLValue(next.0), SQLValue(next.1), SQLValue(next.2), .integer(id)])
            stored[id] = next
        }
        remember(id: id, movieLensID: movie.movieLensID, tmdbID: movie.tmdbID, imdbID: movie.imdbID)
    }

    /// The `movies` columns a source's metadata fills, in the order `metadata` gives them.
    private static var metadataColumns: [String] {
        [
            "title", "original_title", "overview", "release_date", "year", "runtime", "vote_average", "vote_count", "popularity",
            "poster_path", "backdrop_path", "original_language", "budget", "revenue", "tagline", "production_companies",
            "production_countries", "spoken_languages", "status", "metadata_source",
        ]
    }

    private func metadata(_ movie: SourceMovie, kind: DatasetKind) throws -> [SQLValue] {
        func json(_ names: [String]) throws -> SQLValue { .text(String(decoding: try encoder.encode(names), as: UTF8.self)) }
        return [
            .text(movie.title), SQLValue(movie.originalTitle), SQLValue(movie.overview), SQLValue(movie.releaseDate), SQLValue(movie.year),
            SQLValue(movie.runtime), SQLValue(movie.voteAverage), SQLValue(movie.voteCount), SQLValue(movie.popularity),
            SQLValue(movie.posterPath), SQLValue(movie.backdropPath), SQLValue(movie.originalLanguage), SQLValue(movie.budget),
            SQLValue(movie.revenue), SQLValue(movie.tagline), try json(movie.productionCompanies), try json(movie.productionCountries),
            try json(movie.spokenLanguages), SQLValue(movie.status), .text(kind.rawValue),
        ]
    }

    private mutating func writeMetadata(_ movie: SourceMovie, kind: DatasetKind, id: Int64) throws {
        // A source without a year or images keeps the ones an earlier source gave.
        let kept: Set = ["year", "poster_path", "backdrop_path"]
        let assignments = Self.metadataColumns.map { kept.contains($0) ? "\($0) = COALESCE(?, \($0))" : "\($0) = ?" }
        try run("UPDATE movies SET \(assignments.joined(separator: ", ")) WHERE id = ?", (try metadata(movie, kind: kind)) + [.integer(id)])
        try wroteMetadata(movie, kind: kind, id: id)
    }

    /// What follows a movie's metadata being written: its precedence, title key and genres.
    private mutating func wroteMetadata(_ movie: SourceMovie, kind: DatasetKind, id: Int64) throws {
        precedence[id] = kind.metadataPrecedence
        byTitleYear[Self.titleKey(movie.title, movie.year), default: []].append(id)
        try clear("movie_genres", movie: id, source: nil)
        for (position, genre) in movie.genres.enumerated() {
            if knownGenres.insert(genre.id).inserted {
                try run("INSERT INTO genres (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", [.integer(Int64(genre.id)), .text(genre.name)])
            }
            try run("INSERT INTO movie_genres (movie_id, genre_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [.integer(id), .integer(Int64(genre.id)), .integer(Int64(position))])
        }
    }

    /// Deletes the movie's rows of `table` (those `source` brought, when given), unless this
    /// merge made the movie and has not written such rows yet.
    private mutating func clear(_ table: String, movie id: Int64, source: DatasetKind?) throws {
        let rows = "\(table)|\(source?.rawValue ?? "")"
        guard !fresh.contains(id) || written[id, default: []].contains(rows) else {
            written[id, default: []].insert(rows)
            return
        }
        if let source {
            try run("DELETE FROM \(table) WHERE movie_id = ? AND source = ?", [.integer(id), .text(source.rawValue)])
        } else {
            try run("DELETE FROM \(table) WHERE movie_id = ?", [.integer(id)])
        }
    }

    private mutating func replaceKeywords(_ keywords: [String], source: DatasetKind, movie id: Int64) throws {
        try clear("movie_keywords", movie: id, source: source)
        for (position, name) in keywords.enumerated() {
            let keyword = try keywordID(name)
            try run("INSERT INTO movie_keywords (movie_id, keyword_id, source, position) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.integer(id), .integer(keyword), .text(source.rawValue), .integer(Int64(position))])
        }
    }

    private mutating func replaceCredits(_ movie: SourceMovie, source: DatasetKind, movie id: Int64) throws {
        try clear("movie_cast", movie: id, source: source)
        try clear("movie_crew", movie: id, source: source)
        for member in movie.cast {
            try run("INSERT INTO movie_cast (movie_id, person_id, source, \"character\", \"order\") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.integer(id), .integer(try personID(member.name)), .text(source.rawValue), SQLValue(member.character), .integer(Int64(member.order))])
        }
        for (position, member) in movie.crew.enumerated() {
            try run("INSERT INTO movie_crew (movie_id, person_id, source, job, position) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [.integer(id), .integer(try personID(member.name)), .text(source.rawValue), .text(member.job), .integer(Int64(position))])
        }
    }

    private mutating func replaceRatings(_ ratings: [RatingRecord], progress: ImportProgress?) throws {
        try run("DELETE FROM ratings", [])
        for (index, rating) in ratings.enumerated() {
            guard let movie = byMovieLens[rating.movieLensID] else { continue }
            try run("INSERT INTO ratings (user_id, movie_id, rating, timestamp) VALUES (?, ?, ?, ?)",
                [.integer(Int64(rating.userID)), .integer(movie), .real(rating.rating), .integer(Int64(rating.timestamp))])
            if index % 10_000 == 0 { progress?("loading ratings", index, ratings.count) }
        }
        progress?("loading ratings", ratings.count, ratings.count)
    }

    /// The tables whose rows belong to a movie, with the columns that, besides the movie,
    /// make a row unique: moving rows onto another movie must skip the ones it already has.
    private static var movieRows: [(table: String, key: [String])] { [
        ("movie_keywords", ["source", "keyword_id"]), ("movie_cast", ["source", "person_id"]),
        ("movie_crew", ["source", "person_id", "job"]), ("ratings", ["user_id"]), ("user_preferences", ["user_id"]),
    ] }

    /// Moves everything attached to `other` onto `id` and deletes `other` (with the rows `id`
    /// already had a twin of).
    private mutating func absorb(_ other: Int64, into id: Int64) throws {
        guard let ids = stored[other] else { return }
        for (table, key) in Self.movieRows {
            let same = key.map { "kept.\($0) = \(table).\($0)" }.joined(separator: " AND ")
            try run("""
                UPDATE \(table) SET movie_id = ? WHERE movie_id = ?
                AND NOT EXISTS (SELECT 1 FROM \(table) AS kept WHERE kept.movie_id = ? AND \(same))
                """, [.integer(id), .integer(other), .integer(id)])
        }
        try run("DELETE FROM movies WHERE id = ?", [.integer(other)])
        stored[other] = nil
        // It now holds rows this merge did not write.
        fresh.remove(id)
        byMovieLens = byMovieLens.filter { $0.value != other }
        byTMDB = byTMDB.filter { $0.value != other }
        byIMDb = byIMDb.filter { $0.value != other }
        movieLensIDs[other] = nil
        var ghost = SourceMovie(title: "")
        ghost.movieLensID = ids.movieLensID
        ghost.tmdbID = ids.tmdbID
        ghost.imdbID = ids.imdbID
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
        let id = nextKeywordID
        nextKeywordID += 1
        try run("INSERT INTO keywords (id, name) VALUES (?, ?)", [.integer(id), .text(name)])
        keywordIDs[name] = id
        return id
    }

    private mutating func personID(_ name: String) throws -> Int64 {
        if let id = personIDs[name] { return id }
        let id = nextPersonID
        nextPersonID += 1
        try run("INSERT INTO people (id, name) VALUES (?, ?)", [.integer(id), .text(name)])
        personIDs[name] = id
        return id
    }

    private mutating func run(_ sql: String, _ arguments: [SQLValue]) throws {
        try statements.execute(sql, arguments)
    }

    /// Title (see `SearchText.titleKey`) and year: how rows that no link joins are matched.
    static func titleKey(_ title: String, _ year: Int?) -> String {
        "\(SearchText.titleKey(title))|\(year.map(String.init) ?? "")"
    }
}
