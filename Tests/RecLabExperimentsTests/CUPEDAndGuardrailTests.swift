import Foundation
import RecLabCore
import RecLabExperiments
import RecLabStore
import Testing

@Suite struct CUPEDAndGuardrailTests {
    static func experiment(cuped: Bool = false, guardrails: [Experiment.Guardrail] = []) -> Experiment {
        var experiment = ExperimentAnalysisTests.experiment
        experiment.cuped = cuped
        experiment.guardrails = guardrails
        return experiment
    }

    /// Twelve users per arm: impressions, clicks, and ratings before their first exposure
    /// (0 for users who had none).
    static let control: [(x: Int, y: Int, z: Double)] = [
        (10, 1, 3), (10, 2, 8), (8, 0, 0), (12, 3, 12), (10, 1, 2), (6, 0, 0), (10, 2, 7), (9, 1, 1), (10, 4, 20), (11, 2, 9), (10, 0, 0), (7, 1, 4),
    ]
    static let treatment: [(x: Int, y: Int, z: Double)] = [
        (10, 2, 4), (9, 3, 6), (10, 1, 0), (12, 4, 11), (10, 2, 3), (8, 1, 0), (10, 2, 5), (10, 3, 9), (11, 5, 18), (10, 2, 7), (9, 1, 0), (10, 1, 2),
    ]

    static func log() -> (activity: [VariantUserActivity], covariates: [String: Double]) {
        var activity: [VariantUserActivity] = []
        var covariates: [String: Double] = [:]
        for (variant, users) in [("control", control), ("treatment", treatment)] {
            for (index, user) in users.enumerated() {
                let id = "\(variant)-\(index)"
                activity.append(VariantUserActivity(variant: variant, userID: id, exposures: 1, impressions: user.x, clicks: user.y, watches: 0))
                if user.z > 0 { covariates[id] = user.z }
            }
        }
        return (activity, covariates)
    }

    /// Reference: NumPy and SciPy, independently (linearise l = (y − R·x)/x̄ per arm; θ from
    /// the pooled within-arm covariances; adjusted means R − θ(z̄ − z̄_all), variances
    /// var(l − θz)/n; delta-method lift with Welch's degrees of freedom, `stats.t.ppf`).
    @Test func cupedAdjustsTheLiftAndShrinksItsIntervalAsTheReferenceComputationDoes() throws {
        let (activity, covariates) = Self.log()
        let report = ExperimentAnalysis.report(experiment: Self.experiment(cuped: true), activity: activity, covariates: covariates)
        #expect(report.cuped)
        let lift = try #require(report.variants[1].ctrLift)
        #expect(abs((lift.relativeLift ?? 0) - 0.5218235584137534) < 1e-12)
        #expect(abs((lift.low ?? 0) - 0.2915958535370585) < 1e-9)
        #expect(abs((lift.high ?? 0) - 0.7520512632904482) < 1e-9)
        #expect(abs((lift.pValue ?? 1) - 0.0001104635697886327) < 1e-9)
        #expect(abs((lift.varianceReduction ?? 0) - 0.9253941360806526) < 1e-12)
        // The arms' own rates are not adjusted; without CUPED the lift is the plain one.
        let plain = ExperimentAnalysis.report(experiment: Self.experiment(), activity: activity, covariates: covariates)
        #expect(plain.variants[1].ctrLift?.varianceReduction == nil)
        #expect(abs((plain.variants[1].ctrLift?.relativeLift ?? 0) - 0.5081562036579337) < 1e-12)
        #expect(plain.variants.map(\.ctr) == report.variants.map(\.ctr))
    }

    @Test func withoutAnyPreExposureActivityCUPEDChangesNothing() {
        let (activity, _) = Self.log()
        let adjusted = ExperimentAnalysis.report(experiment: Self.experiment(cuped: true), activity: activity, covariates: [:])
        let plain = ExperimentAnalysis.report(experiment: Self.experiment(), activity: activity)
        #expect(adjusted.variants[1].ctrLift?.relativeLift == plain.variants[1].ctrLift?.relativeLift)
        #expect(adjusted.variants[1].ctrLift?.low == plain.variants[1].ctrLift?.low)
    }

    /// A/A experiments where a third of the users are new (no activity before exposure) and
    /// the rest click more the more they rated before: CUPED narrows the intervals a lot, and
    /// they still call a difference in about 5% of experiments, no more.
    @Test func cupedIntervalsKeepTheirFivePercentWithUsersWhoHadNoActivityBefore() {
        var generator = SeededGenerator(seed: 11)
        var significant = 0
        var reductions: [Double] = []
        let experiments = 400
        for run in 0..<experiments {
            var activity: [VariantUserActivity] = []
            var covariates: [String: Double] = [:]
            for user in 0..<400 {
                let id = "u\(run)-\(user)"
                let past = Double.random(in: 0..<1, using: &generator) < 1.0 / 3 ? 0 : Int.random(in: 1...40, using: &generator)
                let rate = 0.02 + 0.008 * Double(past)
                let clicks = (0..<10).filter { _ in Double.random(in: 0..<1, using: &generator) < rate }.count
                activity.append(VariantUserActivity(variant: user % 2 == 0 ? "control" : "treatment", userID: id, exposures: 1, impressions: 10, clicks: clicks, watches: 0))
                if past > 0 { covariates[id] = Double(past) }
            }
            let lift = ExperimentAnalysis.report(experiment: Self.experiment(cuped: true), activity: activity, covariates: covariates).variants[1].ctrLift
            if let p = lift?.pValue, p < 0.05 { significant += 1 }
            if let reduction = lift?.varianceReduction { reductions.append(reduction) }
        }
        let rate = Double(significant) / Double(experiments)
        #expect(rate <= 0.075, "false-positive rate \(rate)")
        #expect(rate >= 0.02, "false-positive rate \(rate)")
        #expect(reductions.count == experiments)
        #expect(reductions.reduce(0, +) / Double(experiments) > 0.3)
    }

    /// `users` per arm with 10 impressions; clicks and watches from the user's index.
    static func guarded(users: Int, treatmentWatches: @escaping (Int) -> Int) -> [VariantUserActivity] {
        ExperimentAnalysisTests.activity("control", users: users, clicks: { $0 % 5 == 0 ? 1 : 0 }, watches: { $0 % 2 == 0 ? 1 : 0 })
            + ExperimentAnalysisTests.activity("treatment", users: users, clicks: { $0 % 5 < 2 ? 1 : 0 }, watches: treatmentWatches)
    }

    @Test func aTreatmentThatWinsOnCTRButCostsWatchesFailsItsGuardrailAndDoesNotWin() throws {
        let experiment = Self.experiment(guardrails: [.init(metric: .watchRate, maxDrop: 0.05)])
        let report = ExperimentAnalysis.report(experiment: experiment, activity: Self.guarded(users: 5_000) { $0 % 4 == 0 ? 1 : 0 })
        #expect(report.variants[1].ctrLift?.verdict == .better)
        let check = try #require(report.variants[1].guardrails.first)
        #expect(check.metric == "watch_rate" && check.maxDrop == 0.05)
        #expect(abs((check.relativeLift ?? 0) + 0.5) < 1e-9)
        #expect(check.status == .failed)
        #expect(report.variants[0].guardrails.isEmpty, "the control has no guardrail to check")
        #expect(report.winner == nil)
        #expect(report.conclusion.hasPrefix("No winner: treatment is better on CTR"), "\(report.conclusion)")
        #expect(report.warnings.contains { $0.hasPrefix("treatment fails its watch_rate guardrail") })
        #expect(ExperimentHTMLReport.render(report).contains("Guardrails"))
    }

    @Test func aGuardrailPassesOnlyWhenTheIntervalRulesOutTheDrop() throws {
        let experiment = Self.experiment(guardrails: [.init(metric: .watchRate, maxDrop: 0.05)])
        let same = { (user: Int) in user % 2 == 0 ? 1 : 0 }
        let large = ExperimentAnalysis.report(experiment: experiment, activity: Self.guarded(users: 5_000, treatmentWatches: same))
        #expect(large.variants[1].guardrails.first?.status == .passed)
        #expect(large.winner == "treatment")
        // The same rates over 200 users: a 5% drop is not ruled out yet.
        let small = ExperimentAnalysis.report(experiment: experiment, activity: Self.guarded(users: 200, treatmentWatches: same))
        #expect(small.variants[1].guardrails.first?.status == .inconclusive)
    }
}
