import Foundation
import RecLabCore

/// What an experiment has shown so far: per variant traffic and feedback, rates with 95%
/// intervals, lift against control with p-values, the sample-ratio check and offline scores.
public struct ExperimentReport: Codable, Sendable, Equatable {
    /// A rate (events per impression) with its 95% confidence interval; nil parts mean too
    /// little data (no impressions, or fewer than two users).
    public struct Estimate: Codable, Sendable, Equatable {
        public var value: Double?
        public var low: Double?
        public var high: Double?

        enum CodingKeys: String, CodingKey {
            case value, low, high
        }

        /// Writes `null` for what cannot be estimated yet, so clients always find the keys.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value, forKey: .value)
            try container.encode(low, forKey: .low)
            try container.encode(high, forKey: .high)
        }
    }

    /// A variant against control on one metric: relative lift, its 95% interval, the p-value
    /// and what a reader should conclude at α = 0.05.
    public struct Comparison: Codable, Sendable, Equatable {
        public enum Verdict: String, Codable, Sendable {
            case better, worse, inconclusive
            case notEnoughData = "not_enough_data"
        }

        public var relativeLift: Double?
        public var low: Double?
        public var high: Double?
        public var pValue: Double?
        public var degreesOfFreedom: Double?
        public var verdict: Verdict

        enum CodingKeys: String, CodingKey {
            case low, high, verdict
            case relativeLift = "relative_lift"
            case pValue = "p_value"
            case degreesOfFreedom = "degrees_of_freedom"
        }

        /// Writes `null` for what cannot be estimated yet, so clients always find the keys.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(relativeLift, forKey: .relativeLift)
            try container.encode(low, forKey: .low)
            try container.encode(high, forKey: .high)
            try container.encode(pValue, forKey: .pValue)
            try container.encode(degreesOfFreedom, forKey: .degreesOfFreedom)
            try container.encode(verdict, forKey: .verdict)
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
        public var parameters: ParameterValue?
        public var users: Int
        public var exposures: Int
        public var impressions: Int
        public var clicks: Int
        public var watches: Int
        public var ctr: Estimate
        public var watchRate: Estimate
        /// Nil for the control.
        public var ctrLift: Comparison?
        public var watchRateLift: Comparison?
        public var offline: OfflineScores?

        enum CodingKeys: String, CodingKey {
            case name, control, weight, strategy, parameters, users, exposures, impressions, clicks, watches, ctr, offline
            case watchRate = "watch_rate"
            case ctrLift = "ctr_lift"
            case watchRateLift = "watch_rate_lift"
        }

        /// Writes `null` for the control's lifts and for scores not evaluated offline.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(control, forKey: .control)
            try container.encode(weight, forKey: .weight)
            try container.encode(strategy, forKey: .strategy)
            try container.encode(parameters, forKey: .parameters)
            try container.encode(users, forKey: .users)
            try container.encode(exposures, forKey: .exposures)
            try container.encode(impressions, forKey: .impressions)
            try container.encode(clicks, forKey: .clicks)
            try container.encode(watches, forKey: .watches)
            try container.encode(ctr, forKey: .ctr)
            try container.encode(watchRate, forKey: .watchRate)
            try container.encode(ctrLift, forKey: .ctrLift)
            try container.encode(watchRateLift, forKey: .watchRateLift)
            try container.encode(offline, forKey: .offline)
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
    public var generatedAt: Date
    public var variants: [Variant]
    public var sampleRatio: SampleRatio?
    /// Users exposed to more than one variant (a salt or weight change mid-run); left out of
    /// every number, as GrowthBook does.
    public var usersInSeveralVariants: Int
    /// The variant the data favours on CTR, when it differs from control at p < 0.05 (or
    /// control, when every other variant is significantly worse); nil while inconclusive.
    public var winner: String?
    /// One sentence for the reader: the decision and why.
    public var conclusion: String
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case experiment, description, status, surface, variants, winner, conclusion, warnings
        case generatedAt = "generated_at"
        case sampleRatio = "sample_ratio"
        case usersInSeveralVariants = "users_in_several_variants"
    }

    /// Writes `null` for no winner and for no sample-ratio check (no users yet).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(experiment, forKey: .experiment)
        try container.encode(description, forKey: .description)
        try container.encode(status, forKey: .status)
        try container.encode(surface, forKey: .surface)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(variants, forKey: .variants)
        try container.encode(sampleRatio, forKey: .sampleRatio)
        try container.encode(usersInSeveralVariants, forKey: .usersInSeveralVariants)
        try container.encode(winner, forKey: .winner)
        try container.encode(conclusion, forKey: .conclusion)
        try container.encode(warnings, forKey: .warnings)
    }
}
