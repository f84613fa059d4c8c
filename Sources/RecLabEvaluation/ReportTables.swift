import RecLabCore

/// A metric column of the results table, and which way is better.
enum ReportMetric: CaseIterable {
    case ndcg, recall, precision, hitRate, mrr, map, coverage, intraListDiversity, rmse, mae

    var title: String {
        switch self {
        case .ndcg: "ndcg@10"
        case .recall: "recall@10"
        case .precision: "precision@10"
        case .hitRate: "hit_rate@10"
        case .mrr: "mrr@10"
        case .map: "map@10"
        case .coverage: "coverage@10"
        case .intraListDiversity: "diversity@10"
        case .rmse: "rmse"
        case .mae: "mae"
        }
    }

    var higherIsBetter: Bool { self != .rmse && self != .mae }

    func value(of result: StrategyResult) -> Double? {
        switch self {
        case .ndcg: result.metrics.ndcg
        case .recall: result.metrics.recall
        case .precision: result.metrics.precision
        case .hitRate: result.metrics.hitRate
        case .mrr: result.metrics.mrr
        case .map: result.metrics.map
        case .coverage: result.metrics.coverage
        case .intraListDiversity: result.intraListDiversity
        case .rmse: result.rating?.rmse
        case .mae: result.rating?.mae
        }
    }

    /// The ranking metrics, intra-list diversity when it was measured, and the rating errors
    /// only when some strategy predicts ratings.
    static func columns(for strategies: [StrategyResult]) -> [ReportMetric] {
        let rated = strategies.contains { $0.rating != nil }
        let diverse = strategies.contains { $0.intraListDiversity != nil }
        return allCases.filter { (rated || $0.higherIsBetter) && (diverse || $0 != .intraListDiversity) }
    }

    /// The best value as printed, or nil when every strategy prints the same (nothing stands
    /// out, so nothing is bold). Printed values are compared so that two cells reading 0.3124
    /// are both bold or both not.
    func best(among strategies: [StrategyResult]) -> String? {
        let values = strategies.compactMap { value(of: $0) }.filter(\.isFinite)
        guard let best = higherIsBetter ? values.max() : values.min() else { return nil }
        let printed = Set(values.map(ReportFormat.decimal))
        return printed.count > 1 ? ReportFormat.decimal(best) : nil
    }
}

/// A table both renderers draw: Markdown as GFM, HTML with colour swatches and highlighted rows.
package struct ReportTable {
    package struct Column {
        package var title: String
        package var numeric: Bool

        package init(title: String, numeric: Bool) {
            self.title = title
            self.numeric = numeric
        }
    }

    package struct Cell {
        package var text: String
        package var emphasised = false
        /// Which strategy's colour the HTML puts beside the text.
        package var strategyIndex: Int?

        package init(text: String, emphasised: Bool = false, strategyIndex: Int? = nil) {
            self.text = text
            self.emphasised = emphasised
            self.strategyIndex = strategyIndex
        }
    }

    package struct Row {
        package var cells: [Cell]
        package var highlighted = false

        package init(cells: [Cell], highlighted: Bool = false) {
            self.cells = cells
            self.highlighted = highlighted
        }
    }

    package var columns: [Column]
    package var rows: [Row]

    package init(columns: [Column], rows: [Row]) {
        self.columns = columns
        self.rows = rows
    }

    static func results(_ report: EvaluationReport) -> ReportTable {
        let metrics = ReportMetric.columns(for: report.strategies)
        let best = metrics.map { $0.best(among: report.strategies) }
        let columns = [Column(title: "Strategy", numeric: false)]
            + metrics.map { Column(title: $0.title, numeric: true) }
            + [Column(title: "fit s", numeric: true), Column(title: "recommend s", numeric: true)]
        let rows = report.strategies.enumerated().map { index, result in
            let metricCells = zip(metrics, best).map { metric, best in
                guard let value = metric.value(of: result) else { return Cell(text: "—") }
                let text = ReportFormat.decimal(value)
                return Cell(text: text, emphasised: text == best)
            }
            return Row(cells: [Cell(text: result.name, strategyIndex: index)] + metricCells
                + [Cell(text: ReportFormat.decimal(result.fitSeconds)), Cell(text: ReportFormat.decimal(result.recommendSeconds))])
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// Each strategy's ndcg@10 against the best's, user by user: the difference, its interval,
    /// the p-value and the verdict. Nil for a report without intervals.
    static func comparison(_ report: EvaluationReport) -> ReportTable? {
        guard let settings = report.bootstrap, let best = report.best else { return nil }
        let level = ReportFormat.level(settings.confidence)
        let columns = [Column(title: "Strategy", numeric: false), Column(title: "ndcg@10", numeric: true),
                       Column(title: "\(level) interval", numeric: true), Column(title: "− best", numeric: true),
                       Column(title: "\(level) interval of the difference", numeric: true), Column(title: "p", numeric: true),
                       Column(title: "verdict", numeric: false)]
        let rows = report.strategies.enumerated().map { index, result in
            let interval = result.intervals?[ReportMetric.ndcg.title]
            let versus = result.versusBest
            let verdict = result.name == best.name ? "best" : versus.map { $0.tied ? "tied with the best" : "below the best" } ?? "—"
            return Row(cells: [
                Cell(text: result.name, strategyIndex: index), Cell(text: ReportFormat.decimal(result.metrics.ndcg)),
                Cell(text: ReportFormat.range(interval)),
                Cell(text: versus.map { ReportFormat.signed($0.difference) } ?? "—"),
                Cell(text: versus.map { "\(ReportFormat.signed($0.low)) – \(ReportFormat.signed($0.high))" } ?? "—"),
                Cell(text: versus.map { ReportFormat.pValue($0.pValue, floor: settings.pValueFloor) } ?? "—"),
                Cell(text: verdict, emphasised: result.name == best.name || versus?.tied == true),
            ], highlighted: result.name == best.name)
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// Every metric's interval per strategy. Nil for a report without intervals.
    static func intervals(_ report: EvaluationReport) -> ReportTable? {
        guard report.bootstrap != nil else { return nil }
        let metrics = ReportMetric.columns(for: report.strategies).filter(\.higherIsBetter)
        let columns = [Column(title: "Strategy", numeric: false)] + metrics.map { Column(title: $0.title, numeric: true) }
        let rows = report.strategies.enumerated().map { index, result in
            Row(cells: [Cell(text: result.name, strategyIndex: index)] + metrics.map { metric in
                Cell(text: ReportFormat.range(result.intervals?[metric.title]))
            })
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// The sentence a reader looks for first: who is best on ndcg@10 and whether that is told
    /// apart from noise. Names a winner only when no strategy is statistically tied with the
    /// best; reports from before intervals give the best and its margin, as they always did.
    static func headline(_ report: EvaluationReport) -> String? {
        let ranked = report.strategies.filter(\.metrics.ndcg.isFinite).sorted { $0.metrics.ndcg > $1.metrics.ndcg }
        guard let best = report.best else { return nil }
        let interval = best.intervals?[ReportMetric.ndcg.title]
        guard let settings = report.bootstrap else {
            // Without intervals, equal scores leave nothing to say.
            guard ReportMetric.ndcg.best(among: report.strategies) != nil else { return nil }
            let score = ReportFormat.decimal(best.metrics.ndcg)
            let margin = ranked.count > 1 ? ", \(ReportFormat.decimal(best.metrics.ndcg - ranked[1].metrics.ndcg)) ahead of \(ranked[1].name)" : ""
            return "Best ndcg@10 on test: \(best.name) \(score)\(margin)."
        }
        let level = ReportFormat.level(settings.confidence)
        let score = ReportFormat.decimal(best.metrics.ndcg)
            + (interval.map { " (\(level) interval \(ReportFormat.decimal($0.low)) to \(ReportFormat.decimal($0.high)))" } ?? "")
        let tied = report.strategies.filter { $0.versusBest?.tied == true }
        func against(_ result: StrategyResult) -> String {
            guard let versus = result.versusBest else { return result.name }
            return "\(result.name) (\(ReportFormat.signed(versus.difference)), \(level) interval \(ReportFormat.signed(versus.low)) to \(ReportFormat.signed(versus.high)), \(ReportFormat.pStatement(versus.pValue, floor: settings.pValueFloor)))"
        }
        if tied.isEmpty {
            let next = ranked.first { $0.name != best.name }
            return "Winner on ndcg@10: \(best.name) \(score), better than every other strategy beyond the \(level) interval of the difference"
                + (next.map { "; the next best is \(against($0))." } ?? ".")
        }
        return "No winner on ndcg@10: \(best.name) scores highest, \(score), but "
            + (tied.count == 1 ? "\(against(tied[0])) is" : "\(tied.map(against).joined(separator: ", ")) are")
            + " statistically tied with it (paired bootstrap over the \(ReportFormat.count(report.data.usersScored)) scored users)."
    }

    static func parameters(_ report: EvaluationReport) -> ReportTable {
        let rows = report.strategies.enumerated().map { index, result in
            Row(cells: [
                Cell(text: result.name, strategyIndex: index), Cell(text: result.strategy),
                Cell(text: ReportFormat.parameters(result.parameters)), Cell(text: result.selection),
            ])
        }
        let columns = ["Strategy", "Strategy id", "Parameters scored on test", "How they were chosen"].map { Column(title: $0, numeric: false) }
        return ReportTable(columns: columns, rows: rows)
    }
}

/// A strategy's validation grid as the reports show it: the parameters that vary as columns,
/// the ones every point shares said once, and the point that was chosen.
struct GridSummary {
    let strategyIndex: Int
    let result: StrategyResult
    let chosenIndex: Int?
    /// The parameter names that differ between points; empty when points are not objects.
    let varyingKeys: [String]
    /// Parameters every point shares, e.g. "iterations=15"; nil when there are none.
    let shared: String?

    static let chosenMark = "◀ chosen"

    init(strategyIndex: Int, result: StrategyResult) {
        self.strategyIndex = strategyIndex
        self.result = result
        chosenIndex = Self.chosenIndex(in: result.grid, parameters: result.parameters)
        let objects = result.grid.compactMap { point -> [String: ParameterValue]? in
            if case .object(let fields) = point.parameters { fields } else { nil }
        }
        guard objects.count == result.grid.count, let first = objects.first else {
            varyingKeys = []
            shared = nil
            return
        }
        let keys = Set(objects.flatMap(\.keys)).sorted()
        let varying = keys.filter { key in objects.contains { $0[key] != first[key] } }
        // A single-point grid varies nothing; its parameters still belong in the table.
        let columns = varying.isEmpty ? keys : varying
        varyingKeys = columns
        let sharedKeys = keys.filter { !columns.contains($0) }
        shared = sharedKeys.isEmpty ? nil : sharedKeys.map { "\($0)=\(ReportFormat.parameter(first[$0]!))" }.joined(separator: ", ")
    }

    static func all(_ report: EvaluationReport) -> [GridSummary] {
        report.strategies.enumerated().filter { !$0.element.grid.isEmpty }.map { GridSummary(strategyIndex: $0.offset, result: $0.element) }
    }

    /// The varying parameters of one point, for chart labels.
    func label(of point: GridPoint) -> String {
        guard !varyingKeys.isEmpty else { return ReportFormat.parameters(point.parameters) }
        return zip(varyingKeys, cells(of: point)).map { "\($0)=\($1)" }.joined(separator: ", ")
    }

    var table: ReportTable {
        let parameterColumns = varyingKeys.isEmpty ? ["parameters"] : varyingKeys
        // Each point's interval, so a reader sees when the chosen point is no better than its neighbours.
        let intervals = result.grid.contains { $0.interval != nil }
        let columns = parameterColumns.map { ReportTable.Column(title: $0, numeric: false) }
            + [ReportTable.Column(title: "validation ndcg@10", numeric: true)]
            + (intervals ? [ReportTable.Column(title: "interval", numeric: true)] : [])
            + [ReportTable.Column(title: "fit s", numeric: true), ReportTable.Column(title: "", numeric: false)]
        let rows = result.grid.enumerated().map { index, point in
            let chosen = index == chosenIndex
            let interval = ReportFormat.range(point.interval)
            return ReportTable.Row(
                cells: cells(of: point).map { ReportTable.Cell(text: $0) }
                    + [ReportTable.Cell(text: ReportFormat.decimal(point.validationNDCG), emphasised: chosen)]
                    + (intervals ? [ReportTable.Cell(text: interval)] : [])
                    + [ReportTable.Cell(text: ReportFormat.decimal(point.fitSeconds)), ReportTable.Cell(text: chosen ? Self.chosenMark : "")],
                highlighted: chosen)
        }
        return ReportTable(columns: columns, rows: rows)
    }

    private func cells(of point: GridPoint) -> [String] {
        guard !varyingKeys.isEmpty, case .object(let fields) = point.parameters else { return [ReportFormat.parameters(point.parameters)] }
        return varyingKeys.map { key in fields[key].map { ReportFormat.parameter($0) } ?? "—" }
    }

    /// The point scored on test, found by its parameters so the mark shows what actually ran;
    /// a grid that stores fewer fields than the resolved parameters matches on the fields it
    /// has, and failing that the protocol's rule picks it: best on validation, first on ties.
    private static func chosenIndex(in grid: [GridPoint], parameters: ParameterValue) -> Int? {
        let matching = grid.firstIndex { point in
            guard case .object(let fields) = point.parameters, case .object(let chosen) = parameters else { return point.parameters == parameters }
            return fields.allSatisfy { chosen[$0.key] == $0.value }
        }
        if let matching { return matching }
        let scored = grid.indices.filter { grid[$0].validationNDCG.isFinite }
        return scored.max { grid[$0].validationNDCG < grid[$1].validationNDCG || (grid[$0].validationNDCG == grid[$1].validationNDCG && $0 > $1) }
    }
}
