import Foundation
import RecLabCore
import Testing

@Suite struct SnakeCaseKeysTests {
    @Test(arguments: [
        ("movieID", "movie_id"), ("requestIDs", "request_ids"), ("latencyMS", "latency_ms"), ("posterURL", "poster_url"),
        ("totalCount", "total_count"), ("tmdbID", "tmdb_id"), ("HTTPServer", "http_server"), ("hitRate@10", "hit_rate@10"),
        ("ndcg@10", "ndcg@10"), ("p99", "p99"), ("favourB", "favour_b"), ("shareFavouringA", "share_favouring_a"),
    ])
    func aNameAndItsFieldTurnIntoEachOther(name: String, field: String) {
        #expect(SnakeCaseKeys.snakeCase(name) == field)
        if name != "HTTPServer" { #expect(SnakeCaseKeys.camelCase(field) == name) }
    }

    @Test func dictionaryKeysAreDataAndKeepTheirSpelling() throws {
        struct Report: Codable, Equatable {
            var requestIDs: [String]
            var strategies: [String: Int]
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = SnakeCaseKeys.encoding
        encoder.outputFormatting = .sortedKeys
        let report = Report(requestIDs: ["r"], strategies: ["MostPopular": 1, "ease_recent": 2])
        let json = try encoder.encode(report)
        #expect(String(decoding: json, as: UTF8.self) == #"{"request_ids":["r"],"strategies":{"MostPopular":1,"ease_recent":2}}"#)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = SnakeCaseKeys.decoding
        #expect(try decoder.decode(Report.self, from: json) == report)
    }
}
