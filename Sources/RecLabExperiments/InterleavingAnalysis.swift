import Foundation
import RecLabStatistics
import RecLabStore

/// Analyses an interleaving experiment: each user saw lists merged from every ranker, and
/// each click credited the ranker that placed the movie. The user is the unit: their clicks
/// favour a ranker when they credit it more often than the other, and a pair's preference is
/// tested with the exact sign test over the users who favoured one (ties left out), as
/// Chapelle et al. (2012) analyse interleaving by query.
public enum InterleavingAnalysis {
    public static func report(
        experiment: Experiment, activity: ExperimentActivity, offline: [String: ExperimentReport.OfflineScores] = [:],
        generatedAt: Date = Date()
    ) -> ExperimentReport {
        let served = activity.users.filter { $0.variant == Experiment.interleavedArm }
        let byTeam = Dictionary(grouping: activity.teams, by: \.team)
        let clicks = Dictionary(grouping: activity.teams, by: \.userID).mapValues { rows in
            Dictionary(rows.map { ($0.team, $0.clicks) }, uniquingKeysWith: +)
        }
        let variants = experiment.variants.map { variant in
            // Per user, the impressions and events of the movies this ranker placed.
            var sample = RatioSamples([])
            for row in byTeam[variant.name] ?? [] { sample.add(impressions: row.impressions, clicks: row.clicks, watches: row.watches) }
            return ExperimentReport.Variant(
                name: variant.name, control: variant.isControl, weight: variant.weight, strategy: variant.strategy, parameters: variant.parameters,
                users: served.count, exposures: served.map(\.exposures).reduce(0, +), impressions: sample.impressions,
                clicks: sample.clicks.sumY, watches: sample.watches.sumY, ctr: sample.clicks.estimate, watchRate: sample.watches.estimate,
                offline: offline[variant.name])
        }
        let control = experiment.control
        let ordered = [control] + experiment.variants.filter { !$0.isControl }
        var preferences: [ExperimentReport.Preference] = []
        for (index, a) in ordered.enumerated() {
            for b in ordered[(index + 1)...] {
                preferences.append(preference(a.name, over: b.name, clicks: Array(clicks.values), users: served.count))
            }
        }
        var warnings = ExperimentAnalysis.unattributedWarning(activity.unattributedEvents)
        if !served.isEmpty, variants.allSatisfy({ $0.impressions == 0 }) {
            warnings.append("The interleaved lists have exposures but no impression events: is the client posting them with the answer's request_id?")
        }
        let (winner, conclusion) = decide(preferences, control: control.name, served: served.count)
        return ExperimentReport(
            experiment: experiment.id, description: experiment.description, status: experiment.status.rawValue,
            surface: experiment.surface.rawValue, kind: experiment.kind.rawValue, analysis: experiment.analysis.name, cuped: false,
            generatedAt: generatedAt, variants: variants, sampleRatio: nil, usersInSeveralVariants: 0,
            unattributedEvents: activity.unattributedEvents, winner: winner, conclusion: conclusion, warnings: warnings,
            preferences: preferences)
    }

    /// `a` against `b` from each user's clicks per team (`clicks`, one dictionary per user).
    public static func preference(_ a: String, over b: String, clicks: [[String: Int]], users: Int) -> ExperimentReport.Preference {
        var favourA = 0
        var favourB = 0
        var tied = 0
        for user in clicks {
            let onA = user[a] ?? 0
            let onB = user[b] ?? 0
            if onA > onB { favourA += 1 } else if onB > onA { favourB += 1 } else if onA > 0 { tied += 1 }
        }
        var result = ExperimentReport.Preference(
            a: a, b: b, users: users, usersWithClicks: favourA + favourB + tied, favourA: favourA, favourB: favourB, tied: tied)
        let decided = favourA + favourB
        guard decided > 0 else { return result }
        let interval = SignTest.interval(successes: favourA, trials: decided, confidence: 1 - ExperimentAnalysis.alpha)
        let p = SignTest.pValue(successes: favourA, trials: decided)
        result.shareFavouringA = Double(favourA) / Double(decided)
        result.low = interval.low
        result.high = interval.high
        result.pValue = p
        if p < ExperimentAnalysis.alpha { result.preferred = favourA > favourB ? a : b }
        return result
    }

    /// A challenger preferred to the control wins (the most preferred, if several); the
    /// control wins when it is preferred to every challenger.
    private static func decide(_ preferences: [ExperimentReport.Preference], control: String, served: Int) -> (String?, String) {
        guard served > 0 else { return (nil, "No exposures yet: no user has been served an interleaved list.") }
        let againstControl = preferences.filter { $0.a == control }
        let challengers = againstControl.filter { $0.preferred == $0.b }
        if let best = challengers.min(by: { ($0.shareFavouringA ?? 1) < ($1.shareFavouringA ?? 1) }) {
            return (best.b, "\(best.b) is preferred to \(control): \(describe(best)).")
        }
        if !againstControl.isEmpty, againstControl.allSatisfy({ $0.preferred == control }) {
            return (control, "\(control) (control) is preferred to every challenger: \(againstControl.map(describe).joined(separator: "; ")).")
        }
        let decided = againstControl.filter { $0.pValue != nil }
        return (nil, decided.isEmpty
            ? "No preference yet: no user has clicked a movie from the interleaved lists."
            : "No preference yet (\(decided.map(describe).joined(separator: "; "))); keep collecting data.")
    }

    /// "64% of the 50 users who favoured one favoured b over a (95% CI 49% to 77%), p = 0.065".
    static func describe(_ preference: ExperimentReport.Preference) -> String {
        guard let share = preference.shareFavouringA, let low = preference.low, let high = preference.high, let p = preference.pValue else {
            return "\(preference.a) against \(preference.b): no user favoured either"
        }
        let decided = preference.favourA + preference.favourB
        let (winner, loser, shown, from, to) = share >= 0.5
            ? (preference.a, preference.b, share, low, high) : (preference.b, preference.a, 1 - share, 1 - high, 1 - low)
        return "\(ExperimentAnalysis.percent(shown)) of the \(decided) users who favoured one favoured \(winner) over \(loser) (95% CI \(ExperimentAnalysis.percent(from)) to \(ExperimentAnalysis.percent(to))), p = \(ExperimentAnalysis.pValue(p))"
    }
}
