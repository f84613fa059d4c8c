/// Renders an `EvaluationReport` as one self-contained HTML page: run facts, results tables and
/// five inline SVG charts, with no scripts, fonts or images fetched from anywhere.
public enum HTMLReport {
    public static func render(_ report: EvaluationReport) -> String {
        let strategies = report.strategies
        let grids = GridSummary.all(report)
        var sections = [facts(report.data)]
        if strategies.isEmpty {
            sections.append(HTMLPage.card("Results on test", lede: "No strategy was evaluated.", body: ""))
        } else {
            let bars = ReportCharts.rankingBars(strategies)
            sections += [
                HTMLPage.card("Results on test", lede: "Every metric at K = 10 on the test split; best value per metric in bold (lowest for rmse and mae).",
                     body: HTMLPage.table(ReportTable.results(report))),
            ]
            if let comparison = ReportTable.comparison(report), let intervals = ReportTable.intervals(report), let settings = report.bootstrap {
                let level = ReportFormat.level(settings.confidence)
                sections.append(HTMLPage.pair([
                    HTMLPage.card("Compared with the best", lede: "ndcg@10 against the best's over the same users (paired bootstrap, \(ReportFormat.count(settings.resamples)) resamples); tied when the \(level) interval of the difference holds 0.",
                         body: HTMLPage.table(comparison)),
                    HTMLPage.card("\(level) intervals", lede: "Every metric's percentile interval over the same resamples of the users (coverage's moved by the resamples' bias).",
                         body: HTMLPage.table(intervals)),
                ]))
            }
            sections += [
                HTMLPage.pair([
                    HTMLPage.card("Accuracy", lede: "ndcg@10 (solid) and recall@10 (hatched) on test, whiskers spanning each interval; longer is better.", body: bars.markup, chart: "ranking"),
                    HTMLPage.card("Accuracy against coverage", lede: "Up is more accurate, right recommends more of the catalogue.",
                         body: ReportCharts.coverageScatter(strategies, height: max(bars.height, 340)).markup, chart: "coverage"),
                ]),
                HTMLPage.card("Metrics by cut-off", lede: "Each metric at K = 1 to 20; the dashed line marks K = 10, the cut-off of the table.",
                     body: ReportCharts.curves(strategies).markup, chart: "curves"),
                HTMLPage.card("Per-user ndcg@10", lede: "How each mean splits over the scored users; the grey bar counts users with no relevant movie in their top 10.",
                     body: ReportCharts.perUserDistributions(strategies).markup, chart: "users"),
            ]
            if !grids.isEmpty {
                sections.append(HTMLPage.card(
                    "Validation grids", lede: "Each candidate fitted on fit rows and scored on validation; the chosen point, at full colour, was refitted on train and scored on test.",
                    body: ReportCharts.validationGrids(grids).markup, chart: "grids"))
            }
            sections.append(HTMLPage.card("Parameters", lede: "The parameters scored on test, defaults included, and how they were chosen.",
                                 body: HTMLPage.table(ReportTable.parameters(report))))
            sections.append(HTMLPage.pair(grids.map { grid in
                let shared = grid.shared.map { " Every point: <code>\(ReportFormat.html($0))</code>." } ?? ""
                return HTMLPage.card("Grid: \(grid.result.name)", lede: "\(grid.result.selection).", ledeHTML: shared, body: HTMLPage.table(grid.table),
                            swatch: grid.strategyIndex)
            }))
        }
        return HTMLPage.render(
            title: "RecLab evaluation: \(report.name)", kicker: "RecLab offline evaluation · protocol \(report.protocolVersion)", heading: report.name,
            metaHTML: "run <code>\(ReportFormat.html(report.id))</code> · \(ReportFormat.date(report.createdAt)) · \(strategies.count) \(strategies.count == 1 ? "strategy" : "strategies") · \(ReportFormat.decimal(report.totalSeconds)) s in all",
            leaderHTML: ReportTable.headline(report).map { "<p class=\"leader\">\(ReportFormat.html($0))</p>" } ?? "", sections: sections,
            footer: "Rendered by RecLab from the run's JSON report; hover a bar, line or point for its exact value.")
    }

    private static func facts(_ data: DataDescription) -> String {
        let fact = HTMLPage.fact
        let count = ReportFormat.count
        return "<section class=\"facts\">"
            + fact("Data", ReportFormat.html(data.file.split(separator: "/").last.map(String.init) ?? data.file),
                   "<code title=\"\(ReportFormat.html(data.file))\">sha256 \(ReportFormat.html(data.sha256))</code>")
            + fact("Ratings", count(data.ratings), "by \(count(data.users)) users")
            + fact("Train / test", "\(count(data.trainRows)) / \(count(data.testRows))",
                   "rows · \(count(data.moviesInTrain)) movies in train · \(count(data.usersScored)) users scored")
            + fact("Fit / validation", "\(count(data.fitRows)) / \(count(data.validationRows))",
                   "rows · \(count(data.moviesInFit)) movies in fit · \(count(data.usersScoredOnValidation)) users scored")
            + "</section>"
    }
}
