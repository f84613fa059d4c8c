import Foundation
import RecLabCore

/// The JSON every answer is written in and every body read from: the seed's snake_case field
/// names (`SnakeCaseKeys`), ISO 8601 dates, sorted keys (so the same answer is the same bytes,
/// for caches and ETags).
public enum JSONCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = SnakeCaseKeys.encoding
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = SnakeCaseKeys.decoding
        return decoder
    }()
}
