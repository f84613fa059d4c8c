/// Exclusions and the cut at `limit`, written once for every strategy (LensKit's split: a
/// model says what it scores and why; which movies a request admits and how many it gets
/// are decided here).
extension RecommendationRequest {
    /// The first `limit` candidates of a list already ranked best first that the request
    /// admits; stops walking the list as soon as it has them, so a long list costs no more
    /// than its head.
    @inlinable
    public func firstAdmitted<Candidate>(
        _ ranked: some Sequence<Candidate>, item: (Candidate) -> CatalogueItem?,
        answer: (Candidate, CatalogueItem) -> Recommendation
    ) -> [Recommendation] {
        var answers: [Recommendation] = []
        guard limit > 0 else { return answers }
        for candidate in ranked {
            guard let item = item(candidate), admits(item) else { continue }
            answers.append(answer(candidate, item))
            if answers.count == limit { break }
        }
        return answers
    }

    /// The best `limit` of scored candidates the request admits, best first, equal scores by
    /// smaller movie id. `score` is nil for a candidate the model does not score.
    @inlinable
    public func bestAdmitted<Candidates: Collection>(
        _ candidates: Candidates, movie: (Candidates.Element) -> MovieID, score: (Candidates.Element) -> Double?,
        item: (MovieID) -> CatalogueItem?
    ) -> [(movie: MovieID, score: Double)] {
        var scored = 0
        return admittedLeaders(
            of: candidates.count,
            best: { width in
                var leaders = TopK(width)
                scored = 0
                for candidate in candidates {
                    guard let value = score(candidate) else { continue }
                    scored += 1
                    leaders.insert(movie(candidate), score: value)
                }
                return leaders.sorted()
            },
            scored: { scored }, item: { item($0.id) }
        ).map { ($0.id, $0.score) }
    }

    /// `bestAdmitted` for a model that scores its movies by position into one array, positions
    /// in ascending movie id (so equal scores go to the smaller position); −∞ or NaN marks a
    /// position the model does not offer.
    ///
    /// Once the leaders fill, a score must beat the worst of them to be looked at again: one
    /// comparison with a number held in a register turns away almost every movie.
    @inlinable
    public func bestAdmitted(scores: UnsafeBufferPointer<Float>, item: (Int) -> CatalogueItem?) -> [(position: Int, score: Float)] {
        admittedLeaders(
            of: scores.count,
            best: { width in
                var leaders = BestK<ScoredPosition>(width)
                var threshold = -Float.infinity
                // Later positions never win a tie, so beating the worst leader is the whole test.
                for position in scores.indices where scores[position] > threshold {
                    leaders.insert(ScoredPosition(position: position, score: scores[position]))
                    if let worst = leaders.worstIfFull { threshold = worst.score }
                }
                return leaders.sorted()
            },
            scored: { scores.lazy.filter { $0 > -Float.infinity }.count }, item: { item($0.position) }
        ).map { ($0.position, $0.score) }
    }

    /// The first `limit` (at most `count`) of the leaders the request admits. `admits` is
    /// asked only of the leaders rather than of every candidate: `best` gives the best `width`
    /// in rank order; only if too few pass, and fewer than the `scored` candidates were taken,
    /// is the width doubled and the selection redone.
    @inlinable
    func admittedLeaders<Leader>(
        of count: Int, best: (_ width: Int) -> [Leader], scored: () -> Int, item: (Leader) -> CatalogueItem?
    ) -> [Leader] {
        // No more than there are candidates, whatever limit was asked for.
        let limit = min(self.limit, count)
        guard limit > 0 else { return [] }
        var width = 2 * limit
        while true {
            var picked: [Leader] = []
            for leader in best(width) {
                guard let item = item(leader), admits(item) else { continue }
                picked.append(leader)
                if picked.count == limit { return picked }
            }
            if width >= scored() { return picked }
            width *= 2
        }
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
        try answer(request, catalogue: catalogue, similarity: similarity, ranking: model.recommend)
    }

    /// The rules over any ranking (a list from outside, such as TMDB's trending movies, as a
    /// model would give it), `catalogue` holding every movie it can name.
    public static func answer(
        _ request: RecommendationRequest, catalogue: Catalogue, similarity: (any ItemSimilarity)?,
        ranking: (RecommendationRequest) throws -> [Recommendation]
    ) rethrows -> [Recommendation] {
        guard let diversification = request.diversification, request.limit > 0 else {
            return try admitted(ranking(request), request, catalogue: catalogue)
        }
        // A larger list of candidates, re-ordered; widened while a cap leaves the list short
        // and the model had more to give.
        var candidates = request
        candidates.limit = min(Diversification.candidates(for: request.limit), catalogue.count)
        while true {
            let ranked = try admitted(ranking(candidates), candidates, catalogue: catalogue)
            let chosen = diversification.choose(request.limit, from: ranked, catalogue: catalogue, similarity: similarity)
            if chosen.count == request.limit || ranked.count < candidates.limit || candidates.limit >= catalogue.count { return chosen }
            candidates.limit = min(2 * candidates.limit, catalogue.count)
        }
    }

    private static func admitted(_ recommendations: [Recommendation], _ request: RecommendationRequest, catalogue: Catalogue) -> [Recommendation] {
        var seen = Set<MovieID>()
        var answer: [Recommendation] = []
        for recommendation in recommendations where answer.count < request.limit {
            guard let item = catalogue.item(recommendation.movie), request.admits(item), seen.insert(item.id).inserted else { continue }
            answer.append(recommendation)
        }
        return answer
    }
}
