import Foundation

/// The colour of each strategy in every chart and table of the HTML report, by position in
/// the report.
public enum ReportPalette {
    /// Paul Tol's "muted" scheme, told apart under the common colour-vision deficiencies, then
    /// a neutral grey; an eleventh strategy starts the cycle again.
    public static let strategyColours = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499", "#666666"]

    public static func colour(forStrategyAt index: Int) -> String {
        strategyColours[index % strategyColours.count]
    }
}

/// Chrome shared by every chart: text, axis and grid colours.
package enum ChartInk {
    package static let text = "#1f2937"
    package static let muted = "#6b7280"
    package static let grid = "#e5e7eb"
    package static let axis = "#9ca3af"
    package static let zero = "#9ca3af"
}

/// A rectangle of the drawing, in SVG user units.
package struct PlotArea {
    package var x: Double
    package var y: Double
    package var width: Double
    package var height: Double

    package var right: Double { x + width }
    package var bottom: Double { y + height }

    package init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Maps a domain onto a range of coordinates; a domain of zero width maps to the range start
/// instead of dividing by zero.
package struct LinearScale {
    package let domain: ClosedRange<Double>
    package let range: (from: Double, to: Double)

    package init(domain: ClosedRange<Double>, range: (from: Double, to: Double)) {
        self.domain = domain
        self.range = range
    }

    package func callAsFunction(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0, value.isFinite else { return range.from }
        let clamped = min(max(value, domain.lowerBound), domain.upperBound)
        return range.from + (clamped - domain.lowerBound) / span * (range.to - range.from)
    }
}

/// Axis ticks at round numbers (1, 2, 2.5 or 5 times a power of ten) from 0 up to at least the
/// largest value; all-zero or non-finite data get a 0…1 axis.
package struct NiceAxis {
    package enum Style { case decimal, percent }

    package let ticks: [Double]
    package let labels: [String]
    package var maximum: Double { ticks.last ?? 1 }

    package init(upTo largest: Double, tickCount: Int = 5, style: Style = .decimal) {
        let top = largest.isFinite && largest > 0 ? largest : 1
        let rough = top / Double(max(tickCount, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let count = Int((top / step - 1e-9).rounded(.up))
        ticks = (0...max(count, 1)).map { Double($0) * step }
        let scaled = style == .percent ? step * 100 : step
        // Enough decimals to tell ticks apart: 0.05 needs two, 0.025 three.
        var decimals = max(0, Int((-log10(scaled) - 1e-9).rounded(.up)))
        let digits = scaled * pow(10, Double(decimals))
        if abs(digits - digits.rounded()) > 1e-6 { decimals += 1 }
        labels = ticks.map { tick in
            style == .percent ? String(format: "%.\(min(decimals, 4))f%%", tick * 100) : String(format: "%.\(min(decimals, 6))f", tick)
        }
    }

    package init(ticks: [Double]) {
        self.init(ticks: ticks, labels: ticks.map { String(format: "%g", $0) })
    }

    package init(ticks: [Double], labels: [String]) {
        self.ticks = ticks
        self.labels = labels
    }

    /// Ticks from −m to m for values on both sides of zero (lifts), m as `init(upTo:)` rounds it.
    package init(symmetricAround largest: Double, tickCount: Int = 3, style: Style = .decimal) {
        let half = NiceAxis(upTo: largest, tickCount: tickCount, style: style)
        let negative = half.labels.dropFirst().reversed().map { "−" + $0 }
        self.init(ticks: half.ticks.dropFirst().reversed().map { -$0 } + half.ticks, labels: negative + half.labels)
    }
}

/// How a legend entry is drawn.
package enum LegendMark {
    case box(fill: String, stroke: String?)
    case line(String)
}

/// A finished `<svg>` element and its height, so a neighbouring chart can match it.
package struct SVGDrawing {
    package let markup: String
    package let height: Double
}

/// An SVG drawing under construction. Every piece of text is escaped here, and every number
/// passes `SVGCanvas.number`, so no NaN or infinity reaches the page.
package struct SVGCanvas {
    package let width: Double
    private var definitions: [String] = []
    private var elements: [String] = []

    package init(width: Double) {
        self.width = width
    }

    /// One decimal is finer than a pixel at 1280 px; a non-finite coordinate becomes 0.
    package static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = (min(max(value, -1e6), 1e6) * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(format: "%.1f", tenths / 10)
    }

    /// Guesses how wide text renders (DejaVu Sans runs about 0.6 em a character), to lay out
    /// labels without a font engine.
    package static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    /// `text` shortened with an ellipsis to fit `width`.
    package static func fitted(_ text: String, width: Double, size: Double) -> String {
        let fits = max(1, Int(width / (size * 0.6)))
        return text.count <= fits ? text : String(text.prefix(max(fits - 1, 1))) + "…"
    }

    /// Diagonal stripes of `colour` over a pale wash of it, filling shapes as `url(#id)`.
    package mutating func hatch(id: String, colour: String) {
        definitions.append(
            "<pattern id=\"\(id)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                + "<rect width=\"6\" height=\"6\" fill=\"\(colour)\" fill-opacity=\"0.18\"/>"
                + "<rect width=\"2.5\" height=\"6\" fill=\"\(colour)\"/></pattern>")
    }

    package mutating func rect(_ area: PlotArea, fill: String, stroke: String? = nil, opacity: Double = 1, radius: Double = 0, title: String? = nil) {
        var attributes = "x=\"\(Self.number(area.x))\" y=\"\(Self.number(area.y))\" width=\"\(Self.number(max(area.width, 0)))\" height=\"\(Self.number(max(area.height, 0)))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        if opacity < 1 { attributes += " fill-opacity=\"\(String(format: "%.2f", opacity))\"" }
        if radius > 0 { attributes += " rx=\"\(Self.number(radius))\"" }
        element("rect", attributes, title: title)
    }

    package mutating func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), stroke: String, width: Double = 1, dashed: Bool = false) {
        var attributes = "x1=\"\(Self.number(start.x))\" y1=\"\(Self.number(start.y))\" x2=\"\(Self.number(end.x))\" y2=\"\(Self.number(end.y))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
        if dashed { attributes += " stroke-dasharray=\"4 3\"" }
        element("line", attributes)
    }

    package mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double, title: String? = nil) {
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        element("polyline", "points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\"", title: title)
    }

    package mutating func circle(at centre: (x: Double, y: Double), radius: Double, fill: String, title: String? = nil) {
        element("circle", "cx=\"\(Self.number(centre.x))\" cy=\"\(Self.number(centre.y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\" stroke=\"#ffffff\" stroke-width=\"1.5\"", title: title)
    }

    package enum Anchor: String { case start, middle, end }

    package mutating func text(_ text: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, bold: Bool = false, fill: String = ChartInk.text) {
        var attributes = "x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" fill=\"\(fill)\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { attributes += " font-weight=\"600\"" }
        elements.append("<text \(attributes)>\(ReportFormat.html(text))</text>")
    }

    /// A bold title with the strategy's colour swatch before it, at the top-left of a panel.
    package mutating func heading(_ title: String, x: Double, y: Double, width: Double, colour: String? = nil) {
        var left = x
        if let colour {
            rect(PlotArea(x: x, y: y - 10, width: 11, height: 11), fill: colour, radius: 2)
            left += 17
        }
        text(Self.fitted(title, width: x + width - left, size: 13), x: left, y: y, size: 13, bold: true)
    }

    /// Gridlines and labelled ticks for a value axis: `vertical` runs up the left edge, else
    /// along the bottom edge.
    package mutating func axis(_ axis: NiceAxis, scale: LinearScale, in area: PlotArea, vertical: Bool, title: String? = nil) {
        for (tick, label) in zip(axis.ticks, axis.labels) {
            let at = scale(tick)
            if vertical {
                line(from: (area.x, at), to: (area.right, at), stroke: ChartInk.grid)
                text(label, x: area.x - 6, y: at + 4, size: 11, anchor: .end, fill: ChartInk.muted)
            } else {
                line(from: (at, area.y), to: (at, area.bottom), stroke: ChartInk.grid)
                text(label, x: at, y: area.bottom + 15, size: 11, anchor: .middle, fill: ChartInk.muted)
            }
        }
        if vertical {
            line(from: (area.x, area.bottom), to: (area.right, area.bottom), stroke: ChartInk.axis)
            if let title { text(title, x: area.x - 6, y: area.y - 10, size: 11, anchor: .start, bold: true, fill: ChartInk.muted) }
        } else {
            line(from: (area.x, area.y), to: (area.x, area.bottom), stroke: ChartInk.axis)
            if let title { text(title, x: area.x + area.width / 2, y: area.bottom + 32, size: 11, anchor: .middle, bold: true, fill: ChartInk.muted) }
        }
    }

    /// Legend entries left to right, wrapping at `width`; returns the y below the legend.
    package mutating func legend(_ entries: [(label: String, mark: LegendMark)], x: Double, y: Double, width: Double) -> Double {
        var left = x
        var baseline = y
        for entry in entries {
            let label = Self.fitted(entry.label, width: 220, size: 12)
            let advance = 22 + Self.textWidth(label, size: 12) + 18
            if left > x, left + advance > x + width {
                left = x
                baseline += 20
            }
            switch entry.mark {
            case .box(let fill, let stroke):
                rect(PlotArea(x: left, y: baseline - 10, width: 14, height: 12), fill: fill, stroke: stroke, radius: 2)
            case .line(let colour):
                line(from: (left, baseline - 4), to: (left + 16, baseline - 4), stroke: colour, width: 3)
            }
            text(label, x: left + 22, y: baseline, size: 12)
            left += advance
        }
        return baseline + 12
    }

    package func render(height: Double, label: String) -> SVGDrawing {
        let defs = definitions.isEmpty ? "" : "<defs>\(definitions.joined())</defs>"
        let markup = "<svg class=\"chart\" role=\"img\" aria-label=\"\(ReportFormat.html(label))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\">"
            + defs + elements.joined(separator: "\n") + "</svg>"
        return SVGDrawing(markup: markup, height: height)
    }

    private mutating func element(_ name: String, _ attributes: String, title: String? = nil) {
        if let title {
            elements.append("<\(name) \(attributes)><title>\(ReportFormat.html(title))</title></\(name)>")
        } else {
            elements.append("<\(name) \(attributes)/>")
        }
    }
}
