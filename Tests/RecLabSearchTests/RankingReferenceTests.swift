import Foundation
import RecLabCore
import RecLabSearch
import RecLabStore
import TestSupport
import Testing

/// BM25 as SQLite FTS5 computes it, scoring every document the slow, obvious way: the
/// reference the index's early-terminating top-k must agree with.
struct NaiveBM25 {
    let documents: [SearchDocument]
    /// Per document: term → field-weighted frequency, and the token count.
    let frequencies: [[String: Double]]
    let lengths: [Int]

    init(_ documents: [SearchDocument]) {
        self.documents = documents
        var frequencies: [[String: Double]] = []
        var lengths: [Int] = []
        for document in documents {
            var counts: [String: Double] = [:]
            var length = 0
            let fields: [([String], Double)] = [
                ([document.title], 10), ([document.originalTitle], 6), (document.keywords, 2), (document.cast, 3),
                (document.directors, 3), ([document.overview], 1),
            ]
            for (texts, weight) in fields {
                for word in texts.flatMap(SearchText.words(of:)) {
                    counts[word, default: 0] += weight
                    length += 1
                }
            }
            frequencies.append(counts)
            lengths.append(length)
        }
        self.frequencies = frequencies
        self.lengths = lengths
    }

    /// Every match of a query whose words are all prefixes of indexed terms, best first, with
    /// scores, and the count of matches.
    func rank(_ query: String) -> (ranked: [(id: MovieID, score: Double)], total: Int) {
        let words = SearchText.words(of: query)
        let n = Double(documents.count)
        let averageLength = Double(lengths.reduce(0, +)) / n
        func frequency(_ word: String, _ document: Int) -> Double {
            frequencies[document].reduce(0) { $0 + ($1.key.hasPrefix(word) ? $1.value : 0) }
        }
        let table = words.map { word in documents.indices.map { frequency(word, $0) } }
        var matching = documents.indices.filter { document in table.allSatisfy { $0[document] > 0 } }
        if matching.isEmpty { matching = documents.indices.filter { document in table.contains { $0[document] > 0 } } }
        let idfs = table.map { column -> Double in
            let hits = Double(column.filter { $0 > 0 }.count)
            let idf = log((n - hits + 0.5) / (hits + 0.5))
            return idf > 0 ? idf : 1e-6
        }
        let key = SearchText.titleKey(query)
        let scored = matching.map { document -> (exact: Bool, score: Double, popularity: Double, id: MovieID) in
            var bm25 = 0.0
            for (column, idf) in zip(table, idfs) where column[document] > 0 {
                let f = column[document]
                bm25 += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * Double(lengths[document]) / averageLength))
            }
            let boost = 1 + 0.1 * log(1 + Double(documents[document].audience))
            let movie = documents[document]
            return (SearchText.titleKey(movie.title) == key, bm25 * boost, movie.popularity, movie.id)
        }
        let ranked = scored.sorted { a, b in
            if a.exact != b.exact { return a.exact }
            if a.score != b.score { return a.score > b.score }
            if a.popularity != b.popularity { return a.popularity > b.popularity }
            return a.id < b.id
        }
        return (ranked.map { ($0.id, $0.score) }, matching.count)
    }
}

@Suite struct RankingReferenceTests {
    static let documents = Task { () throws -> [SearchDocument] in
        let contents = try await RealCatalogue.store().contents()
        return contents.movies.map { SearchDocument($0, audience: contents.audience[$0.id] ?? 0) }
    }

    /// Common words and one-letter prefixes are where early termination skips the most.
    @Test(arguments: ["a", "e", "th", "the", "love", "of man", "star wars", "christopher nolan", "dark knight", "zzzzqx love"])
    func earlyTerminatingTopKAgreesWithScoringEveryMatch(query: String) async throws {
        let documents = try await Self.documents.value
        let index = SearchIndex(documents)
        let reference = NaiveBM25(documents).rank(query)
        let scores = Dictionary(uniqueKeysWithValues: reference.ranked.map { ($0.id, $0.score) })
        for page in [0, 1, 7] {
            let hits = index.search(query, offset: page * 20, limit: 20)
            #expect(hits.total == reference.total)
            let expected = reference.ranked.dropFirst(page * 20).prefix(20)
            #expect(hits.ids.count == expected.count)
            // Same movies in the same order, up to near-ties (the index rounds each movie's
            // contribution to Float; the reference does not).
            for (id, wanted) in zip(hits.ids, expected) {
                let score = try #require(scores[id], "\(id) is no match for '\(query)'")
                #expect(abs(score - wanted.score) <= 1e-5 * max(1, wanted.score), "'\(query)' page \(page + 1): \(id) in place of \(wanted.id)")
            }
        }
    }

    @Test func aTinyCatalogueRanksTitleHitsAboveOverviewHits() {
        let index = SearchIndex([
            SearchDocument(id: 1, title: "Overview only", overview: "a story about a heist"),
            SearchDocument(id: 2, title: "The Heist"),
            SearchDocument(id: 3, title: "Heist Night", audience: 1_000),
        ])
        #expect(index.search("heist", offset: 0, limit: 10) == SearchHits(ids: [2, 3, 1], total: 3))
        #expect(index.search("heist", offset: 2, limit: 10) == SearchHits(ids: [1], total: 3))
        #expect(index.search("heist", offset: 3, limit: 10) == SearchHits(ids: [], total: 3))
        #expect(index.search("hiest", offset: 0, limit: 10).total == 3)
    }

    @Test func longWordsAreWidenedByTwoEditsShortOnesByOne() {
        let index = SearchIndex([SearchDocument(id: 1, title: "Interstellar"), SearchDocument(id: 2, title: "Inception")])
        #expect(index.search("intrestelar", offset: 0, limit: 10).ids == [1])  // a swap and a missing letter
        #expect(index.search("inceptoin", offset: 0, limit: 10).ids == [2])  // one swap
        #expect(index.search("ncepton", offset: 0, limit: 10).total == 0)  // seven letters, two edits away
        #expect(index.search("xy", offset: 0, limit: 10).total == 0)  // too short to widen
    }
}
