import Foundation
import RecLabEvaluation

/// Renders an `ExperimentReport` as one self-contained HTML page in the offline reports'
/// style: the decision and the split check first, then rates with intervals, lifts against
/// control, the traffic split and the offline scores beside the online ones.
public enum ExperimentHTMLReport {
    public static func render(_ report: ExperimentReport) -> String {
        var sections = [facts(report)]
        sections += report.warnings.map { "<div class=\"warning\"><strong>Warning.</strong> \(ReportFormat.html($0))</div>" }
        let offline = HTMLPage.card(
            "Offline and online", lede: "Each variant's strategy as scored offline (protocol v1, top 10 on the temporal test split) beside what users did with it.",
            body: HTMLPage.table(offlineTable(report)))
        if let preferences = report.preferences {
            sections.append(HTMLPage.card(
                "Preferences", lede: "Each user saw one list merged by team draft from every ranker's; a click credits the ranker that placed the movie. A user favours the ranker credited with more of their clicks; the share favouring the first of a pair has an exact 95% interval, and the sign test asks whether it differs from half.",
                body: HTMLPage.table(preferenceTable(preferences))))
            sections.append(HTMLPage.card(
                "Clicks by ranker", lede: "Impressions, clicks and CTR of the movies each ranker placed in the interleaved lists.",
                body: HTMLPage.table(resultsTable(report, watches: false))))
            sections.append(offline)
        } else {
            sections.append(HTMLPage.card(
                "Results by variant", lede: "Users are the unit. CTR and watch rate are distinct clicked or watched movies per impression, with 95% intervals (delta method); \(method(report)).",
                body: HTMLPage.table(resultsTable(report, watches: false)) + HTMLPage.table(resultsTable(report, watches: true))))
            if report.variants.contains(where: { !$0.guardrails.isEmpty }) {
                sections.append(HTMLPage.card(
                    "Guardrails", lede: "A guardrail passes when the 95% interval of the lift rules out a drop larger than allowed, and fails on a significant drop beyond it; a variant failing one cannot win.",
                    body: HTMLPage.table(guardrailTable(report))))
            }
            sections.append(HTMLPage.pair([
                HTMLPage.card("CTR", lede: "Clicks per impression; the whisker is the 95% interval.", body: rateChart(report, metric: \.ctr, name: "CTR").markup, chart: "ctr"),
                HTMLPage.card("Watch rate", lede: "Watches per impression; the whisker is the 95% interval.",
                              body: rateChart(report, metric: \.watchRate, name: "watch rate").markup, chart: "watch"),
            ]))
            sections.append(HTMLPage.pair([
                HTMLPage.card("Lift against control", lede: "Relative lift with its 95% interval; an interval clear of zero is significant at 5%.",
                              body: liftChart(report).markup, chart: "lift"),
                HTMLPage.card("Traffic split", lede: "Share of users per variant (bar) against the configured weight (black tick).",
                              body: splitChart(report).markup, chart: "split"),
            ]))
            sections.append(offline)
        }
        return HTMLPage.render(
            title: "RecLab experiment: \(report.experiment)",
            kicker: "RecLab \(report.kind == "interleaving" ? "interleaving" : "A/B") experiment · \(report.status) on \(report.surface)",
            heading: report.experiment,
            metaHTML: "\(ReportFormat.html(report.description)) · generated \(ReportFormat.date(report.generatedAt))",
            leaderHTML: "<p class=\"leader\">\(ReportFormat.html(report.conclusion))</p>", sections: sections,
            footer: "Rendered by RecLab from GET /experiments/\(report.experiment)/report; hover a bar or point for its exact value.")
    }

    private static func facts(_ report: ExperimentReport) -> String {
        let fact = HTMLPage.fact
        // Every user of an interleaving experiment saw every ranker.
        let users = report.preferences == nil ? report.variants.map(\.users).reduce(0, +) : report.variants.first?.users ?? 0
        let impressions = report.variants.map(\.impressions).reduce(0, +)
        let split = report.sampleRatio.map { ratio in
            ratio.mismatch
                ? fact("Sample ratio", "mismatch", "χ² \(String(format: "%.1f", ratio.chiSquare)), p = \(ExperimentAnalysis.pValue(ratio.pValue)) &lt; 0.001")
                : fact("Sample ratio", "ok", "χ² \(String(format: "%.2f", ratio.chiSquare)), p = \(ExperimentAnalysis.pValue(ratio.pValue))")
        } ?? fact("Sample ratio", "n/a", "no users yet")
        return "<section class=\"facts\">"
            + fact(report.preferences == nil ? "Winner on CTR" : "Preferred", ReportFormat.html(report.winner ?? "none yet"),
                   report.winner == nil ? "no significant difference" : "p &lt; 0.05 against control")
            + fact("Users", ReportFormat.count(users), report.preferences == nil
                ? "in \(report.variants.count) variants · \(ReportFormat.count(report.variants.map(\.exposures).reduce(0, +))) exposures"
                : "each shown \(report.variants.count) rankers interleaved · \(ReportFormat.count(report.variants.first?.exposures ?? 0)) exposures")
            + fact("Impressions", ReportFormat.count(impressions), "\(ReportFormat.count(report.variants.map(\.clicks).reduce(0, +))) clicks · \(ReportFormat.count(report.variants.map(\.watches).reduce(0, +))) watches")
            + split
            + "</section>"
    }

    /// One row per variant; `metric` picks the events counted (clicks for CTR, watches).
    private static func resultsTable(_ report: ExperimentReport, watches: Bool) -> ReportTable {
        let titles = watches
            ? ["Variant", "Impressions", "Watches", "Watch rate (95% CI)", "Lift (95% CI)", "p"]
            : ["Variant", "Users", "Exposures", "Impressions", "Clicks", "CTR (95% CI)", "Lift (95% CI)", "p"]
        let columns = titles.enumerated().map { ReportTable.Column(title: $1, numeric: $0 >= 1) }
        let rows = report.variants.enumerated().map { index, variant in
            let comparison = watches ? variant.watchRateLift : variant.ctrLift
            let counts = watches
                ? [ReportFormat.count(variant.impressions), ReportFormat.count(variant.watches), estimate(variant.watchRate)]
                : [variant.users, variant.exposures, variant.impressions, variant.clicks].map(ReportFormat.count) + [estimate(variant.ctr)]
            let cells = [variant.name + (variant.control ? " (control)" : "")] + counts + [lift(comparison), pValue(comparison)]
            return ReportTable.Row(
                cells: cells.enumerated().map { position, text in
                    ReportTable.Cell(text: text, emphasised: position == cells.count - 2 && comparison?.verdict == .better, strategyIndex: position == 0 ? index : nil)
                },
                highlighted: !watches && report.winner == variant.name)
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// How the lifts were tested, in words.
    private static func method(_ report: ExperimentReport) -> String {
        var text = report.analysis == "sequential"
            ? "lifts are relative to control, with always-valid intervals and p-values (a confidence sequence: read them at any time)"
            : "lifts are relative to control, tested with Welch's t-test (valid at one planned look)"
        if report.cuped { text += ", adjusted by CUPED for each user's activity before exposure" }
        return text
    }

    private static func preferenceTable(_ preferences: [ExperimentReport.Preference]) -> ReportTable {
        let columns = ["Pair", "Users", "Clicked", "Favour first", "Favour second", "Tied", "Share favouring first (95% CI)", "p", "Preferred"]
            .enumerated().map { ReportTable.Column(title: $1, numeric: (1...7).contains($0)) }
        let rows = preferences.map { preference in
            let share = preference.shareFavouringA.map { share in
                "\(ReportFormat.percent(share)) (\(ReportFormat.percent(preference.low ?? share))–\(ReportFormat.percent(preference.high ?? share)))"
            } ?? "n/a"
            let texts = [
                "\(preference.a) vs \(preference.b)", ReportFormat.count(preference.users), ReportFormat.count(preference.usersWithClicks),
                ReportFormat.count(preference.favourA), ReportFormat.count(preference.favourB), ReportFormat.count(preference.tied), share,
                preference.pValue.map(ExperimentAnalysis.pValue) ?? "—", preference.preferred ?? "no preference yet",
            ]
            return ReportTable.Row(cells: texts.enumerated().map { ReportTable.Cell(text: $1, emphasised: $0 == 8 && preference.preferred != nil) })
        }
        return ReportTable(columns: columns, rows: rows)
    }

    private static func guardrailTable(_ report: ExperimentReport) -> ReportTable {
        let columns = ["Variant", "Metric", "Largest drop allowed", "Lift (95% CI)", "Status"]
            .enumerated().map { ReportTable.Column(title: $1, numeric: $0 == 2 || $0 == 3) }
        let rows = report.variants.enumerated().flatMap { index, variant in
            variant.guardrails.map { check in
                let texts = [variant.name, check.metric, ReportFormat.percent(check.maxDrop), lift(check.lift), check.status.rawValue.replacingOccurrences(of: "_", with: " ")]
                return ReportTable.Row(cells: texts.enumerated().map {
                    ReportTable.Cell(text: $1, emphasised: $0 == 4 && check.status == .failed, strategyIndex: $0 == 0 ? index : nil)
                })
            }
        }
        return ReportTable(columns: columns, rows: rows)
    }

    private static func offlineTable(_ report: ExperimentReport) -> ReportTable {
        let columns = ["Variant", "Parameters", "ndcg@10", "recall@10", "precision@10", "coverage@10", "Online CTR", "Evaluation"]
            .enumerated().map { ReportTable.Column(title: $1, numeric: (2...6).contains($0)) }
        let rows = report.variants.enumerated().map { index, variant in
            let parameters: String = variant.parameters.map(ReportFormat.parameters) ?? "defaults"
            let online: String = variant.ctr.value.map(ReportFormat.decimal) ?? "n/a"
            var texts = [variant.name, "\(variant.strategy): \(parameters)"]
            if let offline = variant.offline {
                texts += [offline.ndcg, offline.recall, offline.precision, offline.coverage].map(ReportFormat.decimal)
                texts += [online, "\(offline.evaluation) (\(offline.entry))"]
            } else {
                texts += ["not evaluated", "", "", "", online, ""]
            }
            return ReportTable.Row(cells: texts.enumerated().map { ReportTable.Cell(text: $1, strategyIndex: $0 == 0 ? index : nil) })
        }
        return ReportTable(columns: columns, rows: rows)
    }

    private static func estimate(_ estimate: ExperimentReport.Estimate) -> String {
        guard let value = estimate.value else { return "n/a" }
        guard let low = estimate.low, let high = estimate.high else { return ReportFormat.decimal(value) }
        return "\(ReportFormat.decimal(value)) (\(ReportFormat.decimal(low))–\(ReportFormat.decimal(high)))"
    }

    private static func lift(_ comparison: ExperimentReport.Comparison?) -> String {
        guard let comparison else { return "—" }
        guard let value = comparison.relativeLift else { return "n/a" }
        guard let low = comparison.low, let high = comparison.high else { return ExperimentAnalysis.signedPercent(value) }
        return "\(ExperimentAnalysis.signedPercent(value)) (\(ExperimentAnalysis.signedPercent(low)) to \(ExperimentAnalysis.signedPercent(high)))"
    }

    private static func pValue(_ comparison: ExperimentReport.Comparison?) -> String {
        comparison?.pValue.map(ExperimentAnalysis.pValue) ?? "—"
    }

    // MARK: - Charts

    static let width = 546.0

    /// Rows of one bar per variant with the 95% interval drawn as a whisker over the bar's end.
    private static func rateChart(_ report: ExperimentReport, metric: KeyPath<ExperimentReport.Variant, ExperimentReport.Estimate>, name: String) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let estimates = report.variants.map { $0[keyPath: metric] }
        let (labelWidth, rowHeight, area) = variantRows(report)
        let axis = NiceAxis(upTo: estimates.compactMap { $0.high ?? $0.value }.max() ?? 0, style: .percent)
        let scale = LinearScale(domain: 0...axis.maximum, range: (area.x, area.right))
        canvas.axis(axis, scale: scale, in: area, vertical: false, title: name)
        for (index, (variant, estimate)) in zip(report.variants, estimates).enumerated() {
            let top = area.y + rowHeight * Double(index) + 8
            let middle = top + 9
            canvas.text(SVGCanvas.fitted(variant.name, width: labelWidth, size: 12), x: area.x - 10, y: middle + 4, anchor: .end)
            guard let value = estimate.value else {
                canvas.text("no impressions", x: area.x + 6, y: middle + 4, size: 11, fill: ChartInk.muted)
                continue
            }
            let colour = ReportPalette.colour(forStrategyAt: index)
            let interval = estimate.low.map { low in " (95% CI \(ReportFormat.decimal(low))–\(ReportFormat.decimal(estimate.high ?? low)))" } ?? ""
            canvas.rect(PlotArea(x: area.x, y: top, width: scale(value) - area.x, height: 18), fill: colour, opacity: 0.85,
                        title: "\(variant.name): \(name) \(ReportFormat.decimal(value))\(interval)")
            if let low = estimate.low, let high = estimate.high {
                canvas.line(from: (scale(low), middle), to: (scale(high), middle), stroke: ChartInk.text, width: 1.5)
                canvas.line(from: (scale(low), middle - 5), to: (scale(low), middle + 5), stroke: ChartInk.text, width: 1.5)
                canvas.line(from: (scale(high), middle - 5), to: (scale(high), middle + 5), stroke: ChartInk.text, width: 1.5)
            }
            canvas.text(ReportFormat.percent(value), x: scale(estimate.high ?? value) + 6, y: middle + 4, size: 11)
        }
        return canvas.render(height: area.bottom + 42, label: "\(name) per variant with 95% intervals")
    }

    /// The layout of the one-row-per-variant charts: the label column, the row height and the
    /// plot area right of the labels (room for a value label at the right).
    private static func variantRows(_ report: ExperimentReport) -> (labelWidth: Double, rowHeight: Double, area: PlotArea) {
        let labelWidth = min(report.variants.map { SVGCanvas.textWidth($0.name, size: 12) }.max() ?? 0, width * 0.35)
        let rowHeight = 34.0
        let area = PlotArea(x: 16 + labelWidth + 10, y: 16, width: width - 32 - labelWidth - 10 - 60, height: rowHeight * Double(report.variants.count))
        return (labelWidth, rowHeight, area)
    }

    /// A forest plot: each treatment's CTR and watch-rate lift, interval and point, around zero.
    private static func liftChart(_ report: ExperimentReport) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let treatments = report.variants.enumerated().filter { !$0.element.control }
        let rows = treatments.flatMap { index, variant in
            [("\(variant.name) · CTR", variant.ctrLift, index), ("\(variant.name) · watch", variant.watchRateLift, index)]
        }
        let labelWidth = min(rows.map { SVGCanvas.textWidth($0.0, size: 12) }.max() ?? 0, width * 0.4)
        let rowHeight = 28.0
        let area = PlotArea(x: 16 + labelWidth + 10, y: 16, width: width - 32 - labelWidth - 20, height: rowHeight * Double(max(rows.count, 1)))
        let extent = rows.flatMap { [$0.1?.low, $0.1?.high, $0.1?.relativeLift] }.compactMap { $0.map(abs) }.filter(\.isFinite).max() ?? 0
        let axis = NiceAxis(symmetricAround: extent, style: .percent)
        let scale = LinearScale(domain: (axis.ticks.first ?? -1)...axis.maximum, range: (area.x, area.right))
        canvas.axis(axis, scale: scale, in: area, vertical: false, title: "relative lift against \(report.variants.first(where: \.control)?.name ?? "control")")
        canvas.line(from: (scale(0), area.y), to: (scale(0), area.bottom), stroke: ChartInk.text, width: 1.5)
        for (position, row) in rows.enumerated() {
            let (label, comparison, index) = row
            let middle = area.y + rowHeight * Double(position) + rowHeight / 2
            canvas.text(SVGCanvas.fitted(label, width: labelWidth, size: 12), x: area.x - 10, y: middle + 4, anchor: .end)
            guard let comparison, let lift = comparison.relativeLift else {
                canvas.text("not enough data", x: scale(0) + 6, y: middle + 4, size: 11, fill: ChartInk.muted)
                continue
            }
            let colour = ReportPalette.colour(forStrategyAt: index)
            if let low = comparison.low, let high = comparison.high {
                canvas.line(from: (scale(low), middle), to: (scale(high), middle), stroke: colour, width: 3)
            }
            let p = comparison.pValue.map { ", p = \(ExperimentAnalysis.pValue($0))" } ?? ""
            canvas.circle(at: (scale(lift), middle), radius: 5, fill: colour, title: "\(label): \(ExperimentAnalysis.signedPercent(lift))\(p)")
        }
        return canvas.render(height: area.bottom + 42, label: "Relative lift against control with 95% intervals")
    }

    /// Observed user shares against the configured weights: the picture behind the SRM check.
    private static func splitChart(_ report: ExperimentReport) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let total = Double(max(report.variants.map(\.users).reduce(0, +), 1))
        let weightSum = report.variants.map(\.weight).reduce(0, +)
        let (labelWidth, rowHeight, area) = variantRows(report)
        let scale = LinearScale(domain: 0...1, range: (area.x, area.right))
        canvas.axis(NiceAxis(upTo: 1, tickCount: 4, style: .percent), scale: scale, in: area, vertical: false, title: "share of users")
        for (index, variant) in report.variants.enumerated() {
            let top = area.y + rowHeight * Double(index) + 8
            let share = Double(variant.users) / total
            let expected = weightSum > 0 ? variant.weight / weightSum : 0
            canvas.text(SVGCanvas.fitted(variant.name, width: labelWidth, size: 12), x: area.x - 10, y: top + 13, anchor: .end)
            canvas.rect(PlotArea(x: area.x, y: top, width: scale(share) - area.x, height: 18), fill: ReportPalette.colour(forStrategyAt: index),
                        opacity: 0.85, title: "\(variant.name): \(ReportFormat.count(variant.users)) users, \(ReportFormat.percent(share)) (expected \(ReportFormat.percent(expected)))")
            canvas.line(from: (scale(expected), top - 4), to: (scale(expected), top + 22), stroke: ChartInk.text, width: 2.5)
            canvas.text(ReportFormat.percent(share), x: max(scale(share), scale(expected)) + 6, y: top + 13, size: 11)
        }
        return canvas.render(height: area.bottom + 42, label: "Share of users per variant against the configured weights")
    }
}
