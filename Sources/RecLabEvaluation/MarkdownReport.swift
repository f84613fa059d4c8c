import Foundation

/// Renders an `EvaluationReport` as GitHub-flavoured Markdown: run facts, results, parameters
/// and validation grids, best values in bold.
public enum MarkdownReport {
    public static func render(_ report: EvaluationReport) -> String {
        let data = report.data
        var lines = [
            "# Evaluation: \(ReportFormat.markdown(report.name))",
            "",
            "- **Run id:** `\(codeSpan(report.id))`",
            "- **Protocol:** \(ReportFormat.markdown(report.protocolVersion))",
            "- **Created:** \(ReportFormat.date(report.createdAt))",
            "- **Data file:** `\(codeSpan(data.file))`",
            "- **SHA-256:** `\(codeSpan(data.sha256))`",
            "- **Total time:** \(ReportFormat.decimal(report.totalSeconds)) s",
            "",
            "## Data",
            "",
            "\(ReportFormat.count(data.ratings)) ratings by \(ReportFormat.count(data.users)) users.",
            "",
            "| Split | Rows kept | Rows held out | Movies seen | Users scored |",
            "|---|--:|--:|--:|--:|",
            "| train / test | \(ReportFormat.count(data.trainRows)) | \(ReportFormat.count(data.testRows)) | \(ReportFormat.count(data.moviesInTrain)) | \(ReportFormat.count(data.usersScored)) |",
            "| fit / validation (within train) | \(ReportFormat.count(data.fitRows)) | \(ReportFormat.count(data.validationRows)) | \(ReportFormat.count(data.moviesInFit)) | \(ReportFormat.count(data.usersScoredOnValidation)) |",
            "",
            "## Results on test",
            "",
        ]
        guard !report.strategies.isEmpty else { return (lines + ["No strategy was evaluated.", ""]).joined(separator: "\n") }
        if let headline = ReportTable.headline(report) { lines += ["**\(ReportFormat.markdown(headline))**", ""] }
        lines += table(ReportTable.results(report))
        lines += ["", "Best value per metric in **bold** (lowest for rmse and mae); seconds are wall-clock."]
        if let comparison = ReportTable.comparison(report), let intervals = ReportTable.intervals(report), let settings = report.bootstrap {
            let level = ReportFormat.level(settings.confidence)
            lines += ["", "## Compared with the best", "",
                      "Each strategy's ndcg@10 against the best's over the same \(ReportFormat.count(report.data.usersScored)) users (a paired bootstrap, "
                        + "\(ReportFormat.count(settings.resamples)) resamples of the users, seed \(settings.seed)). A strategy is **tied with the best** "
                        + "when the \(level) interval of the difference holds 0: the data cannot tell them apart.", ""]
            lines += table(comparison)
            lines += ["", "### \(level) intervals of every metric", "",
                      "Percentile intervals over the same resamples; coverage's are moved by the resamples' bias (a resample holds fewer distinct users, "
                        + "so it covers fewer movies).", ""]
            lines += table(intervals)
        }
        lines += ["", "## Parameters", ""]
        lines += table(ReportTable.parameters(report))
        let grids = GridSummary.all(report)
        if !grids.isEmpty { lines += ["", "## Validation grids"] }
        for grid in grids {
            lines += ["", "### \(ReportFormat.markdown(grid.result.name)): \(ReportFormat.markdown(grid.result.selection))", ""]
            if let shared = grid.shared { lines += ["Every point: `\(codeSpan(shared))`", ""] }
            lines += table(grid.table)
        }
        return (lines + [""]).joined(separator: "\n")
    }

    private static func table(_ table: ReportTable) -> [String] {
        let header = "| " + table.columns.map { ReportFormat.markdown($0.title) }.joined(separator: " | ") + " |"
        let rule = "|" + table.columns.map { $0.numeric ? "--:|" : "---|" }.joined()
        let rows = table.rows.map { row in
            "| " + row.cells.map { cell in
                let text = ReportFormat.markdown(cell.text)
                return cell.emphasised ? "**\(text)**" : text
            }.joined(separator: " | ") + " |"
        }
        return [header, rule] + rows
    }

    /// A backtick would end the span early; none belongs in an id, a path or a hash.
    private static func codeSpan(_ text: String) -> String {
        text.replacingOccurrences(of: "`", with: "'")
    }
}
