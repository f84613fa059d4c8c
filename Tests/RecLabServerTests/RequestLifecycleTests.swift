import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabServer
import RecLabServing
import TestSupport
import Testing

/// Deadlines, load shedding and connection hygiene, against the real server over raw TCP.
@Suite struct RequestLifecycleTests {
    /// A POST whose body never comes.
    static let stalledPost = "POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"

    /// A route beside the API's whose work takes 20 s, unless it is cancelled.
    static func slowRoute(_ router: Router<RecLabRequestContext>) {
        router.get("test/slow") { _, _ in
            try await Task.sleep(for: .seconds(20))
            return "slept"
        }
    }

    @Test func aRequestPastItsTimeoutIsAnswered504InJSON() async throws {
        try await withLiveServer(extendedBy: Self.slowRoute, environment: ["REQUEST_TIMEOUT": "1"]) { client in
            let answer = try await client.execute(uri: "/test/slow", method: .get)
            #expect(answer.status == .gatewayTimeout)
            #expect((try answer.json()["error"] as? [String: String])?["code"] == "request_timeout")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"reclab_requests_shed_total{reason="timeout"} "#))
        }
    }

    @Test func pastTheConcurrencyLimitAndItsShortQueueRequestsAreShed503AndReadinessSaysOverloadedWhileProbesAnswer() async throws {
        try await withLiveServer(extendedBy: Self.slowRoute, environment: ["MAX_CONCURRENT_REQUESTS": "1", "REQUEST_TIMEOUT": "6"]) { client in
            #expect(try await client.execute(uri: "/health/ready", method: .get).status == .ok)
            let port = try #require(client.port)
            let holder = try RawConnection(port: port)
            holder.send("GET /test/slow HTTP/1.1\r\nHost: test\r\n\r\n")
            try await Task.sleep(for: .milliseconds(300))
            // The one queue place: this one waits its second, then is shed.
            let queued = try RawConnection(port: port)
            queued.send("GET /movies/27205 HTTP/1.1\r\nHost: test\r\n\r\n")
            try await Task.sleep(for: .milliseconds(200))
            let shed = try await client.execute(uri: "/movies/27205", method: .get)
            #expect(shed.status == .serviceUnavailable)
            #expect(shed.headers[.retryAfter] == "1")
            #expect((try shed.json()["error"] as? [String: String])?["code"] == "overloaded")
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok, "probes skip the queue")
            // A load balancer asking whether to send more is told no.
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(try ready.json()["status"] as? String == "overloaded")
            #expect(((try ready.json()["checks"] as? [String: Any])?["load"] as? [String: Any])?["status"] as? String == "overloaded")
            #expect(await queued.readUntilClosed(timeout: .seconds(2)).text.hasPrefix("HTTP/1.1 503"))
            // Once the held slot is free again (the slow request cut at its deadline), requests go through.
            #expect(await holder.readUntilClosed(timeout: .seconds(10)).text.hasPrefix("HTTP/1.1 504"))
            #expect(try await client.execute(uri: "/movies/27205", method: .get).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"reclab_requests_shed_total{reason="overloaded"} "#))
        }
    }

    @Test func bodiesStillArrivingHoldNoSlotSoOtherRequestsAreServed() async throws {
        try await withLiveServer(environment: ["MAX_CONCURRENT_REQUESTS": "2", "REQUEST_BODY_GRACE_PERIOD": "60"]) { client in
            let port = try #require(client.port)
            // Ten POSTs from another address whose bodies never come: more than the slots and their queue.
            let stalled = try (0..<10).map { _ in try RawConnection(port: port, from: "127.0.0.2") }
            for connection in stalled { connection.send(Self.stalledPost) }
            try await Task.sleep(for: .milliseconds(1_500))  // past the queue's one-second wait
            for _ in 0..<5 { #expect(try await client.execute(uri: "/movies/27205", method: .get).status == .ok) }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // At least: servers of other tests share the process's gauges.
            #expect(BoundedMemoryTests.sample(#"reclab_requests_in_stage{stage="receiving_body"}"#, in: metrics) ?? 0 >= 10)
            withExtendedLifetime(stalled) {}
        }
    }

    @Test func aBodyBelowTheMinimumRateIsAnswered408AndItsConnectionClosed() async throws {
        try await withLiveServer(environment: ["REQUEST_BODY_GRACE_PERIOD": "1"]) { client in
            let started = ContinuousClock.now
            let connection = try RawConnection(port: try #require(client.port))
            connection.send(Self.stalledPost)
            let (answer, closed) = await connection.readUntilClosed(timeout: .seconds(20))
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains(#""code":"body_too_slow""#))
            #expect(closed)
            #expect(ContinuousClock.now - started >= .seconds(1), "not before the grace period")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"reclab_requests_shed_total{reason="slow_body"} "#))
            // A body that keeps up is read whole, however long it takes past the grace period.
            let steady = try RawConnection(port: try #require(client.port))
            let body = #"{"events": [{"event_id": "steady", "type": "click", "user_id": "steady-user", "movie_id": 862, "timestamp": 1767607200}]}"#
            steady.send("POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            let bytes = Array(body.utf8)
            for start in stride(from: 0, to: bytes.count, by: 40) {
                steady.send(String(decoding: bytes[start..<min(start + 40, bytes.count)], as: UTF8.self))
                try await Task.sleep(for: .milliseconds(100))
            }
            let (accepted, _) = await steady.readUntilClosed(timeout: .seconds(2))
            #expect(accepted.hasPrefix("HTTP/1.1 200"), "\(accepted)")
        }
    }

    @Test func anAddressPastItsConnectionLimitHasItsNewConnectionsClosedAtOnce() async throws {
        try await withLiveServer(environment: ["MAX_CLIENT_CONNECTIONS": "4"]) { client in
            let port = try #require(client.port)
            let connections = try (0..<6).map { _ in try RawConnection(port: port, from: "127.0.0.2") }
            var closed = 0
            for connection in connections where await connection.readUntilClosed(timeout: .milliseconds(500)).closed { closed += 1 }
            #expect(closed == 2, "the two past the limit of four")
            // The first four still work, and so does every other address.
            connections[0].send("GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(await connections[0].readUntilClosed(timeout: .milliseconds(500)).text.hasPrefix("HTTP/1.1 200"))
            #expect(try await client.execute(uri: "/movies/27205", method: .get).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"reclab_connections_refused_total{reason="client_connections"} "#))
        }
    }

    @Test func aClientPastItsRequestsInFlightGets429WhileOthersAreServed() async throws {
        try await withLiveServer(environment: ["MAX_CLIENT_REQUESTS": "3", "REQUEST_BODY_GRACE_PERIOD": "60"]) { client in
            let port = try #require(client.port)
            let stalled = try (0..<3).map { _ in try RawConnection(port: port, from: "127.0.0.2") }
            for connection in stalled { connection.send(Self.stalledPost) }
            try await Task.sleep(for: .milliseconds(300))
            let fourth = try RawConnection(port: port, from: "127.0.0.2")
            fourth.send("GET /movies/27205 HTTP/1.1\r\nHost: test\r\n\r\n")
            let (answer, _) = await fourth.readUntilClosed(timeout: .seconds(1))
            #expect(answer.hasPrefix("HTTP/1.1 429"), "\(answer)")
            #expect(answer.contains(#""code":"too_many_requests_in_flight""#) && answer.contains("Retry-After: 1"))
            #expect(try await client.execute(uri: "/movies/27205", method: .get).status == .ok, "another address")
            // Probes are not counted against a client.
            let probe = try RawConnection(port: port, from: "127.0.0.2")
            probe.send("GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(await probe.readUntilClosed(timeout: .seconds(1)).text.hasPrefix("HTTP/1.1 200"))
            withExtendedLifetime(stalled) {}
        }
    }

    @Test func aRequestCutByShutdownIsAnswered503AndNotLoggedAsAServerError() async throws {
        let folder = try makeTemporaryDirectory("reclab-shutdown-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServerProcess(
            database: try await TemplateDatabase.copy(into: folder),
            environment: ["SHUTDOWN_TIMEOUT": "1", "REQUEST_BODY_GRACE_PERIOD": "60", "LOG_LEVEL": "info"], folder: folder)
        try await server.waitUntilReady()
        let connection = try RawConnection(port: server.port)
        connection.send(Self.stalledPost)
        try await Task.sleep(for: .milliseconds(300))
        server.signal(SIGTERM)
        let (answer, _) = await connection.readUntilClosed(timeout: .seconds(15))
        #expect(await server.exit(within: .seconds(30)) == 0)
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 503"), "\(answer)")
        let lines = server.printed.split(separator: "\n").filter { $0.contains("/events") }
        #expect(lines.contains { $0.contains("status=503") }, "\(lines)")
        #expect(!server.printed.contains("status=500") && !server.printed.contains("request failed"), "\(server.printed.suffix(2000))")
    }

    @Test func aSilentConnectionOrAStalledHeaderIsClosedAfterTheIdleTimeout() async throws {
        try await withLiveServer(environment: ["IDLE_TIMEOUT": "1"]) { client in
            let silent = try RawConnection(port: try #require(client.port))
            let halfHeader = try RawConnection(port: try #require(client.port))
            halfHeader.send("GET /health HTTP/1.1\r\nHo")
            // Closed after IDLE_TIMEOUT (1 s), before the default 30 s; the rest of the wait is
            // room for a loaded machine (a fresh clone's CI run needed more than 4 s, and a
            // full local run beside a dozen live servers fitting their models more than 15 s).
            #expect(await silent.readUntilClosed(timeout: .seconds(25)).closed)
            #expect(await halfHeader.readUntilClosed(timeout: .seconds(25)).closed)
        }
    }

    @Test func bytesThatAreNotHTTPGetAJSON400AndTheConnectionCloses() async throws {
        try await withLiveServer { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("HELLO THERE\r\n\r\n")
            let (answer, closed) = await connection.readUntilClosed(timeout: .seconds(4))
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.lowercased().contains("content-type: application/json"))
            #expect(answer.hasSuffix(#"{"error":{"code":"malformed_request","message":"the request is not valid HTTP/1.1"}}"#))
            #expect(closed)
        }
    }
}
