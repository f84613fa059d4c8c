import Foundation

/// A recommendation answer with its JSON encoded once, when the answer is made: the bytes
/// before and after its `request_id`, which every showing fills in with its own id. A cached
/// answer is then served as bytes, never encoded again.
struct EncodedAnswer: Sendable {
    /// The answer, its `requestID` not yet set.
    let answer: RecommendationResponse
    /// The JSON up to the opening quote of the `request_id` value, and from its closing quote.
    let head: Data
    let tail: Data

    init(_ answer: RecommendationResponse, encoder: JSONEncoder) throws {
        // A marker no title or reason can hold: the key and a fresh random value.
        var marked = answer
        marked.requestID = "marker-" + UUID().uuidString
        let json = try encoder.encode(marked)
        let needle = Data("\"request_id\":\"\(marked.requestID)\"".utf8)
        guard let range = json.firstRange(of: needle) else {
            preconditionFailure("an encoded answer always holds its request_id")
        }
        self.answer = answer
        head = json[..<(range.lowerBound + needle.count - marked.requestID.utf8.count - 1)]
        tail = json[(range.upperBound - 1)...]
    }
}

/// One showing of an answer: the answer with its own `request_id`, and its JSON.
struct IssuedAnswer: Sendable {
    let answer: RecommendationResponse
    let encoded: EncodedAnswer
}
