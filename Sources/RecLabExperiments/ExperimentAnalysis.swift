import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabStatistics
import RecLabStore

/// Analyses an experiment the way GrowthBook's frequentist engine does: the user is the unit,
/// CTR and watch rate are ratio metrics (events per impression) whose variance comes from the
/// delta method over per-user sums, variants are compared on relative lift with Welch's t-test
/// (`analysis: fixed`) or an always-valid confidence sequence (`analysis: sequential`), and a
/// chi-square on users per variant guards the split (sample-ratio mismatch).
public enum ExperimentAnalysis {
    /// GrowthBook's and Eppo's SRM threshold: below it the split is called broken.
    public static let sampleRatioThreshold = 0.001
    /// The significance level of verdicts and the 95% of every interval.
    public static let alpha = 0.05

    /// CUPED's covariate for a user who had `count` ratings and preferences before their first
    /// exposure. The log keeps the few users with thousands of ratings from steering θ: on
    /// MovieLens the raw count made the intervals wider, not narrower.
    public static func preExposureCovariate(activityCount count: Int) -> Double { log1p(Double(count)) }

    /// The report of either kind. `covariates` are each user's `preExposureCovariate`, read
    /// only with `cuped: true`; a user missing from it had no activity before (covariate 0).
    public static func report(
        experiment: Experiment, activity: ExperimentActivity, covariates: [String: Double] = [:],
        offline: [String: ExperimentReport.OfflineScores] = [:], generatedAt: Date = Date()
    ) -> ExperimentReport {
        switch experiment.kind {
        case .ab:
            report(experiment: experiment, activity: activity.users, unattributedEvents: activity.unattributedEvents, covariates: covariates,
                   offline: offline, generatedAt: generatedAt)
        case .interleaving:
            InterleavingAnalysis.report(experiment: experiment, activity: activity, offline: offline, generatedAt: generatedAt)
        }
    }

    /// An A/B experiment's report.
    public static func report(
        experiment: Experiment, activity: [VariantUserActivity], unattributedEvents: Int = 0, covariates: [String: Double] = [:],
        offline: [String: ExperimentReport.OfflineScores] = [:], generatedAt: Date = Date()
    ) -> ExperimentReport {
        var variantsOfUser: [String: Set<String>] = [:]
        for row in activity { variantsOfUser[row.userID, default: []].insert(row.variant) }
        let crossed = Set(variantsOfUser.filter { $0.value.count > 1 }.keys)
        let configured = Set(experiment.variants.map(\.name))
        let unknown = Set(activity.filter { !configured.contains($0.variant) && !crossed.contains($0.userID) }.map(\.userID))
        let rows = Dictionary(grouping: activity.filter { !crossed.contains($0.userID) }, by: \.variant)

        let samples = experiment.variants.map { RatioSamples(rows[$0.name] ?? [], covariates: experiment.cuped ? covariates : [:]) }
        let control = experiment.variants.firstIndex(where: \.isControl)!
        // One θ per metric, pooled over the arms (GrowthBook's regression adjustment).
        let clickAdjustment = experiment.cuped ? CUPED(samples.map(\.clicks)) : nil
        let watchAdjustment = experiment.cuped ? CUPED(samples.map(\.watches)) : nil
        let variants = experiment.variants.enumerated().map { index, variant in
            let sample = samples[index]
            let isControl = index == control
            let ctrLift = isControl ? nil : compare(sample.clicks, against: samples[control].clicks, adjustedBy: clickAdjustment, analysis: experiment.analysis)
            let watchRateLift = isControl ? nil : compare(sample.watches, against: samples[control].watches, adjustedBy: watchAdjustment, analysis: experiment.analysis)
            return ExperimentReport.Variant(
                name: variant.name, control: variant.isControl, weight: variant.weight, strategy: variant.strategy,
                parameters: variant.parameters, users: sample.users, exposures: sample.exposures, impressions: sample.impressions,
                clicks: sample.clicks.sumY, watches: sample.watches.sumY,
                ctr: sample.clicks.estimate, watchRate: sample.watches.estimate,
                ctrLift: ctrLift, watchRateLift: watchRateLift, offline: offline[variant.name],
                guardrails: isControl ? [] : experiment.guardrails.map { guardrail in
                    check(guardrail, lift: guardrail.metric == .ctr ? ctrLift : watchRateLift)
                })
        }
        let sampleRatio = sampleRatioCheck(users: samples.map(\.users), weights: experiment.variants.map(\.weight))

        var warnings: [String] = []
        if let sampleRatio, sampleRatio.mismatch {
            let observed = zip(variants, sampleRatio.observedUsers).map { "\($0.name) \($1)" }.joined(separator: ", ")
            let expected = zip(variants, sampleRatio.expectedShares).map { "\($0.name) \(percent($1))" }.joined(separator: ", ")
            warnings.append("Sample ratio mismatch: users per variant (\(observed)) do not match the weights (\(expected)); chi-square \(String(format: "%.1f", sampleRatio.chiSquare)), p = \(pValue(sampleRatio.pValue)) < \(sampleRatioThreshold). Check assignment, targeting and exposure logging before reading any result.")
        }
        if !crossed.isEmpty {
            warnings.append("\(crossed.count) user\(crossed.count == 1 ? " was" : "s were") exposed to more than one variant (the salt, weights or coverage changed mid-run) and are left out.")
        }
        if !unknown.isEmpty {
            warnings.append("\(unknown.count) user\(unknown.count == 1 ? " was" : "s were") served by variants no longer configured and are left out.")
        }
        warnings += unattributedWarning(unattributedEvents)
        warnings += noImpressionWarnings(variants)
        for variant in variants {
            for check in variant.guardrails where check.status == .failed {
                warnings.append("\(variant.name) fails its \(check.metric) guardrail: \(describe(check)), more than the \(percent(check.maxDrop)) drop allowed.")
            }
        }

        let (winner, conclusion) = decide(variants, control: control, sampleRatio: sampleRatio)
        return ExperimentReport(
            experiment: experiment.id, description: experiment.description, status: experiment.status.rawValue,
            surface: experiment.surface.rawValue, kind: experiment.kind.rawValue, analysis: experiment.analysis.name, cuped: experiment.cuped,
            generatedAt: generatedAt, variants: variants, sampleRatio: sampleRatio,
            usersInSeveralVariants: crossed.count, unattributedEvents: unattributedEvents, winner: winner, conclusion: conclusion, warnings: warnings)
    }

    static func noImpressionWarnings(_ variants: [ExperimentReport.Variant]) -> [String] {
        variants.filter { $0.users > 0 && $0.impressions == 0 }.map {
            "\($0.name) has exposures but no impression events: is the client posting them with the answer's request_id?"
        }
    }

    static func unattributedWarning(_ events: Int) -> [String] {
        guard events > 0 else { return [] }
        return ["\(events) event\(events == 1 ? "" : "s") named this experiment's answers but \(events == 1 ? "was" : "were") not credited: another user's, about a movie the answer did not show, or received outside the attribution window. They are stored and left out of every number."]
    }

    /// A guardrail holds when the lift's interval rules out a drop beyond `maxDrop`, and fails
    /// on a significant drop whose estimate is beyond it.
    static func check(_ guardrail: Experiment.Guardrail, lift: ExperimentReport.Comparison?) -> ExperimentReport.GuardrailCheck {
        var check = ExperimentReport.GuardrailCheck(
            metric: guardrail.metric.rawValue, maxDrop: guardrail.maxDrop, relativeLift: lift?.relativeLift, low: lift?.low, high: lift?.high,
            status: .notEnoughData)
        guard let lift, let value = lift.relativeLift, let low = lift.low else { return check }
        if low > -guardrail.maxDrop {
            check.status = .passed
        } else if lift.verdict == .worse, value < -guardrail.maxDrop {
            check.status = .failed
        } else {
            check.status = .inconclusive
        }
        return check
    }

    /// Pearson's chi-square of observed users against `weights` (normalised); nil without users.
    public static func sampleRatioCheck(users: [Int], weights: [Double]) -> ExperimentReport.SampleRatio? {
        let total = users.reduce(0, +)
        let weightSum = weights.reduce(0, +)
        guard total > 0, users.count > 1, weightSum > 0 else { return nil }
        let shares = weights.map { $0 / weightSum }
        let chiSquare = zip(users, shares).reduce(0.0) { sum, pair in
            let expected = Double(total) * pair.1
            return expected > 0 ? sum + pow(Double(pair.0) - expected, 2) / expected : sum
        }
        let degrees = users.count - 1
        let p = Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: Double(degrees))
        return .init(
            expectedShares: shares, observedUsers: users, chiSquare: chiSquare, degreesOfFreedom: degrees, pValue: p,
            threshold: sampleRatioThreshold, mismatch: p < sampleRatioThreshold)
    }

    /// Relative lift of `treatment` over `control` with the delta-method variance
    /// Var(t/c − 1) ≈ Var(t)/c² + t²·Var(c)/c⁴, tested with Welch–Satterthwaite degrees of
    /// freedom, or, for a sequential analysis, bounded by the confidence sequence over all the
    /// users of both (no degrees of freedom).
    ///
    /// With `adjustment` (CUPED), both ratios and their variances are first adjusted for the
    /// covariate, and the report says by how much the lift's variance shrank.
    static func compare(
        _ treatment: RatioSample, against control: RatioSample, adjustedBy adjustment: CUPED? = nil, analysis: Experiment.Analysis = .fixed
    ) -> ExperimentReport.Comparison {
        let missing = ExperimentReport.Comparison(relativeLift: nil, low: nil, high: nil, pValue: nil, degreesOfFreedom: nil, verdict: .notEnoughData)
        guard let plainT = treatment.plain, let plainC = control.plain, plainC.value > 0 else { return missing }
        let (t, vt) = adjustment.map { treatment.adjusted(by: $0) } ?? plainT
        let (c, vc) = adjustment.map { control.adjusted(by: $0) } ?? plainC
        guard c > 0 else { return missing }
        let lift = t / c - 1
        let fromTreatment = vt / (c * c)
        let fromControl = t * t * vc / (c * c * c * c)
        let variance = fromTreatment + fromControl
        guard variance > 0 else {
            return .init(relativeLift: lift, low: nil, high: nil, pValue: nil, degreesOfFreedom: nil, verdict: .notEnoughData)
        }
        var reduction: Double?
        if adjustment != nil {
            let c0 = plainC.value
            let plainVariance = plainT.variance / (c0 * c0) + plainT.value * plainT.value * plainC.variance / (c0 * c0 * c0 * c0)
            reduction = plainVariance > 0 ? 1 - variance / plainVariance : nil
        }
        let p: Double
        let margin: Double
        var df: Double?
        switch analysis {
        case .fixed:
            let degrees = variance * variance
                / (fromTreatment * fromTreatment / Double(treatment.n - 1) + fromControl * fromControl / Double(control.n - 1))
            let error = variance.squareRoot()
            p = Distributions.twoSidedPValue(t: lift / error, degreesOfFreedom: degrees)
            margin = Distributions.studentTQuantile(1 - alpha / 2, degreesOfFreedom: degrees) * error
            df = degrees
        case .sequential(let tuning):
            let sequence = ConfidenceSequence(alpha: alpha, tuning: tuning)
            let users = treatment.n + control.n
            p = sequence.pValue(estimate: lift, estimateVariance: variance, units: users)
            margin = sequence.halfWidth(estimateVariance: variance, units: users)
        }
        let verdict: ExperimentReport.Comparison.Verdict = p < alpha ? (lift > 0 ? .better : .worse) : .inconclusive
        return .init(
            relativeLift: lift, low: lift - margin, high: lift + margin, pValue: p, degreesOfFreedom: df, verdict: verdict, varianceReduction: reduction)
    }

    /// The winner on CTR and the sentence that explains it; no winner under an SRM.
    private static func decide(
        _ variants: [ExperimentReport.Variant], control: Int, sampleRatio: ExperimentReport.SampleRatio?
    ) -> (String?, String) {
        let controlName = variants[control].name
        guard variants.contains(where: { $0.exposures > 0 }) else {
            return (nil, "No exposures yet: no user has been served by this experiment.")
        }
        if let sampleRatio, sampleRatio.mismatch {
            return (nil, "No winner declared: the sample ratio mismatch (p = \(pValue(sampleRatio.pValue))) means users were not split as configured.")
        }
        let treatments = variants.enumerated().filter { $0.offset != control }.map(\.element)
        let better = treatments.filter { $0.ctrLift?.verdict == .better }
        let failing = { (variant: ExperimentReport.Variant) in variant.guardrails.contains { $0.status == .failed } }
        if let best = better.filter({ !failing($0) }).max(by: { ($0.ctrLift?.relativeLift ?? 0) < ($1.ctrLift?.relativeLift ?? 0) }), let lift = best.ctrLift {
            return (best.name, "\(best.name) wins on CTR: \(describe(lift)) against \(controlName).")
        }
        if let harmful = better.first(where: failing), let lift = harmful.ctrLift {
            let broken = harmful.guardrails.filter { $0.status == .failed }.map(\.metric).joined(separator: ", ")
            return (nil, "No winner: \(harmful.name) is better on CTR (\(describe(lift))) but fails its \(broken) guardrail.")
        }
        if !treatments.isEmpty, treatments.allSatisfy({ $0.ctrLift?.verdict == .worse }) {
            let details = treatments.compactMap { variant in variant.ctrLift.map { "\(variant.name) \(describe($0))" } }
            return (controlName, "\(controlName) (control) wins on CTR: \(details.joined(separator: "; ")).")
        }
        let details = treatments.compactMap { variant -> String? in
            guard let lift = variant.ctrLift, lift.relativeLift != nil else { return nil }
            return "\(variant.name) \(describe(lift))"
        }
        return (nil, details.isEmpty
            ? "Not enough data to compare CTR yet: each variant needs impressions from at least two users."
            : "No significant difference in CTR yet (\(details.joined(separator: "; "))); keep collecting data.")
    }

    private static func describe(_ lift: ExperimentReport.Comparison) -> String {
        guard let value = lift.relativeLift else { return "no estimate" }
        var text = signedPercent(value)
        if let low = lift.low, let high = lift.high { text += " (95% CI \(signedPercent(low)) to \(signedPercent(high))" }
        if let p = lift.pValue { text += ", p = \(pValue(p)))" } else if lift.low != nil { text += ")" }
        return text
    }

    static func describe(_ check: ExperimentReport.GuardrailCheck) -> String {
        describe(check.lift)
    }

    static func signedPercent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
    static func pValue(_ value: Double) -> String { value < 0.0001 ? String(format: "%.1e", value) : String(format: "%.4f", value) }
}

/// Per-user sums of one ratio metric (Y events over X impressions), enough for the ratio
/// and its delta-method variance.
struct RatioSample {
    var n = 0
    var sumX = 0.0
    var sumY = 0
    var sumXX = 0.0
    var sumYY = 0.0
    var sumXY = 0.0
    /// The covariate Z (CUPED) and its products with X and Y.
    var sumZ = 0.0
    var sumZZ = 0.0
    var sumXZ = 0.0
    var sumYZ = 0.0

    mutating func add(impressions: Int, events: Int, covariate z: Double = 0) {
        let x = Double(impressions)
        let y = Double(events)
        n += 1
        sumX += x
        sumY += events
        sumXX += x * x
        sumYY += y * y
        sumXY += x * y
        sumZ += z
        sumZZ += z * z
        sumXZ += x * z
        sumYZ += y * z
    }

    var ratio: Double? { sumX > 0 ? Double(sumY) / sumX : nil }

    /// The ratio and its delta-method variance.
    var plain: (value: Double, variance: Double)? {
        guard let ratio, let varianceOfRatio else { return nil }
        return (ratio, varianceOfRatio)
    }

    /// The ratio's per-user linearisation l = (Y − R·X)/X̄ (Deng et al. 2018), whose mean
    /// over users has the ratio's delta-method variance: Var(l)/n is `varianceOfRatio`.
    /// Cov(l, Z) and Var(Z), sample (n − 1) moments.
    var linearisedCovariance: (lz: Double, zz: Double)? {
        guard n >= 2, let ratio else { return nil }
        let count = Double(n)
        let meanX = sumX / count
        let meanY = Double(sumY) / count
        let meanZ = sumZ / count
        let covYZ = (sumYZ - count * meanY * meanZ) / (count - 1)
        let covXZ = (sumXZ - count * meanX * meanZ) / (count - 1)
        return ((covYZ - ratio * covXZ) / meanX, (sumZZ - count * meanZ * meanZ) / (count - 1))
    }

    /// CUPED: R − θ(Z̄ − Z̄_pooled), with variance Var(l − θZ)/n.
    func adjusted(by adjustment: CUPED) -> (value: Double, variance: Double) {
        guard let (ratio, variance) = plain, let (lz, zz) = linearisedCovariance else { return plain ?? (0, 0) }
        let count = Double(n)
        let value = ratio - adjustment.theta * (sumZ / count - adjustment.pooledMeanZ)
        let adjustedVariance = variance - (2 * adjustment.theta * lz - adjustment.theta * adjustment.theta * zz) / count
        return (value, max(adjustedVariance, 0))
    }

    /// Var(Ȳ/X̄) ≈ (σ²_Y/μ²_X − 2μ_Y·σ_XY/μ³_X + μ²_Y·σ²_X/μ⁴_X) / n, with sample (co)variances.
    var varianceOfRatio: Double? {
        guard n >= 2, sumX > 0 else { return nil }
        let count = Double(n)
        let meanX = sumX / count
        let meanY = Double(sumY) / count
        let varianceX = (sumXX - count * meanX * meanX) / (count - 1)
        let varianceY = (sumYY - count * meanY * meanY) / (count - 1)
        let covariance = (sumXY - count * meanX * meanY) / (count - 1)
        let variance = (varianceY / (meanX * meanX) - 2 * meanY * covariance / pow(meanX, 3) + meanY * meanY * varianceX / pow(meanX, 4)) / count
        return max(variance, 0)
    }

    var estimate: ExperimentReport.Estimate {
        guard let ratio else { return .init(value: nil, low: nil, high: nil) }
        guard let variance = varianceOfRatio else { return .init(value: ratio, low: nil, high: nil) }
        let margin = Distributions.studentTQuantile(1 - ExperimentAnalysis.alpha / 2, degreesOfFreedom: Double(n - 1)) * variance.squareRoot()
        return .init(value: ratio, low: max(0, ratio - margin), high: ratio + margin)
    }
}

/// CUPED (Deng, Xu, Kohavi and Walker, WSDM 2013) for a ratio metric: one θ for all arms,
/// Σ(n−1)·Cov(l, Z) / Σ(n−1)·Var(Z) over the arms' linearised metric l, and the pooled mean
/// of Z every arm is moved to. The covariate is measured before exposure, so the variant
/// cannot have changed it, and the adjustment moves no arm's expectation.
struct CUPED {
    let theta: Double
    let pooledMeanZ: Double

    /// Nil when the covariate does not vary (everyone new, say): nothing to adjust with.
    init?(_ samples: [RatioSample]) {
        var lz = 0.0
        var zz = 0.0
        for sample in samples {
            guard let moments = sample.linearisedCovariance else { continue }
            lz += Double(sample.n - 1) * moments.lz
            zz += Double(sample.n - 1) * moments.zz
        }
        let users = samples.map(\.n).reduce(0, +)
        guard zz > 0, users > 0 else { return nil }
        theta = lz / zz
        pooledMeanZ = samples.map(\.sumZ).reduce(0, +) / Double(users)
    }
}

/// One variant's users and both ratio metrics.
struct RatioSamples {
    var users = 0
    var exposures = 0
    var impressions = 0
    var clicks = RatioSample()
    var watches = RatioSample()

    init(_ rows: [VariantUserActivity], covariates: [String: Double] = [:]) {
        for row in rows {
            exposures += row.exposures
            add(impressions: row.impressions, clicks: row.clicks, watches: row.watches, covariate: covariates[row.userID] ?? 0)
        }
    }

    /// One user's impressions and the clicks and watches among them.
    mutating func add(impressions shown: Int, clicks clicked: Int, watches watched: Int, covariate z: Double = 0) {
        users += 1
        impressions += shown
        clicks.add(impressions: shown, events: clicked, covariate: z)
        watches.add(impressions: shown, events: watched, covariate: z)
    }
}

extension ExperimentAnalysis {
    /// Each variant's offline scores: the newest evaluation with an entry running the same
    /// strategy with the same resolved parameters (defaults filled in, so `lambda: 300` and
    /// an omitted default compare equal). `evaluations` come newest first.
    public static func offlineScores(
        for experiment: Experiment, evaluations: [EvaluationReport], registry: StrategyRegistry
    ) -> [String: ExperimentReport.OfflineScores] {
        var scores: [String: ExperimentReport.OfflineScores] = [:]
        for variant in experiment.variants {
            guard let resolved = try? registry.make(name: variant.name, strategy: variant.strategy, parameters: variant.parameters).parameters,
                  let (report, result) = EvaluationReport.newestResult(
                      in: evaluations, strategy: variant.strategy, parameters: resolved, preferring: experiment.modelName(of: variant))
            else { continue }
            let m = result.metrics
            scores[variant.name] = .init(
                evaluation: report.id, entry: result.name, ndcg: m.ndcg, recall: m.recall, precision: m.precision, coverage: m.coverage)
        }
        return scores
    }
}
