import Foundation

/// What a caller restricts and re-orders a list by, the same on every recommendation route,
/// in offline evaluations and in experiment variants, for every strategy: the filter, movies
/// to leave out, the variety wanted, and (for a user) how long what they were shown stays out.
/// Written everywhere in one syntax, the API's query parameters (`genres=comedy&diversify=mmr`),
/// and checked by one parser.
public struct ListControls: Sendable, Hashable {
    public var filter: ListFilter
    /// TMDB ids the list must not show, sorted, each once.
    public var excluded: [Int]
    public var diversification: Diversification?
    /// Leave out what the user was shown within this many seconds and did not click.
    public var unseenFor: Int?

    public init(filter: ListFilter = ListFilter(), excluded: [Int] = [], diversification: Diversification? = nil, unseenFor: Int? = nil) {
        self.filter = filter
        self.excluded = Array(Set(excluded)).sorted()
        self.diversification = diversification
        self.unseenFor = unseenFor
    }

    /// True when the list is the strategy's as it ranks it.
    public var isEmpty: Bool { filter.isEmpty && excluded.isEmpty && diversification == nil && unseenFor == nil }

    /// The controls in query terms, stable for equal controls: an answer cache key's part,
    /// and what an emptied list's reason names.
    public var description: String {
        var parts = filter.isEmpty ? [] : [filter.description]
        if !excluded.isEmpty { parts.append("exclude=\(excluded.map(String.init).joined(separator: ","))") }
        if let diversification { parts.append(diversification.description) }
        if let unseenFor { parts.append("unseen_for=\(unseenFor)s") }
        return parts.joined(separator: "&")
    }

    /// Why a list came back empty, for the caller: the controls when there are any.
    public func emptyReason(strategy: String) -> String {
        isEmpty
            ? "\(strategy) has no movie to recommend for this question"
            : "no movie \(strategy) ranks passes the controls (\(description)); loosen them to get recommendations"
    }

    /// `self`, with `other`'s filter, exclusions and window added, and its diversification
    /// where this has none: a variant's controls under a request's.
    public func adding(_ other: ListControls) -> ListControls {
        var filter = self.filter
        filter.genres = filter.genres.isEmpty ? other.filter.genres : other.filter.genres.isEmpty ? filter.genres : filter.genres.intersection(other.filter.genres)
        filter.excludedGenres.formUnion(other.filter.excludedGenres)
        filter.yearFrom = [filter.yearFrom, other.filter.yearFrom].compactMap { $0 }.max()
        filter.yearTo = [filter.yearTo, other.filter.yearTo].compactMap { $0 }.min()
        filter.minimumRating = [filter.minimumRating, other.filter.minimumRating].compactMap { $0 }.max()
        return ListControls(
            filter: filter, excluded: excluded + other.excluded, diversification: diversification ?? other.diversification,
            unseenFor: [unseenFor, other.unseenFor].compactMap { $0 }.max())
    }
}

extension RecommendationRequest {
    /// Puts the request under `controls`: their filter and variety, and the movies they
    /// exclude, found by TMDB id through `movie` (an id the catalogue lacks cannot be shown
    /// anyway). `unseen_for` is the host's to apply: it reads the exposure log.
    public mutating func apply(_ controls: ListControls, movie: (_ tmdbID: Int) -> MovieID?) {
        filter = controls.filter
        diversification = controls.diversification
        for tmdbID in controls.excluded {
            if let id = movie(tmdbID) { excluded.insert(id) }
        }
    }
}

/// A control that does not parse or contradicts another, named as the API's 400 names it.
public struct ListControlError: Error, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension ListControls {
    /// The most TMDB ids one request may exclude.
    public static let maxExcluded = 500
    static let years = 1800...2200
    /// The longest `unseen_for`: older evidence may have been deleted (EVENT_RETENTION_DAYS).
    public static let longestUnseenFor = 90 * 86_400
    /// Every parameter the controls are read from.
    public static let names: Set<String> = [
        "genres", "exclude_genres", "year_from", "year_to", "min_rating", "exclude", "diversify", "diversity", "max_per_genre", "unseen_for",
    ]

    /// The controls a query's parameters name (a list comma-separated, repeated, or both);
    /// any other parameter is left for its owner. `user`: whether the list is a user's, whose
    /// showings `unseen_for` reads.
    public init(parameters: [(name: String, value: String)], user: Bool) throws(ListControlError) {
        var values: [String: [String]] = [:]
        for (name, value) in parameters where Self.names.contains(name) { values[name, default: []].append(value) }
        guard !values.isEmpty else {
            self.init()
            return
        }
        let query = Query(values: values)
        let filter = ListFilter(
            genres: try query.genreIDs("genres"), excludedGenres: try query.genreIDs("exclude_genres"),
            yearFrom: try query.integer("year_from", in: Self.years), yearTo: try query.integer("year_to", in: Self.years),
            minimumRating: try query.number("min_rating", in: 0...10))
        if let from = filter.yearFrom, let to = filter.yearTo, from > to {
            throw ListControlError("query parameter 'year_from' (\(from)) is after 'year_to' (\(to))")
        }
        if !filter.genres.isDisjoint(with: filter.excludedGenres) {
            throw ListControlError("a genre is both in 'genres' and in 'exclude_genres': no movie could pass")
        }
        var excluded: [Int] = []
        for text in query.list("exclude") {
            guard let id = Int(text), id > 0 else { throw ListControlError("query parameter 'exclude' takes positive TMDB ids, got '\(text)'") }
            excluded.append(id)
        }
        guard excluded.count <= Self.maxExcluded else {
            throw ListControlError("query parameter 'exclude' takes at most \(Self.maxExcluded) TMDB ids, got \(excluded.count)")
        }
        let unseenFor = try query.first("unseen_for").map { text throws(ListControlError) in try Self.seconds(text) }
        if unseenFor != nil, !user {
            throw ListControlError("query parameter 'unseen_for' needs a user: use it on personalized, hybrid or ab-test")
        }
        self.init(filter: filter, excluded: excluded, diversification: try query.diversification(), unseenFor: unseenFor)
    }

    /// Controls written as a query string (`genres=comedy&diversify=mmr`), as configuration files
    /// write them.
    public init(query text: String, user: Bool) throws(ListControlError) {
        let pairs = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            func decoded(_ part: Substring) -> String { String(part).removingPercentEncoding ?? String(part) }
            return (name: decoded(parts[0]), value: parts.count > 1 ? decoded(parts[1]) : "")
        }
        if let unknown = pairs.first(where: { !Self.names.contains($0.name) }) {
            throw ListControlError("unknown control '\(unknown.name)' (known: \(Self.names.sorted().joined(separator: ", ")))")
        }
        try self.init(parameters: pairs, user: user)
    }

    /// `30m`, `12h`, `7d` (or `90s`) as seconds, at most 90 days.
    static func seconds(_ text: String) throws(ListControlError) -> Int {
        let units = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[String($0)] }), let count = Int(text.dropLast()), count > 0,
              count <= Self.longestUnseenFor / unit
        else {
            throw ListControlError("query parameter 'unseen_for' must be a duration such as 30m, 12h or 7d, at most 90d, got '\(text)'")
        }
        return count * unit
    }

    /// The controls' parameters by name.
    private struct Query {
        let values: [String: [String]]

        func first(_ name: String) -> String? { values[name]?.first }

        /// Every value of a list parameter, split at commas, blanks dropped.
        func list(_ name: String) -> [String] {
            (values[name] ?? []).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func genreIDs(_ name: String) throws(ListControlError) -> Set<Int> {
            var ids: Set<Int> = []
            for text in list(name) {
                guard let genre = GenreCatalog.genre(named: text) else {
                    throw ListControlError(
                        "query parameter '\(name)': unknown genre '\(text)'; use a TMDB genre name, alias (sci-fi) or id: "
                            + GenreCatalog.tmdb.map(\.name).joined(separator: ", "))
                }
                ids.insert(genre.id)
            }
            return ids
        }

        func integer(_ name: String, in range: ClosedRange<Int>) throws(ListControlError) -> Int? {
            guard let text = first(name) else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ListControlError("query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            }
            return value
        }

        func number(_ name: String, in range: ClosedRange<Double>) throws(ListControlError) -> Double? {
            guard let text = first(name) else { return nil }
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw ListControlError("query parameter '\(name)' must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            }
            return value
        }

        func diversification() throws(ListControlError) -> Diversification? {
            let diversity = try number("diversity", in: 0...1)
            let cap = try integer("max_per_genre", in: 1...100)
            switch first("diversify") {
            case nil:
                guard diversity == nil, cap == nil else { throw ListControlError("'diversity' and 'max_per_genre' need 'diversify' (mmr or genre_cap)") }
                return nil
            case "mmr":
                guard cap == nil else { throw ListControlError("'max_per_genre' goes with diversify=genre_cap, not mmr") }
                return .mmr(diversity: diversity ?? 0.3)
            case "genre_cap":
                guard diversity == nil else { throw ListControlError("'diversity' goes with diversify=mmr, not genre_cap") }
                return .genreCap(cap ?? 3)
            case let other?:
                throw ListControlError("query parameter 'diversify' must be mmr or genre_cap, got '\(other)'")
            }
        }
    }
}
