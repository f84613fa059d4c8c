import Hummingbird
import RecLabCore
import RecLabServing

/// The controls every recommendation route takes as query parameters, each checked with a 400
/// that names it: `genres`, `exclude_genres`, `year_from`, `year_to`, `min_rating`, `exclude`,
/// `diversify` (`mmr` with `diversity`, `genre_cap` with `max_per_genre`), and on the routes
/// answering a user `unseen_for`. A list may be given comma-separated, the parameter
/// repeated, or both.
extension Request {
    /// `user`: whether the route answers a user, whose showings `unseen_for` reads.
    func answerControls(user: Bool = false) throws -> AnswerControls {
        // Hummingbird parses the query at each `uri.queryParameters`: once here.
        try uri.queryParameters.answerControls(user: user)
    }
}

extension Parameters {
    /// The most TMDB ids one request may exclude.
    static let maxExcluded = 500
    static let years = 1800...2200
    /// The longest `unseen_for`: older evidence may have been deleted (EVENT_RETENTION_DAYS).
    static let longestUnseenFor = 90 * 86_400
    static let controlNames: Set<Substring> = [
        "genres", "exclude_genres", "year_from", "year_to", "min_rating", "exclude", "diversify", "diversity", "max_per_genre", "unseen_for",
    ]

    /// The controls of a query (these parameters).
    func answerControls(user: Bool) throws -> AnswerControls {
        // Most answers name none: no parsing for them.
        guard contains(where: { Self.controlNames.contains($0.key) }) else { return AnswerControls() }
        let filter = ListFilter(
            genres: try genreIDs("genres"), excludedGenres: try genreIDs("exclude_genres"),
            yearFrom: try optionalInteger("year_from", in: Self.years), yearTo: try optionalInteger("year_to", in: Self.years),
            minimumRating: try optionalNumber("min_rating", in: 0...10))
        if let from = filter.yearFrom, let to = filter.yearTo, from > to {
            throw APIError.badRequest("query parameter 'year_from' (\(from)) is after 'year_to' (\(to))")
        }
        if !filter.genres.isDisjoint(with: filter.excludedGenres) {
            throw APIError.badRequest("a genre is both in 'genres' and in 'exclude_genres': no movie could pass")
        }
        let excluded = try list("exclude").map { text in
            guard let id = Int(text), id > 0 else {
                throw APIError.badRequest("query parameter 'exclude' takes positive TMDB ids, got '\(text)'")
            }
            return id
        }
        guard excluded.count <= Self.maxExcluded else {
            throw APIError.badRequest("query parameter 'exclude' takes at most \(Self.maxExcluded) TMDB ids, got \(excluded.count)")
        }
        let unseenFor = try self["unseen_for"].map { try Self.seconds(String($0)) }
        if unseenFor != nil, !user {
            throw APIError.badRequest("query parameter 'unseen_for' needs a user: use it on personalized, hybrid or ab-test")
        }
        return AnswerControls(filter: filter, excluded: excluded, diversification: try diversification(), unseenFor: unseenFor)
    }

    /// `30m`, `12h`, `7d` (or `90s`) as seconds, at most 90 days.
    static func seconds(_ text: String) throws -> Int {
        let units = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[String($0)] }), let count = Int(text.dropLast()), count > 0,
              count <= Self.longestUnseenFor / unit
        else {
            throw APIError.badRequest("query parameter 'unseen_for' must be a duration such as 30m, 12h or 7d, at most 90d, got '\(text)'")
        }
        return count * unit
    }

    private func diversification() throws -> Diversification? {
        let diversity = try optionalNumber("diversity", in: 0...1)
        let cap = try optionalInteger("max_per_genre", in: 1...100)
        switch self["diversify"] {
        case nil:
            guard diversity == nil, cap == nil else {
                throw APIError.badRequest("'diversity' and 'max_per_genre' need 'diversify' (mmr or genre_cap)")
            }
            return nil
        case "mmr":
            guard cap == nil else { throw APIError.badRequest("'max_per_genre' goes with diversify=genre_cap, not mmr") }
            return .mmr(diversity: diversity ?? 0.3)
        case "genre_cap":
            guard diversity == nil else { throw APIError.badRequest("'diversity' goes with diversify=mmr, not genre_cap") }
            return .genreCap(cap ?? 3)
        case let other?:
            throw APIError.badRequest("query parameter 'diversify' must be mmr or genre_cap, got '\(other)'")
        }
    }

    /// Every value of a list parameter, split at commas, blanks dropped.
    private func list(_ name: Substring) -> [String] {
        getAll(String(name)).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func genreIDs(_ name: Substring) throws -> Set<Int> {
        Set(try list(name).map { text in
            guard let genre = GenreCatalog.genre(named: text.removingPercentEncoding ?? text) else {
                throw APIError.badRequest(
                    "query parameter '\(name)': unknown genre '\(text)'; use a TMDB genre name, alias (sci-fi) or id: "
                        + GenreCatalog.tmdb.map(\.name).joined(separator: ", "))
            }
            return genre.id
        })
    }

    /// An integer query parameter in `range`, nil when absent, or 400 naming it.
    func optionalInteger(_ name: Substring, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    private func optionalNumber(_ name: Substring, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = self[name] else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw APIError.badRequest("query parameter '\(name)' must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }
}
