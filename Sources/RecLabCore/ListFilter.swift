/// What a caller restricts a list to, on every route and for every strategy: genres, years and
/// the shown rating. `RecommendationRequest.admits` checks it wherever candidates are chosen,
/// before the cut at `limit`, so no strategy filters on its own and a strategy that ranks
/// past the rejected movies still fills the list.
public struct ListFilter: Sendable, Hashable, CustomStringConvertible {
    /// Genre ids of which a movie must have at least one; empty: any genre.
    public var genres: Set<Int> = []
    /// Genre ids of which a movie may have none.
    public var excludedGenres: Set<Int> = []
    /// The release years a movie must fall in (a movie of unknown year falls in none).
    public var yearFrom: Int?
    public var yearTo: Int?
    /// The least shown rating (0–10, `CatalogueItem.shownRating`); a movie without one is left out.
    public var minimumRating: Double?

    public init(genres: Set<Int> = [], excludedGenres: Set<Int> = [], yearFrom: Int? = nil, yearTo: Int? = nil, minimumRating: Double? = nil) {
        self.genres = genres
        self.excludedGenres = excludedGenres
        self.yearFrom = yearFrom
        self.yearTo = yearTo
        self.minimumRating = minimumRating
    }

    /// True when it admits every movie.
    @inlinable
    public var isEmpty: Bool { genres.isEmpty && excludedGenres.isEmpty && yearFrom == nil && yearTo == nil && minimumRating == nil }

    @inlinable
    public func admits(_ item: CatalogueItem) -> Bool {
        if !genres.isEmpty, !item.genres.contains(where: { genres.contains($0.id) }) { return false }
        if !excludedGenres.isEmpty, item.genres.contains(where: { excludedGenres.contains($0.id) }) { return false }
        if yearFrom != nil || yearTo != nil {
            guard let year = item.year, year >= yearFrom ?? .min, year <= yearTo ?? .max else { return false }
        }
        if let minimumRating {
            guard let rating = item.shownRating?.average, rating >= minimumRating else { return false }
        }
        return true
    }

    /// The filter in query terms (`genres=18,35&year_from=1990`), stable for equal filters: an
    /// answer cache key's part, and what an empty answer's reason names.
    public var description: String {
        var parts: [String] = []
        if !genres.isEmpty { parts.append("genres=\(genres.sorted().map(String.init).joined(separator: ","))") }
        if !excludedGenres.isEmpty { parts.append("exclude_genres=\(excludedGenres.sorted().map(String.init).joined(separator: ","))") }
        if let yearFrom { parts.append("year_from=\(yearFrom)") }
        if let yearTo { parts.append("year_to=\(yearTo)") }
        if let minimumRating { parts.append("min_rating=\(minimumRating)") }
        return parts.joined(separator: "&")
    }
}

/// How a list is re-ordered for variety once the filters have admitted its candidates: a
/// strategy's own ranking is re-ordered, never replaced (Carbonell and Goldstein's maximal
/// marginal relevance; a cap per genre).
public enum Diversification: Sendable, Hashable, CustomStringConvertible {
    /// Each next movie the one that best trades relevance (the strategy's score, scaled to
    /// 0–1 over the candidates) against its likeness to those already chosen; 0 keeps the
    /// strategy's order, 1 chooses by variety alone after the first.
    case mmr(diversity: Double)
    /// The candidates in order, skipping a movie that would put any of its genres past N.
    case genreCap(Int)

    /// How many candidates a list of `limit` is chosen from. For MMR, enough that variety has
    /// room, few enough that relevance keeps its say. A cap walks the ranking in order, so a
    /// larger pool changes nothing in its list but how often the pool must be widened, each
    /// time scoring the model again.
    func candidates(for limit: Int) -> Int {
        switch self {
        case .mmr: max(5 * limit, 50)
        case .genreCap: max(20 * limit, 200)
        }
    }

    /// In query terms (`diversify=mmr&diversity=0.3`), for cache keys.
    public var description: String {
        switch self {
        case .mmr(let diversity): "diversify=mmr&diversity=\(diversity)"
        case .genreCap(let cap): "diversify=genre_cap&max_per_genre=\(cap)"
        }
    }

    /// Up to `limit` of `ranked` (best first, each admitted), re-ordered for variety.
    func choose(_ limit: Int, from ranked: [Recommendation], catalogue: Catalogue, similarity: (any ItemSimilarity)?) -> [Recommendation] {
        switch self {
        case .genreCap(let cap):
            var counts: [Int: Int] = [:]
            var chosen: [Recommendation] = []
            for recommendation in ranked where chosen.count < limit {
                // The genres read in place: copying each whole item cost more than the cap.
                let genres = catalogue.position(of: recommendation.movie).map { catalogue.items[$0].genres } ?? []
                guard genres.allSatisfy({ counts[$0.id, default: 0] < cap }) else { continue }
                for genre in genres { counts[genre.id, default: 0] += 1 }
                chosen.append(recommendation)
            }
            return chosen
        case .mmr(let diversity):
            return Self.maximalMarginalRelevance(limit, from: ranked, diversity: diversity, similarity: similarity)
        }
    }

    /// Greedy MMR. Each candidate's likeness to the chosen set is kept as a running maximum,
    /// updated from the movie just chosen, so a list costs limit × candidates lookups.
    static func maximalMarginalRelevance(
        _ limit: Int, from ranked: [Recommendation], diversity: Double, similarity: (any ItemSimilarity)?
    ) -> [Recommendation] {
        guard let similarity, diversity > 0, ranked.count > 1 else { return Array(ranked.prefix(limit)) }
        let scores = ranked.map(\.score)
        let low = scores.min()!
        let spread = scores.max()! - low
        let relevance = scores.map { spread > 0 ? ($0 - low) / spread : 1 }
        let slots = Dictionary(ranked.indices.map { (ranked[$0].movie, $0) }) { first, _ in first }
        var likeness = [Double](repeating: 0, count: ranked.count)
        var open = Array(ranked.indices)
        var chosen: [Recommendation] = []
        while chosen.count < limit, !open.isEmpty {
            // Ties go to the better ranked candidate: `open` stays in rank order.
            var best = 0
            var bestValue = -Double.infinity
            for (k, slot) in open.enumerated() {
                let value = (1 - diversity) * relevance[slot] - diversity * likeness[slot]
                if value > bestValue {
                    best = k
                    bestValue = value
                }
            }
            let pick = open.remove(at: best)
            chosen.append(ranked[pick])
            // Likeness is symmetric: what the pick keeps of each candidate, and what each
            // candidate keeps of the pick.
            for (movie, value) in similarity.similarities(of: ranked[pick].movie) {
                if let slot = slots[movie] { likeness[slot] = max(likeness[slot], value) }
            }
            for slot in open {
                if let value = similarity.similarity(of: ranked[slot].movie, to: ranked[pick].movie) {
                    likeness[slot] = max(likeness[slot], value)
                }
            }
        }
        return chosen
    }
}

/// A model that knows how alike two movies are, from 0 to 1 (the content model's kept
/// neighbours): what `Diversification.mmr` and intra-list diversity measure a list by.
public protocol ItemSimilarity: Sendable {
    /// The movies kept as like `movie`, with how alike; any other is taken as unlike.
    func similarities(of movie: MovieID) -> [(movie: MovieID, similarity: Double)]
    /// How alike `other` is to `movie` as `movie`'s own kept neighbours say; nil when it is not among them.
    func similarity(of movie: MovieID, to other: MovieID) -> Double?
}

extension ItemSimilarity {
    /// How alike two movies are, whichever of them keeps the other.
    public func likeness(_ a: MovieID, _ b: MovieID) -> Double {
        max(similarity(of: a, to: b) ?? 0, similarity(of: b, to: a) ?? 0)
    }

    /// 1 − the mean likeness over every pair of `movies`: 0 for a list of near-twins, 1 for
    /// one of movies unlike each other (Ziegler et al.'s intra-list diversity).
    public func intraListDiversity(_ movies: [MovieID]) -> Double {
        guard movies.count > 1 else { return 0 }
        var total = 0.0
        for i in movies.indices {
            for j in movies.indices where j > i { total += likeness(movies[i], movies[j]) }
        }
        return 1 - total / Double(movies.count * (movies.count - 1) / 2)
    }
}
