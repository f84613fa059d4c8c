import Foundation
import RecLabCore
import RecLabExperiments
import RecLabStatistics
import RecLabStore
import TestSupport
import Testing

@Suite struct ExperimentAnalysisTests {
    static let experiment = Experiment(
        id: "exp", description: "control against treatment", status: .running, surface: .personalized, salt: "exp", coverage: 1,
        namespace: nil, targeting: .init(), variants: [
            .init(name: "control", weight: 0.5, isControl: true, strategy: "popularity", parameters: nil),
            .init(name: "treatment", weight: 0.5, isControl: false, strategy: "personalized", parameters: nil),
        ])

    /// `users` users in `variant`, each with 10 impressions; user i clicks `clicks(i)` of them.
    static func activity(_ variant: String, users: Int, clicks: (Int) -> Int, watches: (Int) -> Int = { _ in 0 }) -> [VariantUserActivity] {
        (0..<users).map { user in
            VariantUserActivity(variant: variant, userID: "\(variant)-\(user)", exposures: 1, impressions: 10, clicks: clicks(user), watches: watches(user))
        }
    }

    @Test func aSkewedEventLogRaisesTheSampleRatioWarning() {
        // 50/50 configured, but 1,000 against 880 users arrived: chi-square 7.66 would pass at
        // 0.001, so skew further, as a lost-exposure bug does: 1,000 against 800.
        let log = Self.activity("control", users: 1_000) { $0 % 10 == 0 ? 1 : 0 } + Self.activity("treatment", users: 800) { $0 % 10 == 0 ? 1 : 0 }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        let ratio = try! #require(report.sampleRatio)
        #expect(abs(ratio.chiSquare - 2 * 100.0 * 100 / 900) < 1e-9)
        #expect(ratio.pValue < 0.001)
        #expect(ratio.mismatch)
        #expect(report.winner == nil)
        #expect(report.warnings.contains { $0.hasPrefix("Sample ratio mismatch") })
        #expect(report.conclusion.contains("sample ratio mismatch"))
    }

    @Test func aBalancedSplitPassesTheSampleRatioCheck() {
        let log = Self.activity("control", users: 1_000) { $0 % 10 == 0 ? 1 : 0 } + Self.activity("treatment", users: 960) { $0 % 10 == 0 ? 1 : 0 }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        #expect(report.sampleRatio?.mismatch == false)
        #expect(report.warnings.isEmpty)
    }

    @Test func withOneImpressionCountPerUserTheIntervalIsTheTInterval() {
        // Every user sees 10 movies, so CTR is the mean of clicks/10 and the delta method reduces
        // to the ordinary standard error of that mean.
        let clicks = (0..<50).map { $0 % 4 }
        let log = Self.activity("control", users: 50) { clicks[$0] }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        let ctr = report.variants[0].ctr
        let rates = clicks.map { Double($0) / 10 }
        let mean = rates.reduce(0, +) / 50
        let standardError = (rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 49 / 50).squareRoot()
        let margin = Distributions.studentTQuantile(0.975, degreesOfFreedom: 49) * standardError
        #expect(abs(ctr.value! - mean) < 1e-12)
        #expect(abs(ctr.low! - (mean - margin)) < 1e-12)
        #expect(abs(ctr.high! - (mean + margin)) < 1e-12)
    }

    @Test func aClearlyBetterTreatmentWinsWithItsLiftInterval() {
        // Control clicks 1 in 10, treatment 1.5 in 10 on average: +50%.
        let log = Self.activity("control", users: 400) { $0 % 2 == 0 ? 0 : 2 } + Self.activity("treatment", users: 400) { $0 % 2 == 0 ? 1 : 2 }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        let lift = try! #require(report.variants[1].ctrLift)
        #expect(abs(lift.relativeLift! - 0.5) < 1e-12)
        #expect(lift.low! > 0 && lift.high! > 0.5)
        #expect(lift.pValue! < 1e-6)
        #expect(lift.verdict == .better)
        #expect(report.winner == "treatment")
        #expect(report.variants[0].ctrLift == nil)
        #expect(report.conclusion.hasPrefix("treatment wins on CTR: +50.0%"))
    }

    @Test func noDifferenceIsInconclusiveWithAnIntervalAcrossZero() {
        let log = Self.activity("control", users: 300) { $0 % 3 } + Self.activity("treatment", users: 300) { ($0 + 1) % 3 }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        let lift = try! #require(report.variants[1].ctrLift)
        #expect(abs(lift.relativeLift!) < 1e-12)
        #expect(lift.low! < 0 && lift.high! > 0)
        #expect(lift.pValue! > 0.99)
        #expect(lift.verdict == .inconclusive)
        #expect(report.winner == nil)
    }

    @Test func usersSeenInTwoVariantsAreLeftOut() {
        var log = Self.activity("control", users: 20) { $0 % 2 } + Self.activity("treatment", users: 20) { $0 % 2 }
        log.append(VariantUserActivity(variant: "treatment", userID: "control-0", exposures: 1, impressions: 10, clicks: 5, watches: 0))
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        #expect(report.usersInSeveralVariants == 1)
        #expect(report.variants.map(\.users) == [19, 20])
        #expect(report.warnings.contains { $0.contains("more than one variant") })
    }

    @Test func noExposuresYetSaysSoWithExplicitNulls() throws {
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: [])
        // As reports are written: the seed's snake_case fields.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = SnakeCaseKeys.encoding
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any])
        #expect(json["winner"] is NSNull && json["sample_ratio"] is NSNull)
        let variants = try #require(json["variants"] as? [[String: Any]])
        #expect((variants[0]["ctr"] as? [String: Any])?["value"] is NSNull)
        #expect(variants[0]["ctr_lift"] is NSNull && variants[1]["offline"] is NSNull)
        #expect((variants[1]["ctr_lift"] as? [String: Any])?["p_value"] is NSNull)
        #expect((variants[1]["ctr_lift"] as? [String: Any])?["verdict"] as? String == "not_enough_data")
        #expect(report.sampleRatio == nil)
        #expect(report.variants.allSatisfy { $0.ctr.value == nil && $0.users == 0 })
        #expect(report.conclusion.hasPrefix("No exposures yet"))
        #expect(report.winner == nil)
    }

    @Test func theHTMLPageShowsTheVariantsChartsAndWarnings() {
        let log = Self.activity("control", users: 1_000) { $0 % 10 == 0 ? 1 : 0 } + Self.activity("treatment", users: 800) { $0 % 5 == 0 ? 1 : 0 }
        let html = ExperimentHTMLReport.render(ExperimentAnalysis.report(experiment: Self.experiment, activity: log))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("control (control)") && html.contains("treatment"))
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 4)
        #expect(html.contains("class=\"warning\"") && html.contains("Sample ratio mismatch"))
        #expect(!html.contains("NaN") && !html.contains("inf"))
    }

    /// The peeking problem, simulated: 400 A/A experiments read at 10 looks of 200 more users
    /// each. Fixed analysis calls a difference far more often than 5%; sequential stays under.
    @Test func readingAnAAExperimentAtEveryLookInflatesFixedFalsePositivesButNotSequentialOnes() async {
        let simulation = PeekingSimulation(experiments: 400, looks: 10, usersPerLook: 200, seed: 1)
        let rates = await offThePool { simulation.falsePositiveRates([.fixed, .sequential(tuning: 5_000)]) }
        let (fixed, sequential) = (rates[0], rates[1])
        // One look is what a fixed analysis is for: about 5% there, far more once read at every look.
        #expect(abs(fixed[0] - 0.05) < 0.035, "fixed analysis at one look: \(fixed[0])")
        #expect(fixed[9] > 0.1, "fixed analysis read at 10 looks: \(fixed[9])")
        #expect(sequential[9] <= 0.05, "sequential analysis read at 10 looks: \(sequential[9])")
        #expect(zip(fixed, fixed.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func anExperimentFileChoosesItsAnalysisAndRefusesAnUnknownOne() throws {
        func parse(_ lines: String) throws -> Experiment {
            try ExperimentFile.parse("""
                id: e
                status: draft
                surface: personalized
                salt: e
                \(lines)
                variants:
                  - { name: control, weight: 0.5, control: true, strategy: popularity }
                  - { name: treatment, weight: 0.5, strategy: popularity }
                """, file: "e.yaml", registry: ExperimentFileTests.registry)
        }
        #expect(try parse("").analysis == .fixed)
        #expect(try parse("analysis: sequential").analysis == .sequential(tuning: 5_000))
        #expect(try parse("analysis: sequential\nsequential_tuning: 20000").analysis == .sequential(tuning: 20_000))
        let unknown = #expect(throws: ConfigurationError.self) { try parse("analysis: bayesian") }
        #expect(unknown?.description == "e.yaml: analysis: unknown analysis 'bayesian' (known: fixed, sequential)")
        #expect(throws: ConfigurationError.self) { try parse("sequential_tuning: 100") }
    }
}
