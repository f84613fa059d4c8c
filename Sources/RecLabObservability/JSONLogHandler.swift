import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line (`LOG_FORMAT=json`), for log
/// shippers: timestamp, level, logger label, message, source, then the metadata as fields.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let explicit = event.metadata { fields.merge(explicit) { _, new in new } }
        fields["timestamp"] = .string(UTCTimestamp.now(milliseconds: true))
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["message"] = .string(event.message.description)
        fields["source"] = .string(event.source)
        if let error = event.error { fields["error"] = .string("\(error)") }
        var line = ""
        line.reserveCapacity(256)
        Self.append(.dictionary(fields), to: &line)
        write(line)
    }

    /// JSON by hand, keys sorted: JSONSerialization costs several times more per line, and
    /// this runs for every request. Strings stay strings (numbers logged as strings are not
    /// guessed at).
    static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let items):
            line.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { line.append(",") }
                append(item, to: &line)
            }
            line.append("]")
        case .dictionary(let fields):
            line.append("{")
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { line.append(",") }
                appendString(key, to: &line)
                line.append(":")
                append(fields[key]!, to: &line)
            }
            line.append("}")
        }
    }

    static func appendString(_ text: String, to line: inout String) {
        line.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line.append("\\\"")
            case "\\": line.append("\\\\")
            case "\n": line.append("\\n")
            case "\r": line.append("\\r")
            case "\t": line.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                line.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line.append("\"")
    }

    private static let output = Mutex(())

    /// Whole lines to standard output, one writer at a time so lines never interleave.
    public static let standardOutput: @Sendable (String) -> Void = { line in
        output.withLock { _ in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}

/// The current time as ISO 8601 in UTC (`2026-11-25T15:13:38Z`, or with milliseconds
/// `…38.653Z`), from the C library: Foundation's formatters cost microseconds a call, which a
/// log line or a health probe per request should not pay.
public enum UTCTimestamp {
    public static func now(milliseconds: Bool = false) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        let fraction = milliseconds ? "." + (now.tv_nsec / 1_000_000).zeroPaddedDigits(3) : ""
        return (parts.tm_year + 1900).zeroPaddedDigits(4) + "-" + (parts.tm_mon + 1).zeroPaddedDigits(2) + "-" + parts.tm_mday.zeroPaddedDigits(2)
            + "T" + parts.tm_hour.zeroPaddedDigits(2) + ":" + parts.tm_min.zeroPaddedDigits(2) + ":" + parts.tm_sec.zeroPaddedDigits(2)
            + fraction + "Z"
    }
}
