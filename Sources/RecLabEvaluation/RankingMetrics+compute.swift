import Foundation
import RecLabCore
import RecLabStatistics

extension RankingMetrics {
    /// The protocol's metrics at `k` over scored users; coverage against `catalogueSize`
    /// (distinct movies in train).
    init(_ rankings: [UserRanking], k: Int, catalogueSize: Int) {
        let count = Double(max(rankings.count, 1))
        func mean(_ term: (UserRanking) -> Double) -> Double { rankings.reduce(0) { $0 + term($1) } / count }
        let recommended = Set(rankings.flatMap { $0.ranked.prefix(k) })
        self.init(
            ndcg: mean { $0.ndcg(at: k) }, recall: mean { $0.recall(at: k) }, precision: mean { $0.precision(at: k) },
            hitRate: mean { $0.hitRate(at: k) }, mrr: mean { $0.reciprocalRank(at: k) }, map: mean { $0.averagePrecision(at: k) },
            coverage: catalogueSize > 0 ? Double(recommended.count) / Double(catalogueSize) : 0)
    }
}

extension RankingMetrics {
    /// The per-user terms whose means are the metrics (all but coverage), keyed as report.json
    /// keys `metrics`, users in the rankings' order: what the bootstrap resamples.
    static func perUserTerms(_ rankings: [UserRanking], k: Int) -> [(key: String, values: [Double])] {
        [
            (Self.field(.ndcg), rankings.map { $0.ndcg(at: k) }),
            (Self.field(.recall), rankings.map { $0.recall(at: k) }),
            (Self.field(.precision), rankings.map { $0.precision(at: k) }),
            (Self.field(.hitRate), rankings.map { $0.hitRate(at: k) }),
            (Self.field(.mrr), rankings.map { $0.reciprocalRank(at: k) }),
            (Self.field(.map), rankings.map { $0.averagePrecision(at: k) }),
        ]
    }

    /// Every metric's interval over the scored users. The means' are percentile intervals.
    /// Coverage is no mean: a resample holds about 63% of the users, so it recommends fewer
    /// distinct movies and its replicates all fall below the observed value; they are moved by
    /// that bias (observed − their mean) before the percentiles are taken.
    static func intervals(_ rankings: [UserRanking], k: Int, catalogueSize: Int, bootstrap: Bootstrap) -> [String: Interval] {
        var intervals: [String: Interval] = [:]
        for (key, values) in perUserTerms(rankings, k: k) {
            intervals[key] = bootstrap.intervalOfMean(values)
        }
        // Each user's top k as small numbers, so a resample's distinct movies are counted with
        // an array of stamps rather than a set.
        var numbers: [MovieID: Int32] = [:]
        let lists = rankings.map { ranking in
            ranking.ranked.prefix(k).map { movie in
                numbers[movie] ?? {
                    numbers[movie] = Int32(numbers.count)
                    return Int32(numbers.count - 1)
                }()
            }
        }
        var stamps = [Int](repeating: -1, count: numbers.count)
        var resample = 0
        let replicates = bootstrap.replicates { drawn in
            defer { resample += 1 }
            var distinct = 0
            for (list, times) in zip(lists, drawn) where times > 0 {
                for number in list where stamps[Int(number)] != resample {
                    stamps[Int(number)] = resample
                    distinct += 1
                }
            }
            return catalogueSize > 0 ? Double(distinct) / Double(catalogueSize) : 0
        }
        let observed = catalogueSize > 0 ? Double(numbers.count) / Double(catalogueSize) : 0
        let bias = observed - replicates.reduce(0, +) / Double(max(replicates.count, 1))
        intervals[Self.field(.coverage)] = bootstrap.percentileInterval(replicates.map { $0 + bias })
        return intervals
    }
}
