import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabStatistics

/// Hand-built evaluation reports: a realistic five-strategy run and the edge cases a renderer
/// must survive (one strategy, ten, all zeros, NaN and missing series).
enum ReportFixtures {
    static let data = DataDescription(
        file: "../shared/datasets/ml-latest-small/ratings.csv", sha256: "e9a7d1a4a0a54f2e3c9e3a3a5f7f0f4b5a0e0c8f4d3b2a1908172635445362718",
        users: 610, ratings: 100_836, trainRows: 80_672, testRows: 20_164, moviesInTrain: 8_239, usersScored: 574,
        fitRows: 64_549, validationRows: 16_123, moviesInFit: 7_151, usersScoredOnValidation: 590)

    /// Five strategies with distinct figures: two fixed in the config, one fixed with defaults,
    /// two chosen on validation grids (ease over lambda, als over factors × regularization).
    static let sample = report(name: "Baselines vs personalized, ml-latest-small", strategies: [
        strategy("popularity", "popularity", .object([:]), metrics: [0.1012, 0.0634, 0.0712, 0.3929, 0.2018, 0.0455, 0.0087],
                 zeroShare: 0.61, fit: 0.0123, recommend: 0.4521),
        strategy("genre", "genre", .object(["min_ratings": .number(5)]), metrics: [0.0588, 0.0311, 0.0402, 0.2627, 0.1123, 0.0231, 0.1520],
                 zeroShare: 0.74, fit: 0.0310, recommend: 0.8807),
        strategy("content", "content", .object(["keyword_weight": .number(0.5), "similarity": .string("cosine")]),
                 metrics: [0.0735, 0.0502, 0.0489, 0.3100, 0.1580, 0.0312, 0.4033], zeroShare: 0.69, fit: 1.2044, recommend: 3.1002),
        strategy("ease", "personalized", .object(["model": .string("ease"), "lambda": .number(500)]),
                 metrics: [0.1876, 0.1203, 0.1290, 0.5966, 0.3412, 0.0998, 0.2148], rating: RatingMetrics(rmse: 0.8712, mae: 0.6690, ratingsScored: 18_402),
                 grid: [100, 250, 500, 1000].map { lambda in
                     GridPoint(parameters: .object(["model": .string("ease"), "lambda": .number(lambda)]),
                               validationNDCG: [100: 0.1502, 250: 0.1688, 500: 0.1734, 1000: 0.1611][lambda]!, fitSeconds: 2.3456)
                 }, zeroShare: 0.40, fit: 9.8765, recommend: 1.0203),
        strategy("als", "personalized", .object(["model": .string("als"), "factors": .number(64), "regularization": .number(0.05), "iterations": .number(15)]),
                 metrics: [0.1433, 0.0987, 0.1002, 0.5201, 0.2870, 0.0761, 0.3120], rating: RatingMetrics(rmse: 0.9104, mae: 0.7033, ratingsScored: 18_402),
                 grid: [(32, 0.05, 0.1290), (32, 0.5, 0.1221), (64, 0.05, 0.1398), (64, 0.5, 0.1307)].map { factors, regularization, score in
                     GridPoint(parameters: .object(["factors": .number(Double(factors)), "regularization": .number(regularization), "iterations": .number(15)]),
                               validationNDCG: score, fitSeconds: Double(factors) / 10)
                 }, zeroShare: 0.47, fit: 12.5, recommend: 0.9871),
    ])

    /// The sample with its first strategy renamed, e.g. to markup.
    static func sample(renamingFirstTo name: String) -> EvaluationReport {
        var report = sample
        report.strategies[0].name = name
        return report
    }

    /// One strategy that found nothing: every metric, series and user at zero.
    static let allZero = report(name: "nothing found", strategies: [
        strategy("zero", "popularity", .object([:]), metrics: Array(repeating: 0, count: 7), zeroShare: 1, fit: 0, recommend: 0),
    ])

    /// Ten strategies, the palette's length, all with grids.
    static let ten = report(name: "ten strategies", strategies: (0..<10).map { index in
        let score = 0.05 + Double(index) * 0.017
        return strategy("strategy number \(index) with a rather long name", "popularity", .object(["rank": .number(0)]),
                        metrics: [score, score * 0.7, score * 0.6, score * 3, score * 2, score * 0.5, Double(index) / 10],
                        grid: (0..<3).map { GridPoint(parameters: .object(["rank": .number(Double($0))]), validationNDCG: score - Double($0) / 100, fitSeconds: 1) },
                        zeroShare: 0.5, fit: 1, recommend: 1)
    })

    /// What a broken strategy could hand the renderer: NaN figures, no series, no users.
    static let degenerate: EvaluationReport = {
        var broken = strategy("broken", "content", .array([.null, .bool(true)]), metrics: [.nan, .infinity, 0, 0, 0, 0, .nan], rating: RatingMetrics(rmse: .nan, mae: 1, ratingsScored: 0),
                              grid: [GridPoint(parameters: .string("only"), validationNDCG: .nan, fitSeconds: .infinity)], zeroShare: 0, fit: .nan, recommend: 0)
        broken.curves = ["ndcg": [.nan, 0.1]]
        broken.perUserNDCG = []
        return report(name: "degenerate", strategies: [broken])
    }()

    /// The sample as a run with intervals reports it: every metric ± 0.01, every grid point
    /// ± 0.005, ease best, als statistically tied with it, the rest below.
    static let sampleWithIntervals: EvaluationReport = {
        var report = sample
        report.bootstrap = BootstrapSettings()
        for index in report.strategies.indices {
            let metrics = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(report.strategies[index].metrics)) as! [String: Double]
            report.strategies[index].intervals = metrics.mapValues { Interval(low: $0 - 0.01, high: $0 + 0.01) }
            report.strategies[index].grid = report.strategies[index].grid.map { point in
                var point = point
                point.interval = Interval(low: point.validationNDCG - 0.005, high: point.validationNDCG + 0.005)
                return point
            }
            let difference = report.strategies[index].metrics.ndcg - 0.1876
            switch report.strategies[index].name {
            case "ease": break
            case "als": report.strategies[index].versusBest = PairedDifference(difference: difference, low: difference - 0.03, high: 0.0021, pValue: 0.0834)
            default: report.strategies[index].versusBest = PairedDifference(difference: difference, low: difference - 0.02, high: difference + 0.02, pValue: 0.0004)
            }
        }
        return report
    }()

    /// By name, for parameterized tests whose logs should name a fixture, not print it.
    static let byName = ["sample": sample, "sampleWithIntervals": sampleWithIntervals, "allZero": allZero, "ten": ten, "degenerate": degenerate]

    static func report(name: String, strategies: [StrategyResult]) -> EvaluationReport {
        EvaluationReport(id: "2025-11-25T10-00-00Z-3f9c", name: name, protocolVersion: "v1", createdAt: Date(timeIntervalSince1970: 1_764_064_800),
                         data: data, strategies: strategies, totalSeconds: 83.25)
    }

    /// A strategy whose curves pass through its @10 metrics and whose 574 per-user scores
    /// hold `zeroShare` zeros, the rest spread deterministically over (0, 1].
    static func strategy(_ name: String, _ id: String, _ parameters: ParameterValue, metrics m: [Double], rating: RatingMetrics? = nil,
                         grid: [GridPoint] = [], zeroShare: Double, fit: Double, recommend: Double) -> StrategyResult {
        let ks = (1...20).map { Double($0) / 10 }
        var state = UInt64(truncatingIfNeeded: name.unicodeScalars.reduce(7) { $0 &* 31 &+ Int($1.value) })
        let users = (0..<574).map { user -> Double in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let uniform = Double(state >> 11) / Double(1 << 53)
            return Double(user) < zeroShare * 574 ? 0 : min(1, (uniform * uniform) * 0.9 + 0.05)
        }
        return StrategyResult(
            name: name, strategy: id, parameters: parameters,
            selection: grid.isEmpty ? "fixed in the config" : "best of \(grid.count) on validation", grid: grid,
            metrics: RankingMetrics(ndcg: m[0], recall: m[1], precision: m[2], hitRate: m[3], mrr: m[4], map: m[5], coverage: m[6]),
            rating: rating,
            curves: ["ndcg": ks.map { m[0] * pow($0, 0.35) }, "recall": ks.map { m[1] * pow($0, 0.75) }, "precision": ks.map { m[2] * pow($0, -0.3) }],
            perUserNDCG: users, fitSeconds: fit, recommendSeconds: recommend)
    }
}
