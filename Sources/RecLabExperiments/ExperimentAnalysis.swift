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

    public static func report(
        experiment: Experiment, activity: [VariantUserActivity], unattributedEvents: Int = 0,
        offline: [String: ExperimentReport.OfflineScores] = [:], generatedAt: Date = Date()
    ) -> ExperimentReport {
        var variantsOfUser: [String: Set<String>] = [:]
        for row in activity { variantsOfUser[row.userID, default: []].insert(row.variant) }
        let crossed = Set(variantsOfUser.filter { $0.value.count > 1 }.keys)
        let configured = Set(experiment.variants.map(\.name))
        let unknown = Set(activity.filter { !configured.contains($0.variant) && !crossed.contains($0.userID) }.map(\.userID))
        let rows = Dictionary(grouping: activity.filter { !crossed.contains($0.userID) }, by: \.variant)

        let samples = experiment.variants.map { RatioSamples(rows[$0.name] ?? []) }
        let control = experiment.variants.firstIndex(where: \.isControl)!
        let variants = experiment.variants.enumerated().map { index, variant in
            let sample = samples[index]
            let isControl = index == control
            return ExperimentReport.Variant(
                name: variant.name, control: variant.isControl, weight: variant.weight, strategy: variant.strategy,
                parameters: variant.parameters, users: sample.users, exposures: sample.exposures, impressions: sample.impressions,
                clicks: sample.clicks.sumY, watches: sample.watches.sumY,
                ctr: sample.clicks.estimate, watchRate: sample.watches.estimate,
                ctrLift: isControl ? nil : compare(sample.clicks, against: samples[control].clicks, analysis: experiment.analysis),
                watchRateLift: isControl ? nil : compare(sample.watches, against: samples[control].watches, analysis: experiment.analysis),
                offline: offline[variant.name])
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
        if unattributedEvents > 0 {
            warnings.append("\(unattributedEvents) event\(unattributedEvents == 1 ? "" : "s") named this experiment's answers but \(unattributedEvents == 1 ? "was" : "were") not credited: another user's, about a movie the answer did not show, or received outside the attribution window. They are stored and left out of every number.")
        }
        for variant in variants where variant.users > 0 && variant.impressions == 0 {
            warnings.append("\(variant.name) has exposures but no impression events: is the client posting them with the answer's request_id?")
        }

        let (winner, conclusion) = decide(variants, control: control, sampleRatio: sampleRatio)
        return ExperimentReport(
            experiment: experiment.id, description: experiment.description, status: experiment.status.rawValue,
            surface: experiment.surface.rawValue, analysis: experiment.analysis.name, generatedAt: generatedAt, variants: variants, sampleRatio: sampleRatio,
            usersInSeveralVariants: crossed.count, unattributedEvents: unattributedEvents, winner: winner, conclusion: conclusion, warnings: warnings)
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
    static func compare(_ treatment: RatioSample, against control: RatioSample, analysis: Experiment.Analysis = .fixed) -> ExperimentReport.Comparison {
        let missing = ExperimentReport.Comparison(relativeLift: nil, low: nil, high: nil, pValue: nil, degreesOfFreedom: nil, verdict: .notEnoughData)
        guard let t = treatment.ratio, let c = control.ratio, c > 0,
              let vt = treatment.varianceOfRatio, let vc = control.varianceOfRatio else { return missing }
        let lift = t / c - 1
        let fromTreatment = vt / (c * c)
        let fromControl = t * t * vc / (c * c * c * c)
        let variance = fromTreatment + fromControl
        guard variance > 0 else {
            return .init(relativeLift: lift, low: nil, high: nil, pValue: nil, degreesOfFreedom: nil, verdict: .notEnoughData)
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
        return .init(relativeLift: lift, low: lift - margin, high: lift + margin, pValue: p, degreesOfFreedom: df, verdict: verdict)
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
        if let best = better.max(by: { ($0.ctrLift?.relativeLift ?? 0) < ($1.ctrLift?.relativeLift ?? 0) }), let lift = best.ctrLift {
            return (best.name, "\(best.name) wins on CTR: \(describe(lift)) against \(controlName).")
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

    mutating func add(impressions: Int, events: Int) {
        let x = Double(impressions)
        let y = Double(events)
        n += 1
        sumX += x
        sumY += events
        sumXX += x * x
        sumYY += y * y
        sumXY += x * y
    }

    var ratio: Double? { sumX > 0 ? Double(sumY) / sumX : nil }

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

/// One variant's users and both ratio metrics.
struct RatioSamples {
    var users = 0
    var exposures = 0
    var impressions = 0
    var clicks = RatioSample()
    var watches = RatioSample()

    init(_ rows: [VariantUserActivity]) {
        for row in rows {
            users += 1
            exposures += row.exposures
            impressions += row.impressions
            clicks.add(impressions: row.impressions, events: row.clicks)
            watches.add(impressions: row.impressions, events: row.watches)
        }
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
