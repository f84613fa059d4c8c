import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabCore
import RecLabExperiments
import RecLabServer
import TestSupport
import Testing

/// A server whose experiments folder holds one experiment on `personalized`, enrolling
/// everyone with five or more interactions.
struct ExperimentServer {
    static let experiment = """
        id: tuning
        status: running
        surface: personalized
        salt: tuning-salt
        targeting: { min_ratings: 5 }
        variants:
          - { name: tuned, control: true, weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 300, rating_offset: 3 } }
          - { name: plain, weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 12000 } }
        """

    let folder: URL
    let configuration: ServerConfiguration
    let services: RecLabServices

    /// Starts services from the folder's files, as `reclab serve` does.
    static func start(folder: URL? = nil) async throws -> ExperimentServer {
        let folder = try folder ?? {
            let folder = try makeTemporaryDirectory("experiments")
            try experiment.write(to: folder.appending(path: "tuning.yaml"), atomically: true, encoding: .utf8)
            return folder
        }()
        let configuration = try ServerConfiguration {
            ["HOST": "127.0.0.1", "PORT": "0", "ADMIN_API_KEY": "test-admin-key", "EXPERIMENTS_DIR": folder.path,
             "STRATEGIES_FILE": repositoryFile("experiments/strategies.yaml")][$0]
        }
        let services = RecLabServices(
            configuration: configuration, store: try await RealCatalogue.store(),
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: .standard),
            experiments: try ExperimentReloader.load(configuration), logger: Logger(label: "test"))
        try await services.models.refit()
        return ExperimentServer(folder: folder, configuration: configuration, services: services)
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await buildApplication(configuration: configuration, services: services, logger: Logger(label: "test")).test(.live, test)
    }
}

@Suite(.serialized) struct ExperimentAPITests {
    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key"]

    @Test func eachUserIsServedTheVariantGrowthBooksAlgorithmGivesAndTheAnswerSaysSo() async throws {
        let server = try await ExperimentServer.start()
        let experiment = try #require(server.services.models.generation?.experiments.first)
        try await server.run { client in
            for user in 1...12 {
                let expected = experiment.assign(userID: "\(user)", interactions: 20)?.variant.name
                let body = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
                #expect(body["experiment"] as? String == "tuning")
                #expect(body["variant"] as? String == expected)
                #expect(body["strategy_instance"] as? String == "tuning/\(expected!)")
                let abTest = try await client.execute(uri: "/recommendations/ab-test/\(user)?limit=5", method: .get).json()
                #expect(abTest["variant"] as? String == expected)
                #expect((abTest["recommendations"] as? [Any])?.count == 5)
            }
            let listed = try #require(try await client.execute(uri: "/experiments", method: .get).json()["experiments"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == ["tuning"])
            #expect((listed.first?["variants"] as? [[String: Any]])?.map { $0["name"] as? String } == ["tuned", "plain"])
            // No history: outside the targeting, served by the surface's own strategy.
            let newcomer = try await client.execute(uri: "/recommendations/ab-test/newcomer-\(UUID().uuidString.prefix(6))", method: .get).json()
            #expect(newcomer["experiment"] is NSNull || newcomer["experiment"] == nil)
        }
    }

    @Test func theSameUsersGetTheSameVariantsAfterARestart() async throws {
        func variants(_ server: ExperimentServer) async throws -> [String] {
            let collected = LockedBox<[String]>([])
            try await server.run { client in
                for user in 1...20 {
                    let body = try await client.execute(uri: "/recommendations/ab-test/\(user)", method: .get).json()
                    collected.append(body["variant"] as? String ?? "-")
                }
            }
            return collected.value
        }
        let first = try await ExperimentServer.start()
        let before = try await variants(first)
        let restarted = try await ExperimentServer.start(folder: first.folder)
        #expect(try await variants(restarted) == before)
        #expect(Set(before) == ["tuned", "plain"])
    }

    @Test func aForcedVariantNeedsTheAdminKey() async throws {
        let server = try await ExperimentServer.start()
        try await server.run { client in
            #expect(try await client.execute(uri: "/recommendations/ab-test/1?force_variant=plain", method: .get).status == .forbidden)
            for variant in ["plain", "tuned"] {
                let body = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=\(variant)", method: .get, headers: Self.admin).json()
                #expect(body["variant"] as? String == variant)
            }
            let unknown = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=nope", method: .get, headers: Self.admin)
            #expect(unknown.status == .badRequest)
        }
    }

    @Test func anInvalidReloadIsRefusedAndTheOldExperimentsKeepServing() async throws {
        let server = try await ExperimentServer.start()
        try await server.run { client in
            try ExperimentServer.experiment.replacingOccurrences(of: "weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 12000 }", with: "weight: 0.7, strategy: personalized")
                .write(to: server.folder.appending(path: "tuning.yaml"), atomically: true, encoding: .utf8)
            let refused = try await client.execute(uri: "/admin/experiments/reload", method: .post, headers: Self.admin)
            #expect(refused.status == .unprocessableContent)
            let message = try #require((try refused.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("tuning.yaml: variants: weights sum to 1.2, not 1"))
            let body = try await client.execute(uri: "/recommendations/ab-test/1", method: .get).json()
            #expect(body["experiment"] as? String == "tuning")
            // A valid change goes live.
            try ExperimentServer.experiment.replacingOccurrences(of: "status: running", with: "status: stopped")
                .write(to: server.folder.appending(path: "tuning.yaml"), atomically: true, encoding: .utf8)
            let accepted = try await client.execute(uri: "/admin/experiments/reload", method: .post, headers: Self.admin)
            #expect(accepted.status == .ok)
            let after = try await client.execute(uri: "/users/1/recommendations/personalized", method: .get).json()
            #expect(after["experiment"] is NSNull || after["experiment"] == nil)
        }
    }
}

/// A value tests collect into from inside a `@Sendable` closure.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
}
