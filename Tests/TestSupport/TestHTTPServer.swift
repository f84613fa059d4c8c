import Foundation
import Glibc
import Synchronization

/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) for tests: it answers each GET from a table of
/// canned responses, one connection at a time, closes every connection, and counts the requests.
public final class TestHTTPServer: Sendable {
    /// What the server sends for one path.
    public struct Response: Sendable {
        public var status = 200
        public var body: Data
        /// The Content-Length to announce; more than `body.count` makes a truncated download.
        public var contentLength: Int?

        public init(status: Int = 200, body: Data, contentLength: Int? = nil) {
            self.status = status
            self.body = body
            self.contentLength = contentLength
        }
    }

    public let port: UInt16
    private let listener: Int32
    private let routes: [String: Response]
    private let requestedPaths = Mutex<[String]>([])

    /// The paths requested so far, in order.
    public var requests: [String] { requestedPaths.withLock { $0 } }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    /// Runs `body` with a server answering `routes`, stopping the server afterwards.
    public static func with<T>(
        routes: [String: Response], _ body: (TestHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try TestHTTPServer(routes: routes)
        defer { server.stop() }
        return try await body(server)
    }

    private init(routes: [String: Response]) throws {
        self.routes = routes
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else {
            let failure = POSIXError(.init(rawValue: errno) ?? .EIO)
            close(listener)
            throw failure
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stops listening: accept(2) fails from then on, and the loop closes the socket as it ends, so that
    /// its descriptor cannot be reused by another test's socket while the loop may still accept on it.
    private func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        var request = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.range(of: Data("\r\n\r\n".utf8)) == nil, request.count < 65536 {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0 ..< count])
        }
        let requestLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : ""
        requestedPaths.withLock { $0.append(path) }

        let response = routes[path] ?? Response(status: 404, body: Data("not found\n".utf8))
        let reason = response.status == 200 ? "OK" : response.status == 404 ? "Not Found" : "Error"
        let head = "HTTP/1.1 \(response.status) \(reason)\r\n"
            + "Content-Type: application/zip\r\n"
            + "Content-Length: \(response.contentLength ?? response.body.count)\r\n"
            + "Connection: close\r\n\r\n"
        _ = sendAll(Data(head.utf8), on: connection) && sendAll(response.body, on: connection)
        shutdown(connection, Int32(SHUT_WR))
    }

    /// Writes all of `data`; false if the client went away (no SIGPIPE thanks to MSG_NOSIGNAL).
    private func sendAll(_ data: Data, on connection: Int32) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = send(connection, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }
}
