import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabServer
import RecLabServing
import TestSupport
import Testing

/// HTTP as RFC 9110 and 9112 have it, where a client or a monitor depends on it: HEAD, Host,
/// framing, media types, paths.
@Suite struct HTTPConformanceTests {
    @Test func headIsServedWhereverGetIsWithGetsHeadersAndNoBody() async throws {
        try await withLiveServer { client in
            for uri in ["/health", "/movies/27205", "/recommendations/popular?limit=5", "/openapi.json"] {
                let get = try await client.execute(uri: uri, method: .get)
                let head = try await client.execute(uri: uri, method: .head)
                #expect(head.status == .ok, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.contentLength].flatMap { Int($0) } ?? -1 > 0, "\(uri): the length GET's body would have")
            }
            #expect(try await client.execute(uri: "/movies/999999999", method: .head).status == .notFound)
            let wrong = try await client.execute(uri: "/movies/27205", method: .delete)
            #expect(wrong.headers[.allow] == "GET, HEAD")
        }
    }

    @Test func aChunkedBodyOverTheLimitGets413AndNothingOfItIsStored() async throws {
        let user = "chunked-\(UUID().uuidString.prefix(8))"
        try await withLiveServer(environment: ["MAX_REQUEST_BODY_BYTES": "2048"]) { client in
            let connection = try RawConnection(port: try #require(client.port))
            let event = #"{"event_id": "c", "type": "click", "user_id": "\#(user)", "movie_id": 862, "timestamp": 1767607200}"#
            let body = #"{"events": [\#(Array(repeating: event, count: 40).joined(separator: ","))]}"#
            var chunks = ""
            let bytes = Array(body.utf8)
            for start in stride(from: 0, to: bytes.count, by: 500) {
                let part = bytes[start..<min(start + 500, bytes.count)]
                chunks += String(part.count, radix: 16) + "\r\n" + String(decoding: part, as: UTF8.self) + "\r\n"
            }
            connection.send("POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\(chunks)0\r\n\r\n")
            let (answer, closed) = await connection.readUntilClosed(timeout: .seconds(5))
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains(#""code":"body_too_large""#) && answer.contains("over the limit of 2048 bytes"))
            #expect(closed, "a chunked body may never end: its connection closes")
            // Had the refused body been stored, its event would now be a duplicate.
            let again = try await client.post("/events", json: #"{"events": [\#(event)]}"#)
            #expect(try again.json()["stored"] as? Int == 1)
        }
    }

    @Test(arguments: [
        ("Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "malformed_body", "chunk size"),
        ("Transfer-Encoding: gzip\r\n\r\nabc", "unsupported_transfer_encoding", "'gzip' is not accepted"),
    ])
    func badFramingGets400SayingWhatIsWrongAndTheConnectionCloses(framing: String, code: String, says: String) async throws {
        try await withLiveServer { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\(framing)")
            let (answer, closed) = await connection.readUntilClosed(timeout: .seconds(5))
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.contains(#""code":"\#(code)""#) && answer.contains(says), "\(answer)")
            #expect(closed)
        }
    }

    @Test func anHTTP11RequestWithoutExactlyOneHostGets400ButHTTP10MayLeaveItOut() async throws {
        try await withLiveServer { client in
            let port = try #require(client.port)
            for request in ["GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"] {
                let connection = try RawConnection(port: port)
                connection.send(request)
                let (answer, closed) = await connection.readUntilClosed(timeout: .seconds(5))
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
                #expect(answer.contains(#""code":"missing_host""#))
                #expect(closed)
            }
            let old = try RawConnection(port: port)
            old.send("GET /health HTTP/1.0\r\n\r\n")
            #expect(await old.readUntilClosed(timeout: .seconds(1)).text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aJSONRouteRefusesABodyThatIsNotJSONWith415AndStoresNothing() async throws {
        let user = "media-\(UUID().uuidString.prefix(8))"
        try await withLiveServer { client in
            // What a form on another site can send without a CORS preflight.
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let answer = try await client.execute(
                    uri: "/users/\(user)/preferences", method: .post, headers: [.contentType: type],
                    body: ByteBuffer(string: #"{"movie_id": 27205, "rating": 5.0}"#))
                #expect(answer.status == .unsupportedMediaType, "\(type)")
                #expect((try answer.json()["error"] as? [String: String])?["code"] == "unsupported_media_type")
            }
            let none = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: #"{"events": []}"#))
            #expect(none.status == .unsupportedMediaType)
            let preferences = try await client.execute(uri: "/users/\(user)/preferences", method: .get).json()
            #expect((preferences["preferences"] as? [Any])?.isEmpty == true)
            let json = try await client.execute(
                uri: "/users/\(user)/preferences", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"movie_id": 27205, "rating": 5.0}"#))
            #expect(json.status == .created)
        }
    }

    @Test func aPathWithAnEmptySegmentIs404() async throws {
        try await withLiveServer { client in
            for uri in ["/users//preferences", "/movies//27205", "//health"] {
                let answer = try await client.execute(uri: uri, method: .get)
                #expect(answer.status == .notFound, "\(uri)")
                #expect((try answer.json()["error"] as? [String: String])?["code"] == "not_found")
            }
        }
    }

    @Test func theCORSPreflightOffersExactlyTheMethodsTheAPIServes() async throws {
        let environment = ["CORS_ORIGINS": "https://app.example"]
        let configuration = try testConfiguration(environment)
        let served = Set(buildRouter(configuration: configuration, services: try await LiveServices.shared()).routes.map(\.method.rawValue))
        try await withLiveServer(environment: environment) { client in
            let preflight = try await client.execute(
                uri: "/recommendations/popular", method: .options, headers: [.origin: "https://app.example", .accessControlRequestMethod: "GET"])
            let offered = Set((preflight.headers[.accessControlAllowMethods] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(offered == served.union(["HEAD", "OPTIONS"]))
        }
    }
}
