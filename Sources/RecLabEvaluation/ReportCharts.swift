import Foundation
import RecLabStatistics

/// The HTML report's five charts, each one inline `<svg>` sized for a 1280 px page.
enum ReportCharts {
    static let fullWidth = 1150.0
    static let halfWidth = 546.0

    /// Chart 1: ndcg@10 (solid) and recall@10 (hatched) side by side for each strategy, each
    /// with its interval as a whisker.
    static func rankingBars(_ strategies: [StrategyResult], width: Double = halfWidth) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        canvas.hatch(id: "rl-hatch-legend", colour: ChartInk.muted)
        let legendBottom = canvas.legend(
            [("ndcg@10", .box(fill: ChartInk.muted, stroke: nil)), ("recall@10", .box(fill: "url(#rl-hatch-legend)", stroke: ChartInk.muted))],
            x: 16, y: 20, width: width - 32)
        let rows = strategies.enumerated().map { index, result in
            let colour = ReportPalette.colour(forStrategyAt: index)
            canvas.hatch(id: "rl-hatch-\(index)", colour: colour)
            let ndcg = result.intervals?[ReportMetric.ndcg.title]
            let recall = result.intervals?[ReportMetric.recall.title]
            return BarRow(label: result.name, bars: [
                Bar(value: result.metrics.ndcg, fill: colour, interval: ndcg,
                    title: "\(result.name): ndcg@10 \(ReportFormat.decimal(result.metrics.ndcg))\(ReportFormat.interval(ndcg))"),
                Bar(value: result.metrics.recall, fill: "url(#rl-hatch-\(index))", stroke: colour, interval: recall,
                    title: "\(result.name): recall@10 \(ReportFormat.decimal(result.metrics.recall))\(ReportFormat.interval(recall))"),
            ])
        }
        let bottom = horizontalBars(rows, on: &canvas, x: 16, top: legendBottom + 14, width: width - 32, barHeight: 13, axisTitle: "value on test")
        return canvas.render(height: bottom, label: "ndcg@10 and recall@10 per strategy")
    }

    /// Chart 2: ndcg, recall and precision at K = 1…20, one panel each, one line per strategy.
    static func curves(_ strategies: [StrategyResult], width: Double = fullWidth) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let legendBottom = canvas.legend(
            strategies.enumerated().map { ($0.element.name, .line(ReportPalette.colour(forStrategyAt: $0.offset))) },
            x: 16, y: 20, width: width - 32)
        let gap = 40.0
        let panelWidth = (width - 32 - 2 * gap) / 3
        let plotHeight = 210.0
        for (panel, metric) in ["ndcg", "recall", "precision"].enumerated() {
            let left = 16 + Double(panel) * (panelWidth + gap)
            canvas.heading("\(metric)@K", x: left, y: legendBottom + 28, width: panelWidth)
            let area = PlotArea(x: left + 44, y: legendBottom + 48, width: panelWidth - 52, height: plotHeight)
            let series = strategies.map { $0.curves[metric] ?? [] }
            let longest = max(series.map(\.count).max() ?? 0, 2)
            let yAxis = NiceAxis(upTo: series.joined().filter(\.isFinite).max() ?? 0, tickCount: 4)
            let y = LinearScale(domain: 0...yAxis.maximum, range: (area.bottom, area.y))
            let x = LinearScale(domain: 1...Double(longest), range: (area.x, area.right))
            canvas.axis(yAxis, scale: y, in: area, vertical: true)
            canvas.axis(NiceAxis(ticks: [1, 5, 10, 15, 20].filter { $0 <= Double(longest) }), scale: x, in: area, vertical: false, title: "K")
            if longest >= 10 {
                canvas.line(from: (x(10), area.y), to: (x(10), area.bottom), stroke: ChartInk.axis, dashed: true)
            }
            for (index, values) in series.enumerated() where !values.isEmpty {
                let colour = ReportPalette.colour(forStrategyAt: index)
                let name = strategies[index].name
                let points = values.enumerated().filter { $0.element.isFinite }.map { (x: x(Double($0.offset + 1)), y: y($0.element)) }
                canvas.polyline(points, stroke: colour, width: 2.5, title: name)
                let marked = min(values.count, 10)
                guard values[marked - 1].isFinite else { continue }
                canvas.circle(at: (x(Double(marked)), y(values[marked - 1])), radius: 4, fill: colour,
                              title: "\(name): \(metric)@\(marked) \(ReportFormat.decimal(values[marked - 1]))")
            }
        }
        return canvas.render(height: legendBottom + 48 + plotHeight + 44, label: "ndcg, recall and precision at K = 1 to 20 per strategy")
    }

    /// Chart 3: catalogue coverage against accuracy, each point named by its strategy.
    static func coverageScatter(_ strategies: [StrategyResult], width: Double = halfWidth, height: Double) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let area = PlotArea(x: 60, y: 34, width: width - 84, height: height - 86)
        let xAxis = NiceAxis(upTo: strategies.map(\.metrics.coverage).filter(\.isFinite).max() ?? 0)
        let yAxis = NiceAxis(upTo: strategies.map(\.metrics.ndcg).filter(\.isFinite).max() ?? 0)
        let x = LinearScale(domain: 0...xAxis.maximum, range: (area.x, area.right))
        let y = LinearScale(domain: 0...yAxis.maximum, range: (area.bottom, area.y))
        canvas.axis(yAxis, scale: y, in: area, vertical: true, title: "ndcg@10")
        canvas.axis(xAxis, scale: x, in: area, vertical: false, title: "coverage@10 (share of movies in train ever recommended)")
        let points = strategies.enumerated().map { index, result in
            (index: index, name: result.name, at: (x: x(result.metrics.coverage), y: y(result.metrics.ndcg)))
        }
        for point in points {
            let result = strategies[point.index]
            canvas.circle(at: point.at, radius: 7, fill: ReportPalette.colour(forStrategyAt: point.index),
                          title: "\(result.name): coverage@10 \(ReportFormat.decimal(result.metrics.coverage)), ndcg@10 \(ReportFormat.decimal(result.metrics.ndcg))")
        }
        // Labels go right of their point (left near the edge) and step down past labels
        // already placed, so strategies with equal scores stay readable.
        var placed: [PlotArea] = []
        for point in points.sorted(by: { $0.at.y < $1.at.y }) {
            let label = SVGCanvas.fitted(point.name, width: 170, size: 12)
            let labelWidth = SVGCanvas.textWidth(label, size: 12)
            let leftward = point.at.x + 11 + labelWidth > width - 4
            var box = PlotArea(x: leftward ? point.at.x - 11 - labelWidth : point.at.x + 11, y: point.at.y - 7, width: labelWidth, height: 14)
            for _ in 0..<strategies.count where placed.contains(where: { overlaps($0, box) }) {
                box.y += 14
            }
            placed.append(box)
            canvas.text(label, x: leftward ? box.right : box.x, y: box.y + 11, anchor: leftward ? .end : .start)
        }
        return canvas.render(height: height, label: "coverage@10 against ndcg@10 per strategy")
    }

    /// Chart 4: how ndcg@10 spreads over users, one histogram per strategy on a shared scale,
    /// users who got nothing in a grey bar of their own.
    static func perUserDistributions(_ strategies: [StrategyResult], width: Double = fullWidth) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let histograms = strategies.map { UserHistogram($0.perUserNDCG) }
        // At most five to a row, rows balanced: seven strategies make rows of four and three.
        let rows = max((strategies.count + 4) / 5, 1)
        let columns = max((strategies.count + rows - 1) / rows, 1)
        let gap = 28.0
        let panelWidth = min((width - 32 - gap * Double(columns - 1)) / Double(columns), 380)
        let panelHeight = 228.0
        let yAxis = NiceAxis(upTo: histograms.map(\.largestShare).max() ?? 0, tickCount: 4, style: .percent)
        for (index, histogram) in histograms.enumerated() {
            let left = 16 + Double(index % columns) * (panelWidth + gap)
            let top = 8 + Double(index / columns) * panelHeight
            let result = strategies[index]
            let colour = ReportPalette.colour(forStrategyAt: index)
            canvas.heading(result.name, x: left, y: top + 16, width: panelWidth, colour: colour)
            let summary = histogram.total == 0
                ? "no scored users"
                : "\(ReportFormat.count(histogram.zeros)) of \(ReportFormat.count(histogram.total)) users got 0 (\(ReportFormat.percent(histogram.share(histogram.zeros))))"
            canvas.text(summary, x: left, y: top + 34, size: 11, fill: ChartInk.muted)
            let area = PlotArea(x: left + 42, y: top + 56, width: panelWidth - 50, height: 120)
            let y = LinearScale(domain: 0...yAxis.maximum, range: (area.bottom, area.y))
            canvas.axis(yAxis, scale: y, in: area, vertical: true)
            // The zero bar stands apart from the (0, 1] bins so "nothing relevant in the top
            // 10" never reads as a low score.
            let slot = area.width / 12
            let zeroTop = y(histogram.share(histogram.zeros))
            canvas.rect(PlotArea(x: area.x + slot * 0.15, y: zeroTop, width: slot * 0.7, height: area.bottom - zeroTop), fill: ChartInk.zero,
                        title: "\(result.name): \(ReportFormat.count(histogram.zeros)) users at ndcg@10 = 0")
            canvas.text("0", x: area.x + slot / 2, y: area.bottom + 15, size: 11, anchor: .middle, fill: ChartInk.muted)
            let x = LinearScale(domain: 0...1, range: (area.x + slot * 1.5, area.right))
            for (bin, count) in histogram.bins.enumerated() {
                let from = x(Double(bin) / 10), to = x(Double(bin + 1) / 10), height = area.bottom - y(histogram.share(count))
                canvas.rect(PlotArea(x: from + 0.5, y: area.bottom - height, width: to - from - 1, height: height), fill: colour,
                            title: "\(result.name): \(ReportFormat.count(count)) users with ndcg@10 in (\(Double(bin) / 10), \(Double(bin + 1) / 10)]")
            }
            for tick in stride(from: 0.2, through: 1.0, by: 0.2) {
                canvas.text(String(format: "%.1f", tick), x: x(tick), y: area.bottom + 15, size: 11, anchor: .middle, fill: ChartInk.muted)
            }
            if result.metrics.ndcg.isFinite, result.metrics.ndcg > 0 {
                let mean = x(result.metrics.ndcg)
                canvas.line(from: (mean, area.y), to: (mean, area.bottom), stroke: ChartInk.text, dashed: true)
                canvas.text("mean \(ReportFormat.decimal(result.metrics.ndcg))", x: mean + 4, y: area.y + 10, size: 11)
            }
            canvas.text("ndcg@10 of each scored user", x: x(0.5), y: area.bottom + 32, size: 11, anchor: .middle, bold: true, fill: ChartInk.muted)
        }
        return canvas.render(height: 8 + Double(rows) * panelHeight, label: "distribution of per-user ndcg@10 per strategy")
    }

    /// Chart 5: validation ndcg@10 of every grid point, the chosen one at full colour.
    static func validationGrids(_ grids: [GridSummary], width: Double = fullWidth) -> SVGDrawing {
        var canvas = SVGCanvas(width: width)
        let columns = grids.count == 1 ? 1 : 2
        let gap = 40.0
        let panelWidth = (width - 32 - gap * Double(columns - 1)) / Double(columns)
        var rowTop = 8.0
        for row in stride(from: 0, to: grids.count, by: columns) {
            var rowBottom = rowTop
            for (column, grid) in grids[row..<min(row + columns, grids.count)].enumerated() {
                let left = 16 + Double(column) * (panelWidth + gap)
                let colour = ReportPalette.colour(forStrategyAt: grid.strategyIndex)
                canvas.heading(grid.result.name, x: left, y: rowTop + 16, width: panelWidth, colour: colour)
                let note = [grid.result.selection, grid.shared.map { "every point: \($0)" }].compactMap { $0 }.joined(separator: " · ")
                canvas.text(SVGCanvas.fitted(note, width: panelWidth, size: 11), x: left, y: rowTop + 34, size: 11, fill: ChartInk.muted)
                let bars = grid.result.grid.enumerated().map { index, point in
                    let chosen = index == grid.chosenIndex
                    return BarRow(label: grid.label(of: point), bars: [
                        Bar(value: point.validationNDCG, fill: colour, opacity: chosen ? 1 : 0.45, note: chosen ? GridSummary.chosenMark : nil,
                            interval: point.interval,
                            title: "\(grid.label(of: point)): validation ndcg@10 \(ReportFormat.decimal(point.validationNDCG))\(ReportFormat.interval(point.interval)), fit \(ReportFormat.decimal(point.fitSeconds)) s"),
                    ])
                }
                rowBottom = max(rowBottom, horizontalBars(bars, on: &canvas, x: left, top: rowTop + 50, width: panelWidth, barHeight: 14,
                                                          axisTitle: "validation ndcg@10"))
            }
            rowTop = rowBottom + 16
        }
        return canvas.render(height: rowTop, label: "validation ndcg@10 across each parameter grid")
    }

    // MARK: - Shared pieces

    struct Bar {
        var value: Double
        var fill: String
        var stroke: String?
        var opacity = 1.0
        /// Bold words after the value label, e.g. "◀ chosen".
        var note: String?
        /// Drawn as a whisker across the bar's end.
        var interval: Interval?
        var title: String
    }

    struct BarRow {
        var label: String
        var bars: [Bar]
    }

    /// Rows of horizontal bars on one value axis: labels on the left, values at the bar ends.
    /// Returns the y below the axis title.
    private static func horizontalBars(_ rows: [BarRow], on canvas: inout SVGCanvas, x: Double, top: Double, width: Double, barHeight: Double,
                                       axisTitle: String) -> Double {
        let labelWidth = min(rows.map { SVGCanvas.textWidth($0.label, size: 12) }.max() ?? 0, width * 0.45)
        let noteWidth = rows.flatMap(\.bars).compactMap(\.note).map { SVGCanvas.textWidth($0, size: 11) + 6 }.max() ?? 0
        let barsPerRow = Double(rows.map(\.bars.count).max() ?? 1)
        let rowHeight = barsPerRow * (barHeight + 3) + 9
        let area = PlotArea(x: x + labelWidth + 10, y: top, width: width - labelWidth - 10 - 50 - noteWidth, height: rowHeight * Double(rows.count))
        let axis = NiceAxis(upTo: rows.flatMap(\.bars).map { max($0.value, $0.interval?.high ?? 0) }.filter(\.isFinite).max() ?? 0)
        let scale = LinearScale(domain: 0...axis.maximum, range: (area.x, area.right))
        canvas.axis(axis, scale: scale, in: area, vertical: false, title: axisTitle)
        for (index, row) in rows.enumerated() {
            let rowTop = area.y + rowHeight * Double(index) + 4.5
            canvas.text(SVGCanvas.fitted(row.label, width: labelWidth, size: 12), x: area.x - 10, y: rowTop + (rowHeight - 9) / 2 + 3, anchor: .end)
            for (position, bar) in row.bars.enumerated() {
                let barTop = rowTop + Double(position) * (barHeight + 3)
                let end = scale(bar.value)
                canvas.rect(PlotArea(x: area.x, y: barTop, width: end - area.x, height: barHeight), fill: bar.fill, stroke: bar.stroke,
                            opacity: bar.opacity, title: bar.title)
                var labelAt = end
                if let interval = bar.interval, interval.low.isFinite, interval.high.isFinite {
                    // The whisker: the interval's span at mid-bar, with end caps.
                    let (low, high, middle) = (scale(interval.low), scale(interval.high), barTop + barHeight / 2)
                    canvas.line(from: (low, middle), to: (high, middle), stroke: ChartInk.text, width: 1.5)
                    for x in [low, high] { canvas.line(from: (x, barTop + 2), to: (x, barTop + barHeight - 2), stroke: ChartInk.text, width: 1.5) }
                    labelAt = max(end, high)
                }
                let value = ReportFormat.decimal(bar.value)
                canvas.text(value, x: labelAt + 4, y: barTop + barHeight - 3, size: 11)
                if let note = bar.note {
                    canvas.text(note, x: labelAt + 10 + SVGCanvas.textWidth(value, size: 11), y: barTop + barHeight - 3, size: 11, bold: true)
                }
            }
        }
        return area.bottom + 40
    }

    private static func overlaps(_ a: PlotArea, _ b: PlotArea) -> Bool {
        a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom
    }
}

/// Per-user ndcg@10 counted into a zero bin and ten bins over (0, 1].
struct UserHistogram {
    private(set) var zeros = 0
    private(set) var bins = [Int](repeating: 0, count: 10)
    /// Users with a finite score; a NaN is left out rather than counted anywhere.
    private(set) var total = 0

    init(_ scores: [Double]) {
        for score in scores where score.isFinite {
            total += 1
            if score <= 0 {
                zeros += 1
            } else {
                bins[min(max(Int((score * 10).rounded(.up)) - 1, 0), 9)] += 1
            }
        }
    }

    func share(_ count: Int) -> Double {
        total > 0 ? Double(count) / Double(total) : 0
    }

    var largestShare: Double {
        share(max(zeros, bins.max() ?? 0))
    }
}
