import Foundation
import RecLabCore

/// What an experiment has shown so far: per variant traffic and feedback, rates with 95%
/// intervals, lift against control with p-values, the sample-ratio check and offline scores.
public struct ExperimentReport: Codable, Sendable, Equatable {
    /// A rate (events per impression) with its 95% confidence interval; nil parts mean too
    /// little data (no impressions, or fewer than two users).
    public struct Estimate: Codable, Sendable, Equatable {
        @Nullable public var value: Double? = nil
        @Nullable public var low: Double? = nil
        @Nullable public var high: Double? = nil

        enum CodingKeys: String, CodingKey {
            case value, low, high
        }
    }

    /// A variant against control on one metric: relative lift, its 95% interval, the p-value
    /// and what a reader should conclude at α = 0.05.
    public struct Comparison: Codable, Sendable, Equatable {
        public enum Verdict: String, Codable, Sendable {
            case better, worse, inconclusive
            case notEnoughData = "not_enough_data"
        }

        @Nullable public var relativeLift: Double? = nil
        @Nullable public var low: Double? = nil
        @Nullable public var high: Double? = nil
        @Nullable public var pValue: Double? = nil
        @Nullable public var degreesOfFreedom: Double? = nil
        public var verdict: Verdict

        enum CodingKeys: String, CodingKey {
            case low, high, verdict
            case relativeLift = "relative_lift"
            case pValue = "p_value"
            case degreesOfFreedom = "degrees_of_freedom"
        }
    }

    /// A strategy's scores in an offline evaluation, to read beside the online numbers.
    public struct OfflineScores: Codable, Sendable, Equatable {
        public var evaluation: String
        public var entry: String
        public var ndcg: Double
        public var recall: Double
        public var precision: Double
        public var coverage: Double

        public init(evaluation: String, entry: String, ndcg: Double, recall: Double, precision: Double, coverage: Double) {
            self.evaluation = evaluation
            self.entry = entry
            self.ndcg = ndcg
            self.recall = recall
            self.precision = precision
            self.coverage = coverage
        }
    }

    /// One arm: its configuration, traffic, feedback, rates and comparison with control.
    public struct Variant: Codable, Sendable, Equatable {
        public var name: String
        public var control: Bool
        public var weight: Double
        public var strategy: String
        @Nullable public var parameters: ParameterValue? = nil
        public var users: Int
        public var exposures: Int
        public var impressions: Int
        public var clicks: Int
        public var watches: Int
        public var ctr: Estimate
        public var watchRate: Estimate
        /// Nil for the control.
        @Nullable public var ctrLift: Comparison? = nil
        @Nullable public var watchRateLift: Comparison? = nil
        @Nullable public var offline: OfflineScores? = nil

        enum CodingKeys: String, CodingKey {
            case name, control, weight, strategy, parameters, users, exposures, impressions, clicks, watches, ctr, offline
            case watchRate = "watch_rate"
            case ctrLift = "ctr_lift"
            case watchRateLift = "watch_rate_lift"
        }
    }

    /// Pearson's chi-square of users per variant against the configured weights.
    public struct SampleRatio: Codable, Sendable, Equatable {
        public var expectedShares: [Double]
        public var observedUsers: [Int]
        public var chiSquare: Double
        public var degreesOfFreedom: Int
        public var pValue: Double
        public var threshold: Double
        /// True when p < threshold: the split is broken and the results should not be trusted.
        public var mismatch: Bool

        enum CodingKeys: String, CodingKey {
            case threshold, mismatch
            case expectedShares = "expected_shares"
            case observedUsers = "observed_users"
            case chiSquare = "chi_square"
            case degreesOfFreedom = "degrees_of_freedom"
            case pValue = "p_value"
        }
    }

    public var experiment: String
    public var description: String
    public var status: String
    public var surface: String
    /// "fixed" or "sequential": how the intervals and p-values were computed (the file's `analysis`).
    public var analysis: String
    public var generatedAt: Date
    public var variants: [Variant]
    @Nullable public var sampleRatio: SampleRatio? = nil
    /// Users exposed to more than one variant (a salt or weight change mid-run); left out of
    /// every number, as GrowthBook does.
    public var usersInSeveralVariants: Int
    /// Events that named one of the experiment's answers but were not credited to it.
    public var unattributedEvents: Int
    /// The variant the data favours on CTR, when it differs from control at p < 0.05 (or
    /// control, when every other variant is significantly worse); nil while inconclusive.
    @Nullable public var winner: String? = nil
    /// One sentence for the reader: the decision and why.
    public var conclusion: String
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case experiment, description, status, surface, analysis, variants, winner, conclusion, warnings
        case generatedAt = "generated_at"
        case sampleRatio = "sample_ratio"
        case usersInSeveralVariants = "users_in_several_variants"
        case unattributedEvents = "unattributed_events"
    }
}
