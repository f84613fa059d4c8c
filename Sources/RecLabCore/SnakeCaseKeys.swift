import Foundation

/// The one rule between Swift's camelCase names and the snake_case fields of the seed's JSON,
/// for every JSON RecLab writes and reads (answers, bodies, reports), so that no type spells its
/// field names out by hand: `movieID` is `movie_id`, `requestIDs` `request_ids`, `latencyMS`
/// `latency_ms`. Foundation's own conversion gets acronyms wrong (`user_i_ds`, and back
/// `movieId`). Dictionary keys (strategy names, user ids) are data and are never converted.
public enum SnakeCaseKeys {
    /// Acronyms as names spell them, by their snake_case word.
    static let acronyms = ["id": "ID", "ids": "IDs", "ms": "MS", "url": "URL", "urls": "URLs"]

    /// `movieID` → `movie_id`: a word starts at an upper-case letter after a lower-case one or
    /// a digit, and at the last capital of an acronym followed by a word (`HTTPServer`); an
    /// acronym's plural `s` stays with it (`IDs`). Names are ASCII, read as bytes: every key of
    /// every answer passes here.
    public static func snakeCase(_ name: String) -> String {
        let bytes = Array(name.utf8)
        func upper(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= 0x41 && bytes[index] <= 0x5A }
        func lower(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= 0x61 && bytes[index] <= 0x7A }
        func digit(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= 0x30 && bytes[index] <= 0x39 }
        guard bytes.indices.contains(where: upper) else { return name }
        var field: [UInt8] = []
        field.reserveCapacity(bytes.count + 4)
        for index in bytes.indices {
            if upper(index), index > 0 {
                let plural = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "s") && (index + 2 == bytes.count || upper(index + 2))
                if lower(index - 1) || digit(index - 1) || (upper(index - 1) && lower(index + 1) && !plural) { field.append(UInt8(ascii: "_")) }
                field.append(bytes[index] + 0x20)
            } else {
                field.append(upper(index) ? bytes[index] + 0x20 : bytes[index])
            }
        }
        return String(decoding: field, as: UTF8.self)
    }

    /// `movie_id` → `movieID`, the inverse of `snakeCase` for RecLab's names.
    public static func camelCase(_ field: String) -> String {
        let words = field.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        guard words.count > 1 else { return field }
        return words[0] + words.dropFirst().map { acronyms[$0] ?? $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    public static let encoding = JSONEncoder.KeyEncodingStrategy.custom { path in Key(snakeCase(path.last!.stringValue)) }
    public static let decoding = JSONDecoder.KeyDecodingStrategy.custom { path in Key(camelCase(path.last!.stringValue)) }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ stringValue: String) { self.stringValue = stringValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
