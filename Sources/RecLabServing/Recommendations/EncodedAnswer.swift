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

    init(_ answer: RecommendationResponse, encoder: JSONEncoder) throws {
        var blank = answer
        blank.requestID = ""
        let encoded = try encoder.encode(blank)
        let needle = Data(#""request_id":"""#.utf8)
        guard let range = encoded.firstRange(of: needle) else {
            preconditionFailure("an encoded answer always holds its request_id")
        }
        // An exact-size copy: the encoder's buffer may carry spare capacity.
        json = Data(encoded)
        split = range.upperBound - 1 - encoded.startIndex
        summary = Summary(
            surface: answer.type, strategy: answer.strategy, experiment: answer.experiment, variant: answer.variant, userID: answer.userID,
            movies: answer.recommendations.compactMap(\.movieID),
            teams: answer.recommendations.contains { $0.team != nil } ? answer.recommendations.filter { $0.movieID != nil }.map { $0.team ?? "" } : nil,
            isEmpty: answer.recommendations.isEmpty)
    }
}

/// One showing of an answer: its own `request_id` and the answer's JSON.
public struct IssuedAnswer: Sendable {
    public let requestID: String
    public let encoded: EncodedAnswer
}
