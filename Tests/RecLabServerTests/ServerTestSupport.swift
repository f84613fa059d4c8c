import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabCore
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStrategies
import TestSupport
import Testing

/// The repository's own `experiments/strategies.yaml`, found from this file.
func repositoryFile(_ relative: String, filePath: String = #filePath) -> String {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: relative).path
}

/// Writes a one-strategy evaluation config on the real ratings into `folder`: most-popular,
/// whose ndcg@10 is REFERENCE.md's 0.0743.
func mostPopularEvaluationConfig(named name: String, in folder: URL) throws -> URL {
    let datasets = try SharedFolder.datasets()
    let config = folder.appending(path: "\(name).yaml")
    try """
        name: \(name)
        datasets: \(datasets.path)
        ratings: \(datasets.appending(path: "ml-latest-small/ratings.csv").path)
        strategies:
          - { name: most-popular, strategy: popularity, parameters: { ranking: popular } }
        """.write(to: config, atomically: true, encoding: .utf8)
    return config
}

/// The servers' logger in tests: warnings and errors only, so a run's output stays readable
/// (tests that check log lines make their own).
let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// The tests' composition root, as `reclab` has its own.
let testStrategies = StrategyRegistry.standard

/// What every test server is configured with unless a test says otherwise: loopback on a free
/// port, the admin key, no idle cut (a test's one connection may wait long on a loaded
/// machine), the repository's strategies, and no retention pass: the shared catalogue holds
/// other tests' replayed evidence, years old by the data's clock.
let testSettings: [String: String] = [
    "HOST": "127.0.0.1", "PORT": "0", "ADMIN_API_KEY": "test-admin-key", "IDLE_TIMEOUT": "600", "EVENT_RETENTION_DAYS": "0",
    "STRATEGIES_FILE": repositoryFile("experiments/strategies.yaml"),
]

/// A test server's configuration: `settings` over `testSettings`.
func testConfiguration(_ settings: [String: String] = [:]) throws -> ServerConfiguration {
    try ServerConfiguration { settings[$0] ?? testSettings[$0] }
}

/// Services over the shared real catalogue with every configured strategy fitted, built
/// once per test process.
enum LiveServices {
    static let configuration = try! testConfiguration()

    private static let fitting = Task { () throws -> RecLabServices in
        let strategies = try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies)
        let services = RecLabServices(
            configuration: configuration, store: try await RealCatalogue.store(), registry: testStrategies, strategies: strategies,
            logger: testLogger)
        try await services.start()
        return services
    }

    static func shared() async throws -> RecLabServices { try await fitting.value }
}

/// Runs the real application on 127.0.0.1 (a free port) over the shared real catalogue and
/// fitted models, and hands the test an HTTP client connected to it.
func withLiveServer(
    environment: [String: String] = [:], logger: Logger = testLogger, apiKeys: APIKeyFile? = nil,
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await withLiveServer(extendedBy: { _ in }, environment: environment, logger: logger, apiKeys: apiKeys, test)
}

/// The same, with routes of the test's beside the API's (`extend`).
func withLiveServer(
    extendedBy extend: (Router<RecLabRequestContext>) -> Void, environment: [String: String] = [:], logger: Logger = testLogger,
    apiKeys: APIKeyFile? = nil, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let configuration = environment.isEmpty ? LiveServices.configuration : try testConfiguration(environment)
    let app = buildApplication(configuration: configuration, services: try await LiveServices.shared(), logger: logger, apiKeys: apiKeys, extend: extend)
    try await app.test(.live) { client in try await test(client) }
}

/// Runs the real application's router in process, without a socket (HummingbirdTesting's
/// router mode), over the shared catalogue and fitted models: for route behaviour, where no
/// connection, address or transport matters.
func withRoutes(
    environment: [String: String] = [:], _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let configuration = environment.isEmpty ? LiveServices.configuration : try testConfiguration(environment)
    let app = buildApplication(configuration: configuration, services: try await LiveServices.shared(), logger: testLogger)
    try await app.test(.router) { client in try await test(client) }
}

/// Headers that make a request come from the client at `address` by way of a trusted proxy
/// (the test's own 127.0.0.1; the server needs `TRUSTED_PROXIES=127.0.0.1`): another client
/// for quotas without another socket address.
func forwarded(for address: String) -> HTTPFields {
    [HTTPField.Name("X-Forwarded-For")!: address]
}

extension TestResponse {
    /// The body decoded as JSON.
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    /// The recommended movies' TMDB ids, in order.
    func recommendedIDs() throws -> [Int] {
        try #require(try json()["recommendations"] as? [[String: Any]]).compactMap { $0["movie_id"] as? Int }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

extension TestClientProtocol {
    /// Posts a JSON body.
    @discardableResult
    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}
