import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabServer
import RecLabSQLite
import TestSupport
import Testing

/// Runs the real application on 127.0.0.1 (a free port) over the shared real catalogue and
/// hands the test an HTTP client connected to it.
func withLiveServer(
    environment: [String: String] = [:],
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let configuration = try ServerConfiguration { (["HOST": "127.0.0.1", "PORT": "0"].merging(environment) { $1 })[$0] }
    let app = buildApplication(configuration: configuration, store: try await RealCatalogue.store(), logger: Logger(label: "test"))
    try await app.test(.live) { client in try await test(client) }
}

extension TestResponse {
    /// The body decoded as JSON.
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}
