import Foundation
import RecLabCore
import RecLabStatistics

/// The result of one `reclab evaluate` run: what data, which protocol, and every figure of
/// every strategy, enough to render the report and to compare runs number for number.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var protocolVersion: String
    public var createdAt: Date
    public var data: DataDescription
    public var strategies: [StrategyResult]
    /// Wall-clock seconds of the whole run, grids included.
    public var totalSeconds: Double
    /// The strategy best on test ndcg@10 when no other is statistically tied with it; null
    /// when one is (or in a report from before intervals were computed).
    @Nullable public var winner: String?
    /// How the intervals and comparisons were computed; nil in reports from before them.
    public var bootstrap: BootstrapSettings?

    public init(
        id: String, name: String, protocolVersion: String, createdAt: Date, data: DataDescription, strategies: [StrategyResult], totalSeconds: Double,
        winner: String? = nil, bootstrap: BootstrapSettings? = nil
    ) {
        self.id = id
        self.name = name
        self.protocolVersion = protocolVersion
        self.createdAt = createdAt
        self.data = data
        self.strategies = strategies
        self.totalSeconds = totalSeconds
        self.winner = winner
        self.bootstrap = bootstrap
    }


    /// The strategy with the best test ndcg@10, the first on ties: the one every other is
    /// compared with.
    public var best: StrategyResult? {
        strategies.bestIndex.map { strategies[$0] }
    }
}

extension [StrategyResult] {
    /// Where the best test ndcg@10 is, the first on ties.
    var bestIndex: Int? {
        indices.filter { self[$0].metrics.ndcg.isFinite }.reduce(nil) { best, index in
            best.map { self[$0].metrics.ndcg >= self[index].metrics.ndcg ? $0 : index } ?? index
        }
    }
}

/// The bootstrap behind a report's intervals: resamples of the scored users, the generator's
/// seed, and the confidence level. Configurable per evaluation config (`bootstrap:`).
public struct BootstrapSettings: Codable, Sendable, Equatable {
    public var resamples: Int
    public var seed: UInt64
    public var confidence: Double

    public init(resamples: Int = 1_000, seed: UInt64 = 1, confidence: Double = 0.95) {
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence
    }

    /// The least p-value `Bootstrap.compare` can give with these resamples, 2 / (resamples + 1):
    /// reports print it as a bound ("≤ 0.002"), not a value.
    public var pValueFloor: Double { Bootstrap.pValueFloor(resamples: resamples) }

    /// Throws `ConfigurationError` naming the setting out of range.
    public func validate() throws {
        guard (100...1_000_000).contains(resamples) else { throw ConfigurationError("bootstrap.resamples: must be 100 to 1,000,000, got \(resamples)") }
        guard confidence >= 0.5 && confidence < 1 else { throw ConfigurationError("bootstrap.confidence: must be in [0.5, 1), got \(confidence)") }
    }
}

/// The ratings file evaluated and the sizes of the protocol's splits.
public struct DataDescription: Codable, Sendable, Equatable {
    public var file: String
    public var sha256: String
    public var users: Int
    public var ratings: Int
    public var trainRows: Int
    public var testRows: Int
    public var moviesInTrain: Int
    public var usersScored: Int
    public var fitRows: Int
    public var validationRows: Int
    public var moviesInFit: Int
    public var usersScoredOnValidation: Int

    public init(file: String, sha256: String, users: Int, ratings: Int, trainRows: Int, testRows: Int, moviesInTrain: Int, usersScored: Int,
                fitRows: Int, validationRows: Int, moviesInFit: Int, usersScoredOnValidation: Int) {
        self.file = file
        self.sha256 = sha256
        self.users = users
        self.ratings = ratings
        self.trainRows = trainRows
        self.testRows = testRows
        self.moviesInTrain = moviesInTrain
        self.usersScored = usersScored
        self.fitRows = fitRows
        self.validationRows = validationRows
        self.moviesInFit = moviesInFit
        self.usersScoredOnValidation = usersScoredOnValidation
    }
}

/// The protocol's ranking metrics at one cut-off K, averaged over scored users (coverage is
/// over the catalogue).
public struct RankingMetrics: Codable, Sendable, Equatable {
    public var ndcg: Double
    public var recall: Double
    public var precision: Double
    public var hitRate: Double
    public var mrr: Double
    public var map: Double
    public var coverage: Double

    public init(ndcg: Double, recall: Double, precision: Double, hitRate: Double, mrr: Double, map: Double, coverage: Double) {
        self.ndcg = ndcg
        self.recall = recall
        self.precision = precision
        self.hitRate = hitRate
        self.mrr = mrr
        self.map = map
        self.coverage = coverage
    }

    /// A metric's field in the report (`hit_rate@10`), which keys its interval too.
    static func field(_ key: CodingKeys) -> String { SnakeCaseKeys.snakeCase(key.stringValue) }

    /// The fields name their cutoff (`ndcg@10`); written in camelCase, `SnakeCaseKeys` turns
    /// `hitRate@10` into `hit_rate@10`.
    enum CodingKeys: String, CodingKey {
        case ndcg = "ndcg@10"
        case recall = "recall@10"
        case precision = "precision@10"
        case hitRate = "hitRate@10"
        case mrr = "mrr@10"
        case map = "map@10"
        case coverage = "coverage@10"
    }
}

/// The rating task's errors, for strategies that predict ratings.
public struct RatingMetrics: Codable, Sendable, Equatable {
    public var rmse: Double
    public var mae: Double
    public var ratingsScored: Int

    public init(rmse: Double, mae: Double, ratingsScored: Int) {
        self.rmse = rmse
        self.mae = mae
        self.ratingsScored = ratingsScored
    }
}

/// One point of a parameter grid and its validation score.
public struct GridPoint: Codable, Sendable, Equatable {
    public var parameters: ParameterValue
    /// ndcg@10 on the validation split (fit on fit rows).
    public var validationNDCG: Double
    public var fitSeconds: Double
    /// The interval of `validationNDCG`, bootstrapped over the validation users; nil in
    /// reports from before intervals.
    public var interval: Interval?

    public init(parameters: ParameterValue, validationNDCG: Double, fitSeconds: Double, interval: Interval? = nil) {
        self.parameters = parameters
        self.validationNDCG = validationNDCG
        self.fitSeconds = fitSeconds
        self.interval = interval
    }

    enum CodingKeys: String, CodingKey {
        case parameters, interval
        case validationNDCG = "validationNdcg@10"
        case fitSeconds
    }
}

/// One evaluated strategy instance: its chosen parameters, how they were chosen, its
/// metrics on test and the series the charts draw.
public struct StrategyResult: Codable, Sendable, Equatable {
    public var name: String
    public var strategy: String
    /// The parameters scored on test (resolved, defaults included).
    public var parameters: ParameterValue
    /// How the parameters were chosen: "fixed in the config" or "best of N on validation".
    public var selection: String
    /// Every grid point with its validation score; empty when the parameters were fixed.
    public var grid: [GridPoint]
    public var metrics: RankingMetrics
    public var rating: RatingMetrics?
    /// ndcg, recall and precision at K = 1…20 (index K-1).
    public var curves: [String: [Double]]
    /// ndcg@10 of each scored user, in user order: the distribution the report draws.
    public var perUserNDCG: [Double]
    public var fitSeconds: Double
    /// Seconds to produce every scored user's top 10 on test.
    public var recommendSeconds: Double
    /// Each metric's interval, keyed as `metrics` is ("ndcg@10"…); nil in reports from before
    /// intervals.
    public var intervals: [String: Interval]?
    /// Paired comparison with the best strategy on per-user ndcg@10 (this one − the best);
    /// null for the best itself.
    @Nullable public var versusBest: PairedDifference?
    /// 1 − the mean likeness of the pairs of each top 10, averaged over users, likeness as the
    /// plan's first content model measures it; absent when the plan has none.
    public var intraListDiversity: Double?

    public init(name: String, strategy: String, parameters: ParameterValue, selection: String, grid: [GridPoint], metrics: RankingMetrics,
                rating: RatingMetrics?, curves: [String: [Double]], perUserNDCG: [Double], fitSeconds: Double, recommendSeconds: Double,
                intervals: [String: Interval]? = nil, versusBest: PairedDifference? = nil) {
        self.name = name
        self.strategy = strategy
        self.parameters = parameters
        self.selection = selection
        self.grid = grid
        self.metrics = metrics
        self.rating = rating
        self.curves = curves
        self.perUserNDCG = perUserNDCG
        self.fitSeconds = fitSeconds
        self.recommendSeconds = recommendSeconds
        self.intervals = intervals
        self.versusBest = versusBest
    }

    enum CodingKeys: String, CodingKey {
        case name, strategy, parameters, selection, grid, metrics, rating, curves, intervals
        case perUserNDCG = "perUserNdcg@10"
        case versusBest
        case fitSeconds
        case recommendSeconds
        case intraListDiversity = "diversity@10"
    }
}

extension EvaluationReport {
    /// The newest result, across `reports` (newest first), of `strategy` run with exactly
    /// `parameters` (resolved, defaults filled in), and the report it is in; an entry named
    /// `preferring` wins over a twin with the same parameters.
    public static func newestResult(
        in reports: [EvaluationReport], strategy: String, parameters: ParameterValue, preferring name: String? = nil
    ) -> (report: EvaluationReport, result: StrategyResult)? {
        for report in reports {
            let twins = report.strategies.filter { $0.strategy == strategy && $0.parameters == parameters }
            if let result = twins.first(where: { $0.name == name }) ?? twins.first { return (report, result) }
        }
        return nil
    }
}
