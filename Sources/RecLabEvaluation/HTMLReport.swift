/// Renders an `EvaluationReport` as one self-contained HTML page: run facts, results tables and
/// five inline SVG charts, with no scripts, fonts or images fetched from anywhere.
public enum HTMLReport {
    public static func render(_ report: EvaluationReport) -> String {
        let strategies = report.strategies
        let grids = GridSummary.all(report)
        var sections = [facts(report.data)]
        if strategies.isEmpty {
            sections.append(card("Results on test", lede: "No strategy was evaluated.", body: ""))
        } else {
            let bars = ReportCharts.rankingBars(strategies)
            sections += [
                card("Results on test", lede: "Every metric at K = 10 on the test split; best value per metric in bold (lowest for rmse and mae).",
                     body: table(ReportTable.results(report))),
                pair([
                    card("Accuracy", lede: "ndcg@10 (solid) and recall@10 (hatched) on test; longer is better.", body: bars.markup, chart: "ranking"),
                    card("Accuracy against coverage", lede: "Up is more accurate, right recommends more of the catalogue.",
                         body: ReportCharts.coverageScatter(strategies, height: max(bars.height, 340)).markup, chart: "coverage"),
                ]),
                card("Metrics by cut-off", lede: "Each metric at K = 1 to 20; the dashed line marks K = 10, the cut-off of the table.",
                     body: ReportCharts.curves(strategies).markup, chart: "curves"),
                card("Per-user ndcg@10", lede: "How each mean splits over the scored users; the grey bar counts users with no relevant movie in their top 10.",
                     body: ReportCharts.perUserDistributions(strategies).markup, chart: "users"),
            ]
            if !grids.isEmpty {
                sections.append(card(
                    "Validation grids", lede: "Each candidate fitted on fit rows and scored on validation; the chosen point, at full colour, was refitted on train and scored on test.",
                    body: ReportCharts.validationGrids(grids).markup, chart: "grids"))
            }
            sections.append(card("Parameters", lede: "The parameters scored on test, defaults included, and how they were chosen.",
                                 body: table(ReportTable.parameters(report))))
            sections.append(pair(grids.map { grid in
                let shared = grid.shared.map { " Every point: <code>\(ReportFormat.html($0))</code>." } ?? ""
                return card("Grid: \(grid.result.name)", lede: "\(grid.result.selection).", ledeHTML: shared, body: table(grid.table),
                            swatch: grid.strategyIndex)
            }))
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>RecLab evaluation: \(ReportFormat.html(report.name))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header class="masthead"><div class="wrap">
            <p class="kicker">RecLab offline evaluation · protocol \(ReportFormat.html(report.protocolVersion))</p>
            <h1>\(ReportFormat.html(report.name))</h1>
            <p class="meta">run <code>\(ReportFormat.html(report.id))</code> · \(ReportFormat.date(report.createdAt)) · \(strategies.count) \(strategies.count == 1 ? "strategy" : "strategies") · \(ReportFormat.decimal(report.totalSeconds)) s in all</p>
            \(leader(strategies))
            </div></header>
            <main class="wrap">
            \(sections.joined(separator: "\n"))
            </main>
            <footer class="wrap">Rendered by RecLab from the run's JSON report; hover a bar, line or point for its exact value.</footer>
            </body>
            </html>

            """
    }

    /// The headline a reader looks for first: who wins on ndcg@10, and by how much over the runner-up.
    private static func leader(_ strategies: [StrategyResult]) -> String {
        let ranked = strategies.filter(\.metrics.ndcg.isFinite).sorted { $0.metrics.ndcg > $1.metrics.ndcg }
        guard let best = ranked.first, ReportMetric.ndcg.best(among: strategies) != nil else { return "" }
        let margin = ranked.count > 1 ? " · \(ReportFormat.decimal(best.metrics.ndcg - ranked[1].metrics.ndcg)) ahead of \(ReportFormat.html(ranked[1].name))" : ""
        return "<p class=\"leader\">Best ndcg@10 on test: <strong>\(ReportFormat.html(best.name))</strong> \(ReportFormat.decimal(best.metrics.ndcg))\(margin)</p>"
    }

    private static func facts(_ data: DataDescription) -> String {
        func fact(_ label: String, _ value: String, _ detail: String) -> String {
            "<div class=\"fact\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div><div class=\"detail\">\(detail)</div></div>"
        }
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

    /// A white panel with a heading; `lede` is text, `ledeHTML` already-escaped markup after it.
    private static func card(_ title: String, lede: String, ledeHTML: String = "", body: String, chart: String? = nil, swatch: Int? = nil) -> String {
        let kind = chart.map { " chart-\($0)" } ?? ""
        return "<section class=\"card\(kind)\"><h2>\(swatch.map(self.swatch) ?? "")\(ReportFormat.html(title))</h2>"
            + "<p class=\"lede\">\(ReportFormat.html(lede))\(ledeHTML)</p>\(body)</section>"
    }

    /// Cards two to a row.
    private static func pair(_ cards: [String]) -> String {
        cards.isEmpty ? "" : "<div class=\"pair\">\(cards.joined())</div>"
    }

    private static func swatch(_ strategyIndex: Int) -> String {
        "<span class=\"swatch\" style=\"background:\(ReportPalette.colour(forStrategyAt: strategyIndex))\"></span>"
    }

    private static func table(_ table: ReportTable) -> String {
        let header = table.columns.map { "<th\($0.numeric ? " class=\"num\"" : "")>\(ReportFormat.html($0.title))</th>" }.joined()
        let rows = table.rows.map { row in
            let cells = zip(table.columns, row.cells).map { column, cell in
                let classes = [column.numeric ? "num" : nil, cell.emphasised ? "best" : nil].compactMap { $0 }.joined(separator: " ")
                return "<td\(classes.isEmpty ? "" : " class=\"\(classes)\"")>\(cell.strategyIndex.map(swatch) ?? "")\(ReportFormat.html(cell.text))</td>"
            }.joined()
            return "<tr\(row.highlighted ? " class=\"chosen\"" : "")>\(cells)</tr>"
        }.joined(separator: "\n")
        return "<div class=\"scroll\"><table><thead><tr>\(header)</tr></thead><tbody>\n\(rows)\n</tbody></table></div>"
    }

    private static let style = """
        :root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --page: #f3f4f6; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--page); color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; font-variant-numeric: tabular-nums; }
        .wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
        .masthead { background: #1e1b4b; color: #ffffff; padding: 26px 0 64px; }
        .kicker { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #c7d2fe; }
        h1 { margin: 4px 0 6px; font-size: 30px; font-weight: 650; overflow-wrap: anywhere; }
        .meta { margin: 0; color: #e0e7ff; font-size: 13px; }
        .leader { margin: 10px 0 0; font-size: 15px; color: #e0e7ff; }
        .leader strong { color: #ffffff; }
        .meta code { background: rgba(255, 255, 255, .12); color: #ffffff; }
        .facts { display: grid; grid-template-columns: 1.3fr 1fr 1fr 1fr; gap: 16px; margin-top: -44px; }
        .fact, .card { background: #ffffff; border: 1px solid var(--line); border-radius: 10px; box-shadow: 0 1px 2px rgba(0, 0, 0, .04); }
        .fact { padding: 14px 18px; min-width: 0; }
        .fact .label { font-size: 12px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
        .fact .value { font-size: 22px; font-weight: 650; margin: 2px 0; overflow-wrap: anywhere; }
        .fact .detail { font-size: 12px; color: var(--muted); }
        .fact code { display: block; white-space: normal; word-break: break-all; }
        .card { padding: 18px 20px; margin: 16px 0; min-width: 0; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 16px 0; }
        .pair .card { margin: 0; }
        h2 { margin: 0 0 2px; font-size: 17px; }
        .lede { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
        code { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: var(--page); border-radius: 4px; padding: 1px 5px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); padding: 7px 10px; white-space: nowrap; }
        td { padding: 6px 10px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
        .num { text-align: right; white-space: nowrap; }
        tbody tr:nth-child(even) td { background: #f9fafb; }
        td.best { font-weight: 700; color: #111827; }
        tbody tr.chosen td { background: #fef3c7; font-weight: 600; }
        .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 8px; vertical-align: -1px; }
        svg.chart { display: block; width: 100%; height: auto; }
        svg.chart text { font-family: inherit; }
        footer { color: var(--muted); font-size: 12px; padding-top: 4px; padding-bottom: 32px; }
        """
}
