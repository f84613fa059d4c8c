import Foundation
import RecLabCore
import RecLabServing
import Testing

/// The answer writer against the encoder it replaces: the same bytes for every shape of answer.
@Suite struct AnswerJSONTests {
    static let awkward = ["Amélie", "\"Quoted\" / slashed \\ back", "tab\there\nnewline\u{01}control", "東京物語", "emoji 🎬", ""]

    /// An item as a client reads one, decoded (every nullable field present, `null` or not).
    static func item(_ index: Int, team: String? = nil) -> RecommendationResponse.Item {
        let text = awkward[index % awkward.count]
        let scores = [0.1234, 5.0, 0.00001, 123_456.789, -0.5, 1e-7, 0.1 + 0.2]
        var fields: [String: Any] = [
            "movie_id": index % 5 == 4 ? NSNull() : 27205 + index, "title": "Movie \(text)", "score": scores[index % scores.count],
            "reason": "Because \(text)", "poster_path": index % 3 == 0 ? NSNull() : "/p\(index).jpg",
            "poster_url": index % 3 == 0 ? NSNull() : "https://image.tmdb.org/t/p/w500/p\(index).jpg",
            "release_date": index % 4 == 0 ? NSNull() : "2010-07-1\(index % 10)", "vote_average": [nil, 7.5, 8.0, 6.25][index % 4] ?? NSNull(),
        ]
        if let team { fields["team"] = team }
        return try! JSONCoding.decoder.decode(RecommendationResponse.Item.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    static var answers: [RecommendationResponse] {
        let now = Date(timeIntervalSince1970: 1_796_000_123.75)
        return [
            RecommendationResponse(
                type: "personalized", strategy: "personalized", strategyInstance: "personalized", movieID: nil, userID: "user-1", genre: nil,
                timeWindow: nil, recommendations: (0..<10).map { item($0) }, totalCount: 10, generatedAt: now, requestID: "",
                experiment: "tuning", variant: "plain"),
            RecommendationResponse(
                type: "similar", strategy: "content", strategyInstance: "content", movieID: 27205, userID: nil, genre: nil, timeWindow: nil,
                recommendations: (0..<3).map { item($0 + 3) }, totalCount: 3, generatedAt: now, requestID: "rec_1"),
            RecommendationResponse(
                type: "genre", strategy: "genre", strategyInstance: "genre", movieID: nil, userID: nil, genre: Genre(id: 878, name: "Science Fiction"),
                timeWindow: nil, recommendations: [], totalCount: 0, generatedAt: Date(timeIntervalSince1970: 0), requestID: ""),
            RecommendationResponse(
                type: "trending", strategy: "tmdb", strategyInstance: "tmdb-trending", movieID: nil, userID: nil, genre: nil, timeWindow: "week",
                source: "tmdb", recommendations: (0..<5).map { item($0 + 1) }, totalCount: 5, generatedAt: now, requestID: ""),
            RecommendationResponse(
                type: "personalized", strategy: "interleaving", strategyInstance: "mix", movieID: nil, userID: "u\"quote", genre: nil, timeWindow: nil,
                recommendations: (0..<6).map { item($0, team: $0 % 2 == 0 ? "tuned" : "plain") }, totalCount: 6, generatedAt: now, requestID: "",
                experiment: "mix", variant: "interleaved"),
        ]
    }

    @Test func theWriterWritesWhatTheEncoderWritesByteForByte() throws {
        for answer in Self.answers {
            let written = String(decoding: AnswerJSON.encode(answer), as: UTF8.self)
            let encoded = String(decoding: try JSONCoding.encoder.encode(answer), as: UTF8.self)
            #expect(written == encoded)
        }
    }
}
