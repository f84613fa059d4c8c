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
        /// With CUPED, the share of the lift's variance that the pre-exposure covariate
        /// removed (0.3: the interval is √0.7 ≈ 84% as wide); null without CUPED.
        @Nullable public var varianceReduction: Double? = nil
    }

    /// A treatment's lift on a guardrail metric against the drop the experiment allows.
    public struct GuardrailCheck: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable {
            /// The interval rules out a drop larger than allowed.
            case passed
            /// A significant drop, larger than allowed: the variant cannot win.
            case failed
            /// Neither yet.
            case inconclusive
            case notEnoughData = "not_enough_data"
        }

        public var metric: String
        public var maxDrop: Double
        @Nullable public var relativeLift: Double? = nil
        @Nullable public var low: Double? = nil
        @Nullable public var high: Double? = nil
        public var status: Status


        /// The lift checked, to describe as any lift is.
        var lift: Comparison {
            Comparison(relativeLift: relativeLift, low: low, high: high, pValue: nil, degreesOfFreedom: nil, verdict: .inconclusive)
        }
    }

    /// Two rankers of an interleaving experiment: how many users' clicks favoured each, and
    /// whether that is more than chance (an exact sign test over the users who preferred one).
    public struct Preference: Codable, Sendable, Equatable {
        public var a: String
        public var b: String
        /// Users served interleaved lists.
        public var users: Int
        /// Users who clicked a movie either ranker put in their lists.
        public var usersWithClicks: Int
        /// Users whose clicks credited `a` more often than `b`, and the other way round.
        public var favourA: Int
        public var favourB: Int
        /// Users who clicked, as often on `a`'s movies as on `b`'s.
        public var tied: Int
        /// favour_a / (favour_a + favour_b), with its exact (Clopper–Pearson) 95% interval.
        @Nullable public var shareFavouringA: Double? = nil
        @Nullable public var low: Double? = nil
        @Nullable public var high: Double? = nil
        /// The exact binomial test of an even split of favour_a + favour_b users.
        @Nullable public var pValue: Double? = nil
        /// The ranker preferred at p < 0.05; null for "no preference yet".
        @Nullable public var preferred: String? = nil
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
        /// The experiment's guardrails checked on this variant; empty for the control.
        public var guardrails: [GuardrailCheck] = []
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
    }

    public var experiment: String
    public var description: String
    public var status: String
    public var surface: String
    /// "ab" or "interleaving" (the file's `kind`).
    public var kind: String
    /// "fixed" or "sequential": how the intervals and p-values were computed (the file's `analysis`).
    public var analysis: String
    /// Whether lifts are adjusted for each user's activity before their first exposure.
    public var cuped: Bool
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
    /// Interleaving only: every pair of rankers, the control's pairs first.
    @Nullable public var preferences: [Preference]? = nil
}
