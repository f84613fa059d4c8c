import Foundation
import RecLabCore
import RecLabStatistics

/// How the reports spell numbers, dates, parameters and escaped text, so Markdown and HTML
/// agree to the character.
package enum ReportFormat {
    /// Metrics and seconds to 4 decimals; a broken strategy's NaN reads "n/a", not "nan".
    package static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let text = String(format: "%.4f", value)
        return text == "-0.0000" ? "0.0000" : text
    }

    /// An interval after a value, as " [0.1180, 0.1420]"; empty for none.
    package static func interval(_ interval: Interval?) -> String {
        interval.map { " [\(decimal($0.low)), \(decimal($0.high))]" } ?? ""
    }

    /// An interval as a table cell, "0.1180 – 0.1420"; "—" for none.
    package static func range(_ interval: Interval?) -> String {
        interval.map { "\(decimal($0.low)) – \(decimal($0.high))" } ?? "—"
    }

    /// A difference with its sign: "+0.0021", "−0.0015" (a true minus).
    package static func signed(_ value: Double) -> String {
        let text = decimal(abs(value))
        return value < 0 && text != decimal(0) ? "−\(text)" : "+\(text)"
    }

    /// A p-value to three decimals, "< 0.001" below; at `floor` (the least a bootstrap of so
    /// many resamples can give, none of them crossing 0) "≤" that, since it is only a bound.
    package static func pValue(_ value: Double, floor: Double) -> String {
        if value <= floor * (1 + 1e-9) { return "≤ \(String(format: "%.3f", floor))" }
        return value < 0.001 ? "< 0.001" : String(format: "%.3f", value)
    }

    /// "p = 0.083", "p ≤ 0.002", "p < 0.001", for a sentence.
    package static func pStatement(_ value: Double, floor: Double) -> String {
        let text = pValue(value, floor: floor)
        return text.hasPrefix("≤") || text.hasPrefix("<") ? "p \(text)" : "p = \(text)"
    }

    /// Counts with thousands separators, as the protocol writes them (100,836), whatever the locale.
    package static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    package static func percent(_ share: Double) -> String {
        share.isFinite ? String(format: "%.1f%%", share * 100) : "n/a"
    }

    /// A confidence level as people say it: "95%", "99.5%".
    package static func level(_ confidence: Double) -> String {
        let percent = confidence * 100
        return percent.rounded() == percent ? "\(Int(percent))%" : String(format: "%.1f%%", percent)
    }

    package static func date(_ date: Date) -> String {
        let style = Date.ISO8601FormatStyle(dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon, timeZone: .gmt)
            .year().month().day().time(includingFractionalSeconds: false)
        return date.formatted(style) + " UTC"
    }

    /// Parameters as a configuration author would write them: `factors=64, reg=0.1`. Numbers keep
    /// their full precision because a regularisation of 1e-5 is not 0.0000.
    package static func parameters(_ value: ParameterValue) -> String {
        switch value {
        case .object(let fields) where fields.isEmpty: "defaults"
        case .object(let fields): fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(parameter($0.value))" }.joined(separator: ", ")
        default: parameter(value)
        }
    }

    package static func parameter(_ value: ParameterValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number) where number.rounded() == number && abs(number) < 1e15: String(Int64(number))
        case .number(let number): "\(number)"
        case .string(let text): text
        case .array(let items): "[" + items.map(parameter).joined(separator: ", ") + "]"
        case .object(let fields): "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(parameter($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    package static func html(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Text safe inside a GFM table cell: no raw HTML, no emphasis or links by accident, no
    /// cell breaks. An underscore inside a word never starts emphasis in GFM, so `hit_rate`
    /// stays readable in the raw file.
    package static func markdown(_ text: String) -> String {
        let characters = Array(text)
        let inWord = { (index: Int) in characters.indices.contains(index) && (characters[index].isLetter || characters[index].isNumber) }
        var escaped = ""
        for (index, character) in characters.enumerated() {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "_" where inWord(index - 1) && inWord(index + 1): escaped.append(character)
            case "\\", "`", "*", "_", "[", "]", "|", "#", "~": escaped += "\\\(character)"
            case "\n", "\r": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
