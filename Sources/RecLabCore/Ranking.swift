/// Exclusions and the cut at `limit`, written once for every strategy (LensKit's split: a
/// model says what it scores and why; which movies a request admits and how many it gets
/// are decided here).
extension RecommendationRequest {
    /// The first `limit` candidates of a list already ranked best first that the request
    /// admits (`admitted`: `admits` of the candidate's catalogue entry, read in place, as
    /// `admits(_:in:)` reads it); stops walking the list as soon as it has them, so a long
    /// list costs no more than its head.
    @inlinable
    public func firstAdmitted<Candidate>(
        _ ranked: some Sequence<Candidate>, admitted: (Candidate) -> Bool, answer: (Candidate) -> Recommendation
    ) -> [Recommendation] {
        var answers: [Recommendation] = []
        guard limit > 0 else { return answers }
        for candidate in ranked {
            guard admitted(candidate) else { continue }
            answers.append(answer(candidate))
            if answers.count == limit { break }
        }
        return answers
    }

    /// The best `limit` of scored candidates the request admits, best first, equal scores by
    /// smaller movie id. `score` is nil for a candidate the model does not score; `admitted`
    /// is `admits` of the movie's catalogue entry, read in place (`admits(_:in:)`): a copied
    /// entry retains each of its strings and lists, which costs more than the scores.
    @inlinable
    public func bestAdmitted<Candidates: Collection>(
        _ candidates: Candidates, movie: (Candidates.Element) -> MovieID, score: (Candidates.Element) -> Double?,
        admitted: (MovieID) -> Bool
    ) -> [(movie: MovieID, score: Double)] {
        admittedLeaders(
            of: candidates.count,
            best: { width, filtered in
                var leaders = TopK(width)
                for candidate in candidates {
                    guard let value = score(candidate) else { continue }
                    let id = movie(candidate)
                    if filtered, !admitted(id) { continue }
                    leaders.insert(id, score: value)
                }
                return leaders.sorted()
            },
            admitted: { admitted($0.id) }
        ).map { ($0.id, $0.score) }
    }

    /// `bestAdmitted` for a model that scores its movies by position into one array, positions
    /// in ascending movie id (so equal scores go to the smaller position); −∞ or NaN marks a
    /// position the model does not offer; `admitted` as above, by position.
    ///
    /// Once the leaders fill, a score must beat the worst of them to be looked at again: one
    /// comparison with a number held in a register turns away almost every movie.
    @inlinable
    public func bestAdmitted(scores: UnsafeBufferPointer<Float>, admitted: (Int) -> Bool) -> [(position: Int, score: Float)] {
        admittedLeaders(
            of: scores.count,
            best: { width, filtered in
                var leaders = BestK<ScoredPosition>(width)
                var threshold = -Float.infinity
                // Later positions never win a tie, so beating the worst leader is the whole test.
                for position in scores.indices where scores[position] > threshold {
                    if filtered, !admitted(position) { continue }
                    leaders.insert(ScoredPosition(position: position, score: scores[position]))
                    if let worst = leaders.worstIfFull { threshold = worst.score }
                }
                return leaders.sorted()
            },
            admitted: { admitted($0.position) }
        ).map { ($0.position, $0.score) }
    }

    /// The first `limit` (at most `count`) of the leaders the request admits. `best(width,
    /// filtered)` gives the best `width` in rank order, of the admitted candidates alone when
    /// `filtered`. Most requests turn few movies away, so `admits` is first asked only of
    /// twice `limit` leaders; if too few of those pass (a filter, a long exclusion list), one
    /// pass asks every candidate that would lead, rather than widening step by step.
    @inlinable
    func admittedLeaders<Leader>(of count: Int, best: (_ width: Int, _ filtered: Bool) -> [Leader], admitted: (Leader) -> Bool) -> [Leader] {
        // No more than there are candidates, whatever limit was asked for.
        let limit = min(self.limit, count)
        guard limit > 0 else { return [] }
        var picked: [Leader] = []
        let leaders = best(2 * limit, false)
        for leader in leaders {
            guard admitted(leader) else { continue }
            picked.append(leader)
            if picked.count == limit { return picked }
        }
        // Fewer leaders than asked for: every scored candidate was looked at.
        if leaders.count < 2 * limit { return picked }
        return best(limit, true)
    }
}

/// A position in a model's score array and its score, ranked higher score first, equal
/// scores by smaller position.
public struct ScoredPosition: Ranked, Sendable {
    public let position: Int
    public let score: Float

    @inlinable
    public init(position: Int, score: Float) {
        self.position = position
        self.score = score
    }

    @inlinable
    public static func ranksAbove(_ a: ScoredPosition, _ b: ScoredPosition) -> Bool {
        a.score > b.score || (a.score == b.score && a.position < b.position)
    }
}

/// The rules every answer keeps, whichever model gives it: only movies the request admits
/// (never excluded, withheld or filtered out, the user's own or the seed; with a TMDB id when
/// required), each once, in the model's order or re-ordered for variety, at most `limit`.
/// Models rank, and fill `limit` from what the request admits (`firstAdmitted`,
/// `bestAdmitted`); every caller of a model answers through here, so a model that slips cannot
/// show a user what they were promised not to see.
public enum CandidateRules {
    /// `similarity` is what `Diversification.mmr` measures likeness by; without it, MMR keeps
    /// the model's order.
    public static func answer(
        _ model: any FittedModel, _ request: RecommendationRequest, catalogue: Catalogue, similarity: (any ItemSimilarity)? = nil
    ) throws -> [Recommendation] {
        try answer(request, catalogue: catalogue, similarity: similarity) { request in
            // A pool to re-order is scored alone; the reasons of the movies kept are asked after.
            request.diversification == nil ? DeferredAnswer(try model.recommend(request)) { _ in [:] } : try model.recommendExplainingLater(request)
        }
    }

    /// The rules over any ranking (a list from outside, such as TMDB's trending movies, as a
    /// model would give it), `catalogue` holding every movie it can name. A recommendation
    /// `ranking` gives without its reason gets it from the answer's `reasons` once kept.
    public static func answer(
        _ request: RecommendationRequest, catalogue: Catalogue, similarity: (any ItemSimilarity)?,
        ranking: (RecommendationRequest) throws -> DeferredAnswer
    ) throws -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        // For variety, a larger list of candidates, re-ordered; widened while a cap leaves the
        // list short and the model had more to give.
        var candidates = request
        if let diversification = request.diversification { candidates.limit = min(diversification.candidates(for: request.limit), catalogue.count) }
        while true {
            let answer = try ranking(candidates)
            let ranked = admitted(answer.recommendations, candidates, catalogue: catalogue)
            var chosen = request.diversification?.choose(request.limit, from: ranked, catalogue: catalogue, similarity: similarity) ?? ranked
            if chosen.count == request.limit || ranked.count < candidates.limit || candidates.limit >= catalogue.count {
                let unexplained = request.wantsReasons ? chosen.filter(\.reason.isEmpty).map(\.movie) : []
                if !unexplained.isEmpty {
                    let reasons = try answer.reasons(unexplained)
                    for index in chosen.indices where chosen[index].reason.isEmpty { chosen[index].reason = reasons[chosen[index].movie] ?? "" }
                }
                return chosen
            }
            candidates.limit = min(2 * candidates.limit, catalogue.count)
        }
    }

    private static func admitted(_ recommendations: [Recommendation], _ request: RecommendationRequest, catalogue: Catalogue) -> [Recommendation] {
        var seen = Set<MovieID>()
        var answer: [Recommendation] = []
        for recommendation in recommendations where answer.count < request.limit {
            guard request.admits(recommendation.movie, in: catalogue),
                  seen.insert(recommendation.movie).inserted
            else { continue }
            answer.append(recommendation)
        }
        return answer
    }
}
