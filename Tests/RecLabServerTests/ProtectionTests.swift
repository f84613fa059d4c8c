import Foundation
import HTTPTypes
import HummingbirdTesting
import RecLabCore
import RecLabServer
import TestSupport
import Testing

@Suite struct ProtectionTests {
    static let rateLimit = HTTPField.Name("RateLimit")!
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!

    @Test func searchPastItsQuotaIsRefusedWith429AndRetryAfterWhileOtherClientsAndRoutesGoOn() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_SEARCH": "3", "RATE_LIMIT_WINDOW": "60"]) { client in
            for remaining in [2, 1, 0] {
                let response = try await client.execute(uri: "/movies/search?query=love", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[Self.rateLimitPolicy] == "\"search\";q=3;w=60")
                #expect(response.headers[Self.rateLimit]?.hasPrefix("\"search\";r=\(remaining);t=") == true)
            }
            let refused = try await client.execute(uri: "/movies/search?query=love", method: .get)
            #expect(refused.status == .tooManyRequests)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...20).contains(retryAfter))  // one request's share of the window: 60 s / 3
            let error = try #require(try refused.json()["error"] as? [String: String])
            #expect(error["code"] == "rate_limited")
            #expect(error["message"]?.contains("3 per 60 s on search routes") == true)

            // Another client (known by its API key) has its own quota; other routes have none.
            let keyed = try await client.execute(uri: "/movies/search?query=love", method: .get, headers: [HTTPField.Name("X-API-Key")!: "another-client"])
            #expect(keyed.status == .ok)
            let details = try await client.execute(uri: "/movies/27205", method: .get)
            #expect(details.status == .ok)
            #expect(details.headers[Self.rateLimit] == nil)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"reclab_rate_limited_requests_total{policy="search"} 1"#))
        }
    }

    @Test func aGlobalLimitCountsEveryRouteAndTheTighterPolicyIsReported() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_REQUESTS": "4", "RATE_LIMIT_RECOMMENDATIONS": "10", "RATE_LIMIT_WINDOW": "3600"]) { client in
            let first = try await client.execute(uri: "/recommendations/popular", method: .get)
            #expect(first.headers[Self.rateLimit]?.hasPrefix("\"default\";r=3;") == true)
            for _ in 0..<3 { _ = try await client.execute(uri: "/genres", method: .get) }
            let refused = try await client.execute(uri: "/recommendations/popular", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[Self.rateLimitPolicy] == "\"default\";q=4;w=3600")
        }
    }

    @Test func onlyConfiguredOriginsGetCrossOriginAccessPreflightIncluded() async throws {
        try await withLiveServer(environment: ["CORS_ORIGINS": "http://localhost:3000, https://app.example"]) { client in
            let preflight = try await client.execute(
                uri: "/recommendations/popular", method: .options,
                headers: [.origin: "http://localhost:3000", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("GET") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("X-API-Key") == true)

            let allowed = try await client.execute(uri: "/recommendations/popular", method: .get, headers: [.origin: "https://app.example"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example")
            // A page can read why it was refused, too.
            let missing = try await client.execute(uri: "/movies/999999999", method: .get, headers: [.origin: "https://app.example"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[.accessControlAllowOrigin] == "https://app.example")

            let other = try await client.execute(uri: "/recommendations/popular", method: .get, headers: [.origin: "http://evil.example"])
            #expect(other.status == .ok)
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await client.execute(
                uri: "/recommendations/popular", method: .options, headers: [.origin: "http://evil.example", .accessControlRequestMethod: "GET"])
            #expect(otherPreflight.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func aBodyOverTheLimitIsRefusedWith413AndNothingIsStored() async throws {
        try await withLiveServer(environment: ["MAX_REQUEST_BODY_BYTES": "2048"]) { client in
            let padding = String(repeating: "x", count: 4000)
            let body = #"{"events":[{"event_id":"too-big-\#(padding)","type":"click","user_id":"u","movie_id":27205}]}"#
            let refused = try await client.post("/events", json: body)
            #expect(refused.status == .contentTooLarge)
            #expect((try refused.json()["error"] as? [String: String])?["code"] == "body_too_large")
            let small = try await client.post("/users/limit-test/preferences", json: #"{"movie_id": 27205, "rating": 4.5}"#)
            #expect(small.status == .ok || small.status == .created)
        }
    }
}

@Suite struct AdminKeyTests {
    static let header = HTTPField.Name("X-API-Key")!

    @Test func tenWrongAdminKeysInAMinuteLockTheClientOutEvenWithTheRightKey() async throws {
        try await withLiveServer { client in
            #expect(try await client.execute(uri: "/admin/refit", method: .post).status == .unauthorized, "no key is not an attempt")
            for attempt in 1...10 {
                let wrong = try await client.execute(uri: "/admin/refit", method: .post, headers: [Self.header: "guess-\(attempt)"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await client.execute(uri: "/admin/refit", method: .post, headers: [Self.header: "guess-11"])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter].flatMap { Int($0) }.map { (1...60).contains($0) } == true)
            #expect((try locked.json()["error"] as? [String: String])?["code"] == "too_many_failed_attempts")
            // While locked out not even the right key is tried, here or on force_variant.
            let right = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=x", method: .get, headers: [Self.header: "test-admin-key"])
            #expect(right.status == .tooManyRequests)
        }
    }
}

@Suite struct MethodTests {
    @Test func aWrongMethodOnAServedPathGets405WithAllow() async throws {
        try await withLiveServer { client in
            let deleted = try await client.execute(uri: "/movies/27205", method: .delete)
            #expect(deleted.status == .methodNotAllowed)
            #expect(deleted.headers[.allow] == "GET")
            #expect((try deleted.json()["error"] as? [String: String])?["code"] == "method_not_allowed")
            let posted = try await client.execute(uri: "/recommendations/popular", method: .post)
            #expect(posted.status == .methodNotAllowed)
            let events = try await client.execute(uri: "/events", method: .get)
            #expect(events.headers[.allow] == "POST")
            #expect(try await client.execute(uri: "/movies/27205", method: .head).status == .methodNotAllowed)
            // Every answer, errors included, carries the hardening headers.
            for response in [deleted, posted, try await client.execute(uri: "/movies/27205", method: .get)] {
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
            // A path nobody serves is still a 404.
            let nowhere = try await client.execute(uri: "/nowhere", method: .delete)
            #expect(nowhere.status == .notFound)
            #expect((try nowhere.json()["error"] as? [String: String])?["code"] == "not_found")
            #expect(nowhere.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }
}

@Suite struct AuthenticationTests {
    @Test func theKeysFileHoldsHashesAndNamesKeysOnce() throws {
        let folder = try makeTemporaryDirectory("reclab-keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appending(path: "keys").path
        var file = try APIKeyFile(path: path)
        let key = try file.add(name: "mobile-app")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(key))
        #expect(text.contains(APIKeyFile.hash(key)))
        #expect(try APIKeyFile(path: path).entries.map(\.name) == ["mobile-app"])
        #expect(throws: ConfigurationError.self) { _ = try file.add(name: "mobile-app") }
        #expect(throws: ConfigurationError.self) { _ = try file.add(name: "no spaces") }
        #expect(try file.revoke(name: "mobile-app"))
        #expect(try !file.revoke(name: "mobile-app"))
        #expect(try APIKeyFile(path: path).entries.isEmpty)
        try "someone not-a-hash 2026\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError("\(path):1: expected 'name sha256 created-at', got 'someone not-a-hash 2026'")) {
            _ = try APIKeyFile(path: path)
        }
    }

    @Test func withAuthenticationOnlyKnownKeysGetInAndProbesStayOpen() async throws {
        let folder = try makeTemporaryDirectory("reclab-keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        var keys = try APIKeyFile(path: folder.appending(path: "keys").path)
        let key = try keys.add(name: "web")
        let header = HTTPField.Name("X-API-Key")!
        try await withLiveServer(environment: ["ENABLE_AUTHENTICATION": "true", "ADMIN_API_KEY": "test-admin-key"], apiKeys: keys) { client in
            let anonymous = try await client.execute(uri: "/movies/search?query=love", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect((try anonymous.json()["error"] as? [String: String])?["code"] == "unauthorized")
            #expect(try await client.execute(uri: "/movies/search?query=love", method: .get, headers: [header: "rlk_wrong"]).status == .unauthorized)
            #expect(try await client.execute(uri: "/movies/search?query=love", method: .get, headers: [header: key]).status == .ok)
            #expect(try await client.execute(uri: "/movies/27205", method: .get, headers: [header: "test-admin-key"]).status == .ok)
            for open in ["/health", "/health/ready", "/metrics"] {
                #expect(try await client.execute(uri: open, method: .get).status == .ok, "\(open)")
            }
        }
    }
}
