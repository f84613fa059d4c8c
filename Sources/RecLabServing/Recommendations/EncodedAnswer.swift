import Foundation

/// A recommendation answer with its JSON encoded once, when the answer is made, split around
/// its `request_id`, which every showing fills in with its own id. A cached answer is then
/// served as bytes, never encoded again.
///
/// It keeps the JSON in one buffer and of the answer only what a showing needs, not the
/// decoded answer: a cache of many thousands of answers that churns should allocate one block
/// per answer, not a score of small strings (benchmarks/soak.md).
public struct EncodedAnswer: Sendable {
    /// What serving a showing needs to know: metrics labels and the exposure's fields.
    struct Summary: Sendable {
        let surface: String
        let strategy: String
        /// The configured instance (or experiment variant) that answered.
        let instance: String
        let experiment: String?
        let variant: String?
        let userID: String?
        /// The TMDB ids shown, for the exposure (a movie without one is shown but not listed).
        let movies: [Int]
        /// An interleaved answer's team for each of `movies`.
        let teams: [String]?
        let isEmpty: Bool
    }

    let summary: Summary
    /// The whole JSON with an empty `request_id`; `split` is where the id goes.
    private let json: Data
    private let split: Int

    /// The JSON up to the opening quote of the `request_id` value, and from its closing quote.
    public var head: Data { json.prefix(split) }
    public var tail: Data { json.suffix(from: json.startIndex + split) }

    init(_ answer: RecommendationResponse) {
        var blank = answer
        blank.requestID = ""
        let encoded = AnswerJSON.encode(blank)
        guard let end = Self.end(of: Self.needle, in: encoded) else {
            preconditionFailure("an encoded answer always holds its request_id")
        }
        json = encoded
        split = end - 1
        summary = Summary(
            surface: answer.type, strategy: answer.strategy, instance: answer.strategyInstance, experiment: answer.experiment, variant: answer.variant, userID: answer.userID,
            movies: answer.recommendations.compactMap(\.movieID),
            teams: answer.recommendations.contains { $0.team != nil } ? answer.recommendations.filter { $0.movieID != nil }.map { $0.team ?? "" } : nil,
            isEmpty: answer.recommendations.isEmpty)
    }
}

extension EncodedAnswer {
    /// Where the id goes. A string value cannot hold it: its quotes would be escaped.
    static let needle = Array(#""request_id":"""#.utf8)

    /// The offset just past the first `needle` in `data`, by a plain byte scan (Foundation's
    /// generic `firstRange(of:)` cost more than the rest of a cached answer's showing).
    static func end(of needle: [UInt8], in data: Data) -> Int? {
        data.withUnsafeBytes { bytes -> Int? in
            guard bytes.count >= needle.count, let first = needle.first else { return nil }
            var index = 0
            while index <= bytes.count - needle.count {
                if bytes[index] == first, needle.indices.allSatisfy({ bytes[index + $0] == needle[$0] }) { return index + needle.count }
                index += 1
            }
            return nil
        }
    }
}

/// One showing of an answer: its own `request_id` and the answer's JSON.
public struct IssuedAnswer: Sendable {
    public let requestID: String
    public let encoded: EncodedAnswer
}
