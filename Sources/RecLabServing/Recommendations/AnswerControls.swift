import RecLabCore

/// What a caller restricts and re-orders a list by, the same on every recommendation route and
/// for every strategy: the filter, movies to leave out, and the variety wanted. The serving
/// layer turns them into the request's `filter`, `excluded` and `diversification`, which
/// `CandidateRules` and the models' candidate selection apply.
public struct AnswerControls: Sendable, Hashable {
    public var filter: ListFilter
    /// TMDB ids this answer must not show, sorted, each once.
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

    /// True when the answer is the strategy's list as it ranks it.
    public var isEmpty: Bool { filter.isEmpty && excluded.isEmpty && diversification == nil && unseenFor == nil }

    /// The controls in query terms, stable for equal controls: part of the answer cache's key,
    /// and what an emptied list's reason names.
    var description: String {
        var parts = filter.isEmpty ? [] : [filter.description]
        if !excluded.isEmpty { parts.append("exclude=\(excluded.map(String.init).joined(separator: ","))") }
        if let diversification { parts.append(diversification.description) }
        if let unseenFor { parts.append("unseen_for=\(unseenFor)s") }
        return parts.joined(separator: "&")
    }

    /// Why a list came back empty, for the caller: the controls when there are any.
    func emptyReason(strategy: String) -> String {
        isEmpty
            ? "\(strategy) has no movie to recommend for this question"
            : "no movie \(strategy) ranks passes the controls (\(description)); loosen them to get recommendations"
    }
}
