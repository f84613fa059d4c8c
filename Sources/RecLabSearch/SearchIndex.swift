import Foundation
import RecLabCore

/// A movie as search sees it: the text of each searchable field, and how widely it is known.
public struct SearchDocument: Sendable {
    public var id: MovieID
    public var title: String
    public var originalTitle: String
    public var keywords: [String]
    public var cast: [String]
    public var directors: [String]
    public var overview: String
    /// How many people rated the movie: widely rated movies rank above obscure ones that
    /// match the same words.
    public var audience: Int
    /// Breaks ties between equally good matches.
    public var popularity: Double

    public init(
        id: MovieID, title: String, originalTitle: String = "", keywords: [String] = [], cast: [String] = [],
        directors: [String] = [], overview: String = "", audience: Int = 0, popularity: Double = 0
    ) {
        self.id = id
        self.title = title
        self.originalTitle = originalTitle
        self.keywords = keywords
        self.cast = cast
        self.directors = directors
        self.overview = overview
        self.audience = audience
        self.popularity = popularity
    }

    /// The fields in the order of `SearchIndex.fieldWeights`.
    var fields: [[String]] { [[title], [originalTitle], keywords, cast, directors, [overview]] }
}

/// One page of search results: movie ids, best first, and how many movies match in all.
public struct SearchHits: Sendable, Equatable {
    public var ids: [MovieID]
    public var total: Int

    public init(ids: [MovieID], total: Int) {
        self.ids = ids
        self.total = total
    }
}

/// Full-text search over the catalogue, in memory.
///
/// Ranking: a title equal to the query comes first ("godfather" is The Godfather before
/// Tokyo Godfathers), then BM25 with per-field weights (a title hit counts most, the overview
/// least; the formula of SQLite FTS5's `bm25()`) scaled up by how many people rated the
/// movie, then popularity. Every word matches as a prefix ("incep" finds Inception); a word
/// that is no prefix of any indexed term is replaced by the nearest terms within one or two
/// edits ("incepton" finds Inception). Every word must match; when no movie matches them all,
/// any word may.
///
/// Top-k without scoring every match: a query word is a *prefix*, so it stands for a range of
/// the sorted vocabulary ("a" for thousands of terms), and per-term impact-ordered postings
/// would need merging thousands of lists before WAND could skip anything. Instead each
/// prefix (and term) with many postings gets, at build time, its own list of movies ordered
/// by their BM25 contribution, and a query walks those lists with the threshold algorithm
/// (Fagin's TA): it stops as soon as the k-th best movie found beats the best score any
/// unseen movie could still reach. Random access to a movie's score goes through a forward
/// index (each movie's sorted term ids). Rare prefixes build their list at query time from a
/// few thousand postings at most. The count of matches stays exact: match sets are bitsets.
public final class SearchIndex: Sendable {
    /// BM25 weights for title, original title, keywords, cast, directors, overview.
    static let fieldWeights: [Float] = [10, 6, 2, 3, 3, 1]
    public static let maximumQueryWords = 12
    /// How much being widely rated lifts a match: the score is multiplied by up to about 2.
    static let audienceWeight = 0.1
    /// Prefixes and terms with more postings than this get their ordered list at build time.
    static let precomputedPostings = 256

    let vocabulary: Vocabulary
    private let inverted: InvertedIndex
    private let ids: [MovieID]
    private let popularity: [Double]
    private let documentsByTitleKey: [String: [UInt32]]
    private let precomputed: [TermRange: ImpactList]

    /// How many documents the index holds.
    public var count: Int { ids.count }
    /// How many term ranges have their impact list built in advance.
    public var precomputedLists: Int { precomputed.count }

    public init(_ documents: [SearchDocument]) {
        var provisionalIDs: [String: Int] = [:]
        var provisionalTerms: [String] = []
        var documentTerms: [[Int: Float]] = []
        documentTerms.reserveCapacity(documents.count)
        var lengths: [Int] = []
        var titleKeys: [String: [UInt32]] = [:]
        for (index, document) in documents.enumerated() {
            var frequencies: [Int: Float] = [:]
            var length = 0
            for (texts, weight) in zip(document.fields, Self.fieldWeights) {
                for text in texts {
                    for word in SearchText.words(of: text) {
                        length += 1
                        let id: Int
                        if let known = provisionalIDs[word] {
                            id = known
                        } else {
                            id = provisionalTerms.count
                            provisionalTerms.append(word)
                            provisionalIDs[word] = id
                        }
                        frequencies[id, default: 0] += weight
                    }
                }
            }
            documentTerms.append(frequencies)
            lengths.append(length)
            titleKeys[SearchText.titleKey(document.title), default: []].append(UInt32(index))
        }

        // Final term ids follow the UTF-8 order, so a prefix is a contiguous id range.
        let bytes = provisionalTerms.map { Array($0.utf8) }
        let order = bytes.indices.sorted { bytes[$0].lexicographicallyPrecedes(bytes[$1]) }
        var finalID = [Int](repeating: 0, count: order.count)
        for (final, provisional) in order.enumerated() { finalID[provisional] = final }

        var documentCounts = [Int](repeating: 0, count: order.count)
        var forwardStarts = [0]
        var forwardTerms: [UInt32] = []
        var forwardFrequencies: [Float] = []
        for frequencies in documentTerms {
            for (term, frequency) in frequencies.map({ (finalID[$0.key], $0.value) }).sorted(by: { $0.0 < $1.0 }) {
                forwardTerms.append(UInt32(term))
                forwardFrequencies.append(frequency)
                documentCounts[term] += 1
            }
            forwardStarts.append(forwardTerms.count)
        }
        var postingStarts = [0]
        for count in documentCounts { postingStarts.append(postingStarts.last! + count) }
        var next = postingStarts
        var postingDocuments = [UInt32](repeating: 0, count: forwardTerms.count)
        var postingFrequencies = [Float](repeating: 0, count: forwardTerms.count)
        for document in documents.indices {
            for position in forwardStarts[document]..<forwardStarts[document + 1] {
                let term = Int(forwardTerms[position])
                postingDocuments[next[term]] = UInt32(document)
                postingFrequencies[next[term]] = forwardFrequencies[position]
                next[term] += 1
            }
        }

        let averageLength = documents.isEmpty ? 1 : max(Double(lengths.reduce(0, +)) / Double(documents.count), 1)
        let vocabulary = Vocabulary(terms: order.map { bytes[$0] }, documentCounts: documentCounts)
        let inverted = InvertedIndex(
            postingStarts: postingStarts, postingDocuments: postingDocuments, postingFrequencies: postingFrequencies,
            forwardStarts: forwardStarts, forwardTerms: forwardTerms, forwardFrequencies: forwardFrequencies,
            boosts: documents.map { 1 + Self.audienceWeight * log(1 + Double($0.audience)) },
            lengthNorms: lengths.map { InvertedIndex.k1 * (1 - InvertedIndex.b + InvertedIndex.b * Double($0) / averageLength) })
        self.vocabulary = vocabulary
        self.inverted = inverted
        ids = documents.map(\.id)
        popularity = documents.map(\.popularity)
        documentsByTitleKey = titleKeys
        precomputed = Dictionary(
            uniqueKeysWithValues: Self.heavyRanges(vocabulary, inverted).map { ($0, inverted.impactList($0)) })
    }

    /// Every prefix range and single term with more than `precomputedPostings` postings.
    /// Prefixes end on character boundaries, as a query word's bytes do.
    private static func heavyRanges(_ vocabulary: Vocabulary, _ inverted: InvertedIndex) -> Set<TermRange> {
        var ranges = Set<TermRange>()
        for (id, term) in vocabulary.terms.enumerated() {
            if inverted.postingCount(id..<(id + 1)) > precomputedPostings { ranges.insert(TermRange(id..<(id + 1))) }
            for length in 1...term.count where length == term.count || term[length] & 0xC0 != 0x80 {
                let prefix = term[0..<length]
                // The first term of a prefix's range enumerates it; the rest would repeat it.
                if id > 0, vocabulary.terms[id - 1].starts(with: prefix) { continue }
                let range = vocabulary.range(withPrefix: Array(prefix))
                if inverted.postingCount(range) > precomputedPostings { ranges.insert(TermRange(range)) }
            }
        }
        return ranges
    }

    /// The page of movies at `offset` (at most `limit`) matching `query`, best first, and
    /// how many match in all; the documents at `excluded` (positions in the order the index
    /// was built from) match nothing, and count for nothing.
    public func search(_ query: String, offset: Int, limit: Int, excluding excluded: some Collection<Int> = [Int]()) -> SearchHits {
        // Cut once: the words to match, and the whole query's title key.
        let allWords = SearchText.words(of: query)
        let words = Array(allWords.prefix(Self.maximumQueryWords))
        guard !words.isEmpty else { return SearchHits(ids: [], total: 0) }
        let clauses = words.map { word -> [ImpactList] in
            let prefix = vocabulary.range(withPrefix: Array(word.utf8))
            let ranges = prefix.isEmpty ? vocabulary.corrections(for: word).map { $0..<($0 + 1) } : [prefix]
            return ranges.map { range in precomputed[TermRange(range)] ?? inverted.impactList(TermRange(range)) }
        }
        func union(_ lists: [ImpactList]) -> DocumentSet {
            var set = DocumentSet(capacity: count)
            for list in lists { set.formUnion(list.members) }
            return set
        }
        // Every word must match; if that finds nothing, any word may.
        var matches = union(clauses[0])
        for clause in clauses.dropFirst() { matches.formIntersection(union(clause)) }
        var total = matches.count
        if total == 0, clauses.count > 1 {
            matches = union(clauses.flatMap { $0 })
            total = matches.count
        }
        if !excluded.isEmpty {
            for document in excluded { matches.remove(UInt32(document)) }
            total = matches.count
        }
        guard total > offset else { return SearchHits(ids: [], total: total) }
        let ranked = topRanked(offset + limit, matching: matches, lists: clauses.flatMap { $0 }, titleKey: SearchText.titleKey(words: allWords))
        return SearchHits(ids: ranked.dropFirst(offset).map { ids[Int($0)] }, total: total)
    }

    /// The best `wanted` matching documents: exact titles first, then by score (with the
    /// threshold algorithm over the lists), popularity, id.
    private func topRanked(_ wanted: Int, matching matches: DocumentSet, lists: [ImpactList], titleKey: String) -> [UInt32] {
        func candidate(_ document: UInt32) -> Candidate {
            var score = 0.0
            for list in lists {
                let frequency = inverted.frequency(of: list.range, in: Int(document))
                score += list.idf * Double(inverted.impact(frequency, document: Int(document)))
            }
            return Candidate(document: document, score: score, popularity: popularity[Int(document)], id: ids[Int(document)])
        }
        var seen = DocumentSet(capacity: count)
        let exact = (documentsByTitleKey[titleKey] ?? []).filter(matches.contains)
        for document in exact { seen.insert(document) }
        var ranked = exact.map(candidate).sorted(by: Candidate.ranksAbove).map(\.document)
        guard ranked.count < wanted else { return Array(ranked.prefix(wanted)) }

        var best = BestK<Candidate>(wanted - ranked.count)
        var cursors = [Int](repeating: 0, count: lists.count)
        while true {
            var advanced = false
            for (index, list) in lists.enumerated() where cursors[index] < list.count {
                let document = list.documents[cursors[index]]
                cursors[index] += 1
                advanced = true
                guard !seen.contains(document) else { continue }
                seen.insert(document)
                if matches.contains(document) { best.insert(candidate(document)) }
            }
            guard advanced else { break }
            if let worst = best.worstIfFull {
                // The most an unseen document can score: each list's next impact. Float
                // impacts and IEEE rounding are monotone, so no unseen document exceeds it.
                var bound = 0.0
                for (index, list) in lists.enumerated() where cursors[index] < list.count {
                    bound += list.idf * Double(list.impacts[cursors[index]])
                }
                if worst.score > bound { break }
            }
        }
        ranked += best.sorted().map(\.document)
        return ranked
    }
}

/// A scored match and its tie-breakers.
struct Candidate: Ranked {
    let document: UInt32
    let score: Double
    let popularity: Double
    let id: MovieID

    static func ranksAbove(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.popularity != b.popularity { return a.popularity > b.popularity }
        return a.id < b.id
    }
}

extension SearchDocument {
    /// The searchable text of a catalogue movie: titles, keywords, cast, directors, overview.
    public init(_ movie: Movie, audience: Int) {
        self.init(
            id: movie.id, title: movie.title, originalTitle: movie.originalTitle ?? "", keywords: movie.keywords,
            cast: movie.cast.map(\.name), directors: movie.directors, overview: movie.overview ?? "", audience: audience,
            popularity: movie.popularity ?? 0)
    }
}
