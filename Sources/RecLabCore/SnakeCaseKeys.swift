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
    /// acronym's plural `s` stays with it (`IDs`).
    public static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var field = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                let plural = next == "s" && (index + 2 == characters.count || characters[index + 2].isUppercase)
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true && !plural) { field += "_" }
            }
            field += character.lowercased()
        }
        return field
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
