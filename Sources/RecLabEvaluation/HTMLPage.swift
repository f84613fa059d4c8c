/// The page every RecLab HTML report shares: a masthead, white cards, tables and one
/// stylesheet, self-contained (no scripts, fonts or images fetched from anywhere).
package enum HTMLPage {
    /// A whole page; `metaHTML`, `leaderHTML` and `sections` are markup already escaped.
    package static func render(title: String, kicker: String, heading: String, metaHTML: String, leaderHTML: String, sections: [String], footer: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(ReportFormat.html(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        <header class="masthead"><div class="wrap">
        <p class="kicker">\(ReportFormat.html(kicker))</p>
        <h1>\(ReportFormat.html(heading))</h1>
        <p class="meta">\(metaHTML)</p>
        \(leaderHTML)
        </div></header>
        <main class="wrap">
        \(sections.joined(separator: "\n"))
        </main>
        <footer class="wrap">\(ReportFormat.html(footer))</footer>
        </body>
        </html>

        """
    }

    /// One of the figures in the row under the masthead; `value` is text, `detail` markup.
    package static func fact(_ label: String, _ value: String, _ detail: String) -> String {
        "<div class=\"fact\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div><div class=\"detail\">\(detail)</div></div>"
    }

    /// A white panel with a heading; `lede` is text, `ledeHTML` already-escaped markup after it.
    package static func card(_ title: String, lede: String, ledeHTML: String = "", body: String, chart: String? = nil, swatch: Int? = nil) -> String {
        let kind = chart.map { " chart-\($0)" } ?? ""
        return "<section class=\"card\(kind)\"><h2>\(swatch.map(self.swatch) ?? "")\(ReportFormat.html(title))</h2>"
            + "<p class=\"lede\">\(ReportFormat.html(lede))\(ledeHTML)</p>\(body)</section>"
    }

    /// Cards two to a row.
    package static func pair(_ cards: [String]) -> String {
        cards.isEmpty ? "" : "<div class=\"pair\">\(cards.joined())</div>"
    }

    package static func swatch(_ strategyIndex: Int) -> String {
        "<span class=\"swatch\" style=\"background:\(ReportPalette.colour(forStrategyAt: strategyIndex))\"></span>"
    }

    package static func table(_ table: ReportTable) -> String {
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

    package static let style = """
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
        .warning { background: #fef2f2; border: 1px solid #fca5a5; border-left: 6px solid #dc2626; border-radius: 10px; padding: 12px 18px; margin: 16px 0; color: #7f1d1d; }
        .verdict-better { color: #166534; font-weight: 600; }
        .verdict-worse { color: #b91c1c; font-weight: 600; }
        .card { padding: 18px 20px; margin: 16px 0; min-width: 0; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 16px 0; }
        .pair .card { margin: 0; }
        h2 { margin: 0 0 2px; font-size: 17px; }
        .lede { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
        code { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: var(--page); border-radius: 4px; padding: 1px 5px; }
        .scroll { overflow-x: auto; }
        .scroll + .scroll { margin-top: 14px; }
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
