import Foundation
import HTTPTypes
import HummingbirdTesting
import RecLabCore
import RecLabServer
import RecLabServing
import TestSupport
import Testing

@Suite struct ProtectionTests {
    static let rateLimit = HTTPField.Name("RateLimit")!
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!

    @Test func searchPastItsQuotaIsRefusedWith429AndRetryAfterWhileOtherClientsAndRoutesGoOn() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_SEARCH": "3", "RATE_LIMIT_WINDOW": "60", "TRUSTED_PROXIES": "127.0.0.1"]) { client in
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

            // Another client (another address) has its own quota; other routes have none.
            let other = try await client.execute(uri: "/movies/search?query=love", method: .get, headers: forwarded(for: "203.0.113.7"))
            #expect(other.status == .ok)
            let details = try await client.execute(uri: "/movies/27205", method: .get)
            #expect(details.status == .ok)
            #expect(details.headers[Self.rateLimit] == nil)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // At least: servers of other tests share the process's counters.
            #expect(BoundedMemoryTests.sample(#"reclab_rate_limited_requests_total{policy="search"}"#, in: metrics) ?? 0 >= 1)
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

    @Test func tenWrongAdminKeysLockTheClientOutEvenWithTheRightKey() async throws {
        try await withLiveServer { client in
            #expect(try await client.execute(uri: "/admin/refit", method: .post).status == .unauthorized, "no key is not an attempt")
            for attempt in 1...10 {
                let wrong = try await client.execute(uri: "/admin/refit", method: .post, headers: [Self.header: "guess-\(attempt)"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await client.execute(uri: "/admin/refit", method: .post, headers: [Self.header: "guess-11"])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter].flatMap { Int($0) }.map { (290...300).contains($0) } == true, "AUTH_LOCKOUT_SECONDS")
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
            #expect(deleted.headers[.allow] == "GET, HEAD")
            #expect((try deleted.json()["error"] as? [String: String])?["code"] == "method_not_allowed")
            let posted = try await client.execute(uri: "/recommendations/popular", method: .post)
            #expect(posted.status == .methodNotAllowed)
            let events = try await client.execute(uri: "/events", method: .get)
            #expect(events.headers[.allow] == "POST")
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

/// What a determined client cannot walk around: identities it mints, keys it guesses, keys
/// revoked under it, quotas it spends twice.
@Suite struct ClientIdentityTests {
    static let header = HTTPField.Name("X-API-Key")!

    @Test func unverifiedKeysShareTheirAddressesQuota() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_REQUESTS": "5", "RATE_LIMIT_WINDOW": "3600"]) { client in
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<10 {
                statuses.append(try await client.execute(uri: "/genres", method: .get, headers: [Self.header: "minted-\(attempt)-\(UUID())"]).status)
            }
            #expect(statuses == Array(repeating: .ok, count: 5) + Array(repeating: .tooManyRequests, count: 5))
        }
    }

    @Test func verifiedKeysEachHaveTheirOwnQuota() async throws {
        let folder = try makeTemporaryDirectory("reclab-keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        var keys = try APIKeyFile(path: folder.appending(path: "keys").path)
        let (web, mobile) = (try keys.add(name: "web"), try keys.add(name: "mobile"))
        try await withLiveServer(environment: ["ENABLE_AUTHENTICATION": "true", "RATE_LIMIT_REQUESTS": "3", "RATE_LIMIT_WINDOW": "3600"], apiKeys: keys) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.execute(uri: "/genres", method: .get, headers: [Self.header: web]).status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            let other = try await client.execute(uri: "/genres", method: .get, headers: [Self.header: mobile])
            #expect(other.status == .ok, "another verified client")
        }
    }

    @Test func wrongKeysWithAuthenticationOnGet401WithAChallengeThenLockTheClientOut() async throws {
        let folder = try makeTemporaryDirectory("reclab-keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        var keys = try APIKeyFile(path: folder.appending(path: "keys").path)
        let key = try keys.add(name: "web")
        try await withLiveServer(
            environment: ["ENABLE_AUTHENTICATION": "true", "ADMIN_API_KEY": "test-admin-key", "TRUSTED_PROXIES": "127.0.0.1"], apiKeys: keys
        ) { client in
            let guesser = forwarded(for: "203.0.113.20")
            for attempt in 1...10 {
                let wrong = try await client.execute(uri: "/admin/refit", method: .post, headers: guesser.merging([Self.header: "guess-\(attempt)"]))
                #expect(wrong.status == .unauthorized)
                #expect(wrong.headers[.wwwAuthenticate] == #"APIKey realm="RecLab", header="X-API-Key""#)
            }
            let locked = try await client.execute(uri: "/admin/refit", method: .post, headers: guesser.merging([Self.header: "guess-11"]))
            #expect(locked.status == .tooManyRequests)
            #expect((try locked.json()["error"] as? [String: String])?["code"] == "too_many_failed_attempts")
            #expect(locked.headers[.retryAfter].flatMap { Int($0) }.map { (290...300).contains($0) } == true)
            // Locked out, the guesser's right keys are refused too; other clients are not.
            for right in [key, "test-admin-key"] {
                #expect(try await client.execute(uri: "/genres", method: .get, headers: guesser.merging([Self.header: right])).status == .tooManyRequests)
            }
            #expect(try await client.execute(uri: "/genres", method: .get, headers: forwarded(for: "203.0.113.21").merging([Self.header: key])).status == .ok)
            #expect(try await client.execute(uri: "/genres", method: .get).headers[.wwwAuthenticate] != nil, "no key: a challenge too")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // At least: servers of other tests share the process's counters.
            #expect(BoundedMemoryTests.sample(#"reclab_authentication_failures_total{scope="api",outcome="refused"}"#, in: metrics) ?? 0 >= 10)
            #expect(BoundedMemoryTests.sample(#"reclab_authentication_failures_total{scope="api",outcome="locked_out"}"#, in: metrics) ?? 0 >= 3)
        }
    }

    @Test func aRevokedKeyStopsWorkingWithoutARestart() async throws {
        let folder = try makeTemporaryDirectory("reclab-keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        var keys = try APIKeyFile(path: folder.appending(path: "keys").path)
        let (web, mobile) = (try keys.add(name: "web"), try keys.add(name: "mobile"))
        let path = keys.path
        try await withLiveServer(environment: ["ENABLE_AUTHENTICATION": "true", "ADMIN_API_KEY": "test-admin-key"], apiKeys: keys) { client in
            #expect(try await client.execute(uri: "/genres", method: .get, headers: [Self.header: web]).status == .ok)
            // `reclab keys revoke web`, as another process would: the server reads the file again.
            var file = try APIKeyFile(path: path)
            #expect(try file.revoke(name: "web"))
            var status = HTTPResponse.Status.ok
            let deadline = ContinuousClock.now + .seconds(10)
            while status == .ok, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                status = try await client.execute(uri: "/genres", method: .get, headers: [Self.header: web]).status
            }
            #expect(status == .unauthorized)
            #expect(try await client.execute(uri: "/genres", method: .get, headers: [Self.header: mobile]).status == .ok)
            // The admin can ask for the reading at once; it says how many keys there are.
            #expect(try file.revoke(name: "mobile"))
            let reloaded = try await client.execute(uri: "/admin/keys/reload", method: .post, headers: [Self.header: "test-admin-key"])
            #expect(reloaded.status == .ok)
            #expect(try reloaded.json()["keys"] as? Int == 0)
            #expect(try await client.execute(uri: "/genres", method: .get, headers: [Self.header: mobile]).status == .unauthorized)
        }
        try await withLiveServer { client in
            let off = try await client.execute(uri: "/admin/keys/reload", method: .post, headers: [Self.header: "test-admin-key"])
            #expect(off.status == .conflict, "no keys in use with authentication off")
        }
    }

    @Test func aRequestRefusedByOnePolicySpendsNothingOfTheOthers() async throws {
        try await withLiveServer(environment: ["RATE_LIMIT_SEARCH": "1", "RATE_LIMIT_REQUESTS": "4", "RATE_LIMIT_WINDOW": "3600"]) { client in
            var searches: [HTTPResponse.Status] = []
            for _ in 0..<6 { searches.append(try await client.execute(uri: "/movies/search?query=love", method: .get).status) }
            #expect(searches == [.ok] + Array(repeating: .tooManyRequests, count: 5))
            // One search spent one of the four: three requests are left.
            var others: [HTTPResponse.Status] = []
            for _ in 0..<4 { others.append(try await client.execute(uri: "/genres", method: .get).status) }
            #expect(others == [.ok, .ok, .ok, .tooManyRequests])
        }
    }
}

extension HTTPFields {
    /// These fields with `other`'s added.
    func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        fields.append(contentsOf: other)
        return fields
    }
}
