import Foundation

/// One scored user's ranked list against their relevant movies: the per-user terms of the
/// protocol's metrics at any cut-off (the evaluation's, and a strategy's own early stopping).
public struct UserRanking: Sendable {
    public let ranked: [MovieID]
    public let relevant: Set<MovieID>

    public init(ranked: [MovieID], relevant: Set<MovieID>) {
        self.ranked = ranked
        self.relevant = relevant
    }

    public func hits(at k: Int) -> Int { ranked.prefix(k).filter(relevant.contains).count }

    /// Binary-gain nDCG: hits at rank r gain 1/log2(r+1); the ideal puts min(K, |relevant|)
    /// hits on top.
    public func ndcg(at k: Int) -> Double {
        var dcg = 0.0
        for (index, movie) in ranked.prefix(k).enumerated() where relevant.contains(movie) {
            dcg += 1 / log2(Double(index + 2))
        }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return ideal > 0 ? dcg / ideal : 0
    }

    public func recall(at k: Int) -> Double { Double(hits(at: k)) / Double(relevant.count) }
    public func precision(at k: Int) -> Double { Double(hits(at: k)) / Double(k) }
    public func hitRate(at k: Int) -> Double { hits(at: k) > 0 ? 1 : 0 }

    public func reciprocalRank(at k: Int) -> Double {
        guard let first = ranked.prefix(k).firstIndex(where: relevant.contains) else { return 0 }
        return 1 / Double(first + 1)
    }

    /// Sum of precision at each hit's rank, over min(K, |relevant|).
    public func averagePrecision(at k: Int) -> Double {
        var hits = 0
        var sum = 0.0
        for (index, movie) in ranked.prefix(k).enumerated() where relevant.contains(movie) {
            hits += 1
            sum += Double(hits) / Double(index + 1)
        }
        return sum / Double(min(k, relevant.count))
    }
}
