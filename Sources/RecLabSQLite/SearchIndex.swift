import Foundation
import GRDB
import RecLabCore
import RecLabStore

/// Full-text search over the catalogue with SQLite FTS5.
///
/// Ranking: a title equal to the query comes first ("godfather" is The Godfather before
/// Tokyo Godfathers), then bm25 with per-column weights (a title hit counts most, the
/// overview least) scaled up by how many people rated the movie, then popularity. Every word matches as a prefix ("incep" finds Inception), and a
/// word that is no prefix of any indexed term is replaced by the nearest terms within one or
/// two edits ("incepton" finds Inception), the way search engines suggest spellings.
enum SearchIndex {
    /// bm25 weights for title, original_title, keywords, cast, director, overview.
    static let columnWeights = "10.0, 6.0, 2.0, 3.0, 3.0, 1.0"
    static let maximumQueryWords = 12
    /// How much being widely rated lifts a match: bm25 is multiplied by up to about 2.
    static let popularityWeight = 0.1

    static func rebuild(_ db: Database) throws {
        let update = try db.cachedStatement(sql: "UPDATE movies SET search_key = ? WHERE id = ?")
        for row in try Row.fetchAll(db, sql: "SELECT id, title FROM movies") {
            try update.execute(arguments: [TitleKey.make(row["title"]), row["id"]])
        }
        // How many people rated a movie: MovieLens ratings plus TMDB's vote count (IMDb's
        // counts are on another scale and are left out).
        try db.execute(sql: """
            UPDATE movies SET search_boost = ln(1 + (SELECT count(*) FROM ratings r WHERE r.movie_id = movies.id)
                + CASE WHEN metadata_source = 'TMDB 5000' THEN COALESCE(vote_count, 0) ELSE 0 END);
            DELETE FROM movie_search;
            INSERT INTO movie_search (rowid, title, original_title, keywords, "cast", director, overview)
            SELECT m.id, m.title, COALESCE(m.original_title, ''),
                   COALESCE((SELECT group_concat(DISTINCT k.name) FROM movie_keywords mk JOIN keywords k ON k.id = mk.keyword_id
                             WHERE mk.movie_id = m.id), ''),
                   COALESCE((SELECT group_concat(DISTINCT p.name) FROM movie_cast c JOIN people p ON p.id = c.person_id
                             WHERE c.movie_id = m.id), ''),
                   COALESCE((SELECT group_concat(DISTINCT p.name) FROM movie_crew c JOIN people p ON p.id = c.person_id
                             WHERE c.movie_id = m.id AND c.job = 'Director'), ''),
                   COALESCE(m.overview, '')
            FROM movies m;
            INSERT INTO movie_search (movie_search) VALUES ('optimize');
            """)
    }

    /// Lower-cased, accent-free words of a query, as the unicode61 tokenizer would cut them.
    static func words(of query: String) -> [String] {
        let folded = query.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}

/// The indexed terms and how many movies hold each, sorted for prefix lookups.
struct SearchVocabulary: Sendable {
    private let terms: [String]
    private let documentCounts: [Int]

    init(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT term, doc FROM movie_search_terms ORDER BY term")
        terms = rows.map { $0["term"] }
        documentCounts = rows.map { $0["doc"] }
    }

    /// Whether some indexed term starts with `prefix`.
    func hasTerm(withPrefix prefix: String) -> Bool {
        var low = 0
        var high = terms.count
        while low < high {
            let middle = (low + high) / 2
            if terms[middle] < prefix { low = middle + 1 } else { high = middle }
        }
        return low < terms.count && terms[low].hasPrefix(prefix)
    }

    /// The indexed terms closest to `word` by edit distance (one edit for words of up to
    /// seven letters, two beyond), most frequent first.
    func corrections(for word: String, limit: Int = 3) -> [String] {
        let target = Array(word.unicodeScalars)
        guard target.count >= 3 else { return [] }
        let allowed = target.count <= 7 ? 1 : 2
        var found: [(term: String, distance: Int, documents: Int)] = []
        for (index, term) in terms.enumerated() {
            let candidate = Array(term.unicodeScalars)
            guard abs(candidate.count - target.count) <= allowed else { continue }
            let distance = Self.editDistance(target, candidate, bound: allowed)
            if distance <= allowed { found.append((term, distance, documentCounts[index])) }
        }
        return found.sorted { ($0.distance, -$0.documents) < ($1.distance, -$1.documents) }.prefix(limit).map(\.term)
    }

    /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), giving up
    /// early once every path exceeds `bound`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], bound: Int) -> Int {
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > bound { return bound + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

extension SQLiteStore {
    public func movies(matching query: String, page: Int, pageSize: Int) async throws -> SearchResults {
        let words = Array(SearchIndex.words(of: query).prefix(SearchIndex.maximumQueryWords))
        guard !words.isEmpty else { return SearchResults(movies: [], totalResults: 0) }
        let vocabulary = try await searchVocabulary()
        let clauses = words.map { word -> String in
            var alternatives = ["\"\(word)\"*"]
            if !vocabulary.hasTerm(withPrefix: word) {
                alternatives += vocabulary.corrections(for: word).map { "\"\($0)\"" }
            }
            return "(" + alternatives.joined(separator: " OR ") + ")"
        }
        return try await pool.read { db in
            // Every word must match; if that finds nothing, any word may.
            var match = clauses.joined(separator: " AND ")
            var total = try Int.fetchOne(db, sql: "SELECT count(*) FROM movie_search WHERE movie_search MATCH ?", arguments: [match]) ?? 0
            if total == 0, clauses.count > 1 {
                match = clauses.joined(separator: " OR ")
                total = try Int.fetchOne(db, sql: "SELECT count(*) FROM movie_search WHERE movie_search MATCH ?", arguments: [match]) ?? 0
            }
            let ids = try Int64.fetchAll(db, sql: """
                SELECT s.rowid FROM movie_search s JOIN movies m ON m.id = s.rowid
                WHERE movie_search MATCH ?
                ORDER BY m.search_key = ? DESC,
                         bm25(movie_search, \(SearchIndex.columnWeights)) * (1 + \(SearchIndex.popularityWeight) * m.search_boost),
                         COALESCE(m.popularity, 0) DESC, m.id
                LIMIT ? OFFSET ?
                """, arguments: [match, TitleKey.make(query), pageSize, (page - 1) * pageSize])
            return SearchResults(movies: try MovieLoader.movies(db, ids: ids), totalResults: total)
        }
    }

    private func searchVocabulary() async throws -> SearchVocabulary {
        if let cached = vocabulary.withLock({ $0 }) { return cached }
        let loaded = try await pool.read { db in try SearchVocabulary(db) }
        vocabulary.withLock { $0 = loaded }
        return loaded
    }
}

/// A title reduced for comparison: case, accents, punctuation and a leading English article
/// removed, so "The Dark Knight", "Dark Knight, The" and "dark knight" agree.
enum TitleKey {
    static func make(_ title: String) -> String {
        var words = SearchIndex.words(of: title)
        if words.count > 1, ["the", "a", "an"].contains(words[0]) { words.removeFirst() }
        return words.joined(separator: " ")
    }
}
