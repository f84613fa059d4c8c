import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite struct EventAPITests {
    static func batch(_ prefix: String, count: Int = 3, type: String = "click", extra: String = "") -> String {
        let events = (0..<count).map { index in
            #"{"event_id": "\#(prefix)-\#(index)", "type": "\#(type)", "user_id": "u-\#(prefix)", "movie_id": 27205, "request_id": "rec_x", "timestamp": "2026-11-25T10:00:00Z"\#(extra)}"#
        }
        return #"{"events": [\#(events.joined(separator: ","))]}"#
    }

    @Test func aBatchIsStoredAndPostingItAgainStoresNothingTwice() async throws {
        let prefix = "batch-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            let first = try await client.post("/events", json: Self.batch(prefix))
            #expect(first.status == .ok)
            #expect(try first.json()["stored"] as? Int == 3)
            let again = try await client.post("/events", json: Self.batch(prefix))
            let receipt = try again.json()
            #expect(receipt["stored"] as? Int == 0)
            #expect(receipt["duplicates"] as? Int == 3)
        }
    }

    @Test func anEventIDNamesOneEventOfItsUserSoAnotherUsersEventWithTheSameIDIsStored() async throws {
        let id = "shared-\(UUID().uuidString.prefix(8))"
        @Sendable func event(_ user: String) -> String {
            #"{"events": [{"event_id": "\#(id)", "type": "click", "user_id": "\#(user)", "movie_id": 862, "timestamp": "2026-11-25T10:00:00Z"}]}"#
        }
        try await withRoutes { client in
            #expect(try await client.post("/events", json: event("\(id)-x")).json()["stored"] as? Int == 1)
            #expect(try await client.post("/events", json: event("\(id)-y")).json()["stored"] as? Int == 1, "another user's event")
            let again = try await client.post("/events", json: event("\(id)-x")).json()
            #expect(again["stored"] as? Int == 0 && again["duplicates"] as? Int == 1, "the same user's again")
        }
    }

    @Test func anEventTimeUpToADayAheadOfTheServersClockIsAccepted() async throws {
        let prefix = "skewed-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            let hourAhead = String(Int(Date().timeIntervalSince1970) + 3600)
            let body = Self.batch(prefix, count: 1).replacingOccurrences(of: #""2026-11-25T10:00:00Z""#, with: hourAhead)
            let receipt = try await client.post("/events", json: body).json()
            #expect(receipt["stored"] as? Int == 1, "a device's clock an hour fast")
        }
    }

    @Test func everyKindOfEventIsAccepted() async throws {
        let prefix = "kinds-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            for type in ["impression", "click", "watch", "add_to_watchlist"] {
                let stored = try await client.post("/events", json: Self.batch("\(prefix)-\(type)", count: 1, type: type)).json()
                #expect(stored["stored"] as? Int == 1)
            }
            let rating = try await client.post("/events", json: Self.batch("\(prefix)-rating", count: 1, type: "rating", extra: #", "rating": 4.5"#))
            #expect(try rating.json()["stored"] as? Int == 1)
        }
    }

    @Test(arguments: [
        (batch("bad-type", type: "like"), "events[0].type: unknown type 'like' (known: impression, click, watch, rating, add_to_watchlist); nothing was stored"),
        (batch("bad-rating", count: 1, type: "rating"), "events[0].rating: a rating event needs a rating of 0.5 to 5.0 in half steps; nothing was stored"),
        (batch("bad-movie").replacingOccurrences(of: "27205", with: "999999999"), "unknown movie_id 999999999; nothing was stored"),
        (#"{"events": []}"#, "a batch holds 1 to 1000 events, got 0"),
        (batch(String(repeating: "x", count: 130)), "events[0].event_id: must be 1–128 bytes; nothing was stored"),
        (batch("long-user").replacingOccurrences(of: "u-long-user", with: String(repeating: "é", count: 40)),
         "events[0].user_id: must be 1–64 ASCII letters, digits, '_', '-', '.' or '@'; nothing was stored"),
        (batch("long-request").replacingOccurrences(of: "rec_x", with: String(repeating: "r", count: 65)),
         "events[0].request_id: must be 1–64 bytes; nothing was stored"),
        // A sign lost would store the year 29720.
        (batch("negative-time", count: 1).replacingOccurrences(of: #""2026-11-25T10:00:00Z""#, with: "-1000000000000"),
         "events[0].timestamp: must be from 1995-01-01T00:00:00Z to a day past the server's clock, got -1000000000000; nothing was stored"),
        (batch("before-1995", count: 1).replacingOccurrences(of: "2026-11-25T10:00:00Z", with: "1994-12-31T23:59:59Z"),
         "events[0].timestamp: must be from 1995-01-01T00:00:00Z to a day past the server's clock, got '1994-12-31T23:59:59Z'; nothing was stored"),
        (batch("far-future", count: 1).replacingOccurrences(of: #""2026-11-25T10:00:00Z""#, with: String(Int(Date().timeIntervalSince1970) + 2 * 86_400)),
         "events[0].timestamp: must be from 1995-01-01T00:00:00Z to a day past the server's clock, got \(Int(Date().timeIntervalSince1970) + 2 * 86_400); nothing was stored"),
    ])
    func aBadBatchIsRefusedWholeWithTheEventNamed(body: String, message: String) async throws {
        try await withRoutes { client in
            let response = try await client.post("/events", json: body)
            #expect(response.status == .unprocessableContent)
            let error = try response.json()["error"] as? [String: Any]
            #expect(error?["message"] as? String == message)
        }
    }

    @Test func aClientPastItsEventQuotaGets429AndOthersGoOn() async throws {
        let prefix = "quota-\(UUID().uuidString.prefix(8))"
        try await withLiveServer(environment: ["EVENT_QUOTA_PER_MINUTE": "50", "TRUSTED_PROXIES": "127.0.0.1"]) { client in
            #expect(try await client.post("/events", json: Self.batch("\(prefix)-a", count: 30)).status == .ok)
            let over = try await client.post("/events", json: Self.batch("\(prefix)-b", count: 30))
            #expect(over.status == .tooManyRequests)
            #expect(over.headers[.retryAfter].flatMap(Int.init).map { (1...60).contains($0) } == true)
            #expect((try over.json()["error"] as? [String: String])?["code"] == "event_quota")
            // Nothing of the refused batch was stored, and another client has its own quota.
            let other = try await client.post("/events", json: Self.batch("\(prefix)-b", count: 30), headers: forwarded(for: "203.0.113.8"))
            #expect(try other.json()["stored"] as? Int == 30)
        }
    }

    @Test func aBatchWithOneBadEventStoresNoneOfIt() async throws {
        let prefix = "partial-\(UUID().uuidString.prefix(8))"
        try await withRoutes { client in
            let mixed = Self.batch(prefix, count: 2).replacingOccurrences(of: #""type": "click", "user_id": "u-\#(prefix)", "movie_id": 27205, "request_id": "rec_x", "timestamp": "2026-11-25T10:00:00Z"}]"#, with: #""type": "clack", "user_id": "u", "movie_id": 27205, "timestamp": 0}]"#)
            #expect(try await client.post("/events", json: mixed).status == .unprocessableContent)
            // The good event of that batch was not stored: posting it alone stores it now.
            let alone = try await client.post("/events", json: Self.batch(prefix, count: 1)).json()
            #expect(alone["stored"] as? Int == 1)
        }
    }

    @Test func recommendationAnswersCarryARequestIDForEvents() async throws {
        try await withRoutes { client in
            let body = try await client.execute(uri: "/recommendations/popular?limit=3", method: .get).json()
            #expect((body["request_id"] as? String)?.hasPrefix("rec_") == true)
        }
    }
}
