import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabExperiments
import RecLabObservability
import RecLabServing
import RecLabStore

/// The lab console: RecLab's pages for people, rendered from what the serving core already
/// holds (the models, the catalogue, the stored reports, the live figures), so a page costs
/// lookups and the lists of one user, never a refit or an evaluation.
public struct Console: Sendable {
    let services: RecLabServices
    public let templates: ConsoleTemplates
    let comparisons: EvaluationComparisons
    /// Whether the API needs a client key: the pages then come without their data, which the
    /// page's script asks for with the key the user enters.
    public let asksForClientKey: Bool
    /// The header a key goes in.
    public let keyHeader: String

    /// Which part of a page to render: the whole document, or its main content alone (what
    /// the script swaps in after a change, or loads with the client key).
    public enum Part: Sendable {
        case document
        case main
    }

    public init(services: RecLabServices, asksForClientKey: Bool, keyHeader: String, templates: ConsoleTemplates = .bundled) {
        self.services = services
        self.templates = templates
        self.asksForClientKey = asksForClientKey
        self.keyHeader = keyHeader
        comparisons = EvaluationComparisons()
    }

    /// The console's sections, for the navigation's current page.
    enum Section: String {
        case overview, user, movie, evaluations, experiments, search
    }

    /// `view` through `template`, inside the layout unless only the main content is asked for.
    /// Without the client key the document carries no data: the script fetches it with the key.
    func page(_ title: String, _ section: Section, _ template: String, _ view: View, part: Part, keyed: Bool, query: String = "") -> String {
        let main = templates.render(view, template)
        if part == .main { return main }
        let withheld = asksForClientKey && !keyed
        return layout(title: title, section: section.rawValue, main: withheld ? "" : main, asksForKey: withheld, query: query)
    }

    private func layout(title: String, section: String, main: String, asksForKey: Bool, query: String) -> String {
        templates.render(
            Self.view([
                "title": title, "page": section, "main": main, "query": query, "keyHeader": keyHeader, "asksForClientKey": asksForKey,
                "overview": section == Section.overview.rawValue, "evaluations": section == Section.evaluations.rawValue,
                "experiments": section == Section.experiments.rawValue,
            ]),
            "layout")
    }
}

/// What a template reads: values by the names it uses. Dictionaries, because swift-mustache
/// finds a struct's fields by reflection, which took four fifths of the user page's time.
typealias View = [String: Any]

extension Console {
    /// A view of `fields`, those that are nil left out, so that a section on them is skipped.
    static func view(_ fields: KeyValuePairs<String, Any?>) -> View {
        var view = View(minimumCapacity: fields.count)
        for (name, value) in fields {
            if let value { view[name] = value }
        }
        return view
    }

    /// A `label`–`value` pair of a facts list.
    static func fact(_ label: String, _ value: String) -> View {
        ["label": label, "value": value]
    }

    /// The users each running experiment served, as of the store gauges' last refresh; a stale
    /// set is refreshed in the background, never on the page's time.
    func experimentUsers() -> [String: Int] {
        let gauges = services.gauges
        services.work.submit { try? await gauges.refreshIfStale() }
        return gauges.experimentUsers
    }

    /// Milliseconds or seconds, to two or three significant digits.
    static func duration(seconds: Double) -> String {
        seconds >= 10 ? String(format: "%.0f s", seconds)
            : seconds >= 1 ? String(format: "%.1f s", seconds)
            : seconds >= 0.001 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f ms", seconds * 1000)
    }

    static func decimal(_ value: Double, places: Int = 4) -> String {
        String(format: "%.\(places)f", value)
    }

    static func signed(_ value: Double, places: Int = 4) -> String {
        String(format: "%+.\(places)f", value)
    }

    static func count(_ value: Int) -> String {
        value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }

    static let timestamp: Date.ISO8601FormatStyle = .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
        .timeSeparator(.colon)

    static func time(_ date: Date) -> String {
        date.formatted(timestamp).replacingOccurrences(of: "T", with: " ") + " UTC"
    }
}

extension ParameterValue {
    /// `key=value` pairs in key order, nested objects dotted: a strategy's parameters in short.
    var inline: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%g", value)
        case .string(let value): value
        case .array(let values): "[" + values.map(\.inline).joined(separator: ", ") + "]"
        case .object(let fields):
            fields.keys.sorted().map { key in
                if case .object = fields[key]! { return "\(key){\(fields[key]!.inline)}" }
                return "\(key)=\(fields[key]!.inline)"
            }.joined(separator: " ")
        }
    }
}
