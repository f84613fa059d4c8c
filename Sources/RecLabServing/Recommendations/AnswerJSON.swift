import Foundation
import RecLabCore

/// Writes a recommendation answer's JSON straight into bytes, byte for byte what
/// `JSONCoding.encoder` writes for it (sorted keys, snake_case fields, ISO 8601 dates, `null`
/// for the nullable fields, absent optionals left out), at a fraction of the cost: Foundation's
/// encoder, with a key strategy, spent more than half of an uncached answer's CPU on
/// containers and key conversions. `AnswerJSONTests` holds the two to the same bytes.
public enum AnswerJSON {
    public static func encode(_ answer: RecommendationResponse) -> Data {
        var out = Writer()
        out.bytes.reserveCapacity(256 + answer.recommendations.count * 320)
        // Keys in sorted order, as the encoder's `.sortedKeys` writes them.
        out.raw("{")
        out.nullableField("experiment", answer.experiment, first: true)
        out.field("generated_at", Self.timestamp(answer.generatedAt))
        if let genre = answer.genre {
            out.key("genre")
            out.raw("{")
            out.field("id", genre.id, first: true)
            out.field("name", genre.name)
            out.raw("}")
        }
        out.optionalField("movie_id", answer.movieID)
        out.optionalField("reason", answer.reason)
        out.key("recommendations")
        out.raw("[")
        for (index, item) in answer.recommendations.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{")
            out.nullableField("movie_id", item.movieID, first: true)
            out.nullableField("poster_path", item.posterPath)
            out.nullableField("poster_url", item.posterURL)
            out.field("reason", item.reason)
            out.nullableField("release_date", item.releaseDate)
            out.field("score", item.score)
            out.optionalField("team", item.team)
            out.field("title", item.title)
            out.nullableField("vote_average", item.voteAverage)
            out.raw("}")
        }
        out.raw("]")
        out.field("request_id", answer.requestID)
        out.optionalField("source", answer.source)
        out.field("strategy", answer.strategy)
        out.field("strategy_instance", answer.strategyInstance)
        out.optionalField("time_window", answer.timeWindow)
        out.field("total_count", answer.totalCount)
        out.field("type", answer.type)
        out.optionalField("user_id", answer.userID)
        out.nullableField("variant", answer.variant)
        out.raw("}")
        return Data(out.bytes)
    }

    /// `2026-12-07T10:00:00Z`, as the `.iso8601` date strategy writes it (whole seconds, UTC).
    static func timestamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    fileprivate struct Writer {
        var bytes: [UInt8] = []

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func key(_ name: StaticString, first: Bool = false) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func integer(_ value: Int) {
            bytes.append(contentsOf: String(value).utf8)
        }

        /// Swift's shortest round-trip digits, as the encoder writes a Double: `5` for 5.0.
        mutating func double(_ value: Double) {
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            bytes.append(contentsOf: text.utf8)
        }

        mutating func field(_ name: StaticString, _ value: some Scalar, first: Bool = false) {
            key(name, first: first)
            value.write(to: &self)
        }

        /// A field written as `null` when it has no value.
        mutating func nullableField(_ name: StaticString, _ value: (some Scalar)?, first: Bool = false) {
            key(name, first: first)
            if let value { value.write(to: &self) } else { raw("null") }
        }

        /// A field left out when it has no value.
        mutating func optionalField(_ name: StaticString, _ value: (some Scalar)?) {
            if let value { field(name, value) }
        }

        /// A JSON string: quotes, backslashes and control characters escaped, slashes and
        /// everything else as UTF-8.
        mutating func string(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x00..<0x20:
                    raw("\\u00")
                    let digits = Array("0123456789abcdef".utf8)
                    bytes.append(digits[Int(byte >> 4)])
                    bytes.append(digits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}

/// A field's value as the writer writes it.
private protocol Scalar {
    func write(to out: inout AnswerJSON.Writer)
}

extension String: Scalar {
    fileprivate func write(to out: inout AnswerJSON.Writer) { out.string(self) }
}

extension Int: Scalar {
    fileprivate func write(to out: inout AnswerJSON.Writer) { out.integer(self) }
}

extension Double: Scalar {
    fileprivate func write(to out: inout AnswerJSON.Writer) { out.double(self) }
}
