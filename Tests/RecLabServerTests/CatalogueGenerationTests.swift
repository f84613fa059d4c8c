import Foundation
import HummingbirdTesting
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

@Suite struct CatalogueGenerationTests {
    /// Allegiant is in TMDB 5000 and not in MovieLens.
    static let allegiant = 262504

    @Test func aReloadServesMoviesImportedSinceTheLastGeneration() async throws {
        let folder = try makeTemporaryDirectory("reclab-catalogue-generation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appending(path: "catalogue.sqlite").path)
        _ = try await CatalogueImport.run(paths: [SharedFolder.datasets().appending(path: "ml-latest-small")], into: store)
        let configuration = LiveServices.configuration
        let services = RecLabServices(
            configuration: configuration, store: store, registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies), logger: testLogger)
        try await buildApplication(configuration: configuration, services: services, logger: testLogger).test(.live) { client in
            // Before the first generation: liveness answers, the catalogue routes say why not.
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(try health.json()["catalogue"] is NSNull)
            let early = try await client.execute(uri: "/movies/search?query=allegiant", method: .get)
            #expect(early.status == .serviceUnavailable)
            #expect(try early.json()["error"] as? [String: String] == ["code": "catalogue_loading", "message": "the catalogue is still being loaded; try again shortly"])

            try await services.catalogue.reload()
            #expect(try await client.execute(uri: "/movies/\(Self.allegiant)", method: .get).status == .notFound)
            let before = try await client.execute(uri: "/health", method: .get).json()["catalogue"] as? [String: Int]

            _ = try await CatalogueImport.run(paths: [SharedFolder.datasets().appending(path: "tmdb-5000")], into: store)
            // The generation being served does not change under a request...
            #expect(try await client.execute(uri: "/movies/\(Self.allegiant)", method: .get).status == .notFound)
            // ...until the next one is loaded, which details, search and counts all come from.
            try await services.catalogue.reload()
            let details = try await client.execute(uri: "/movies/\(Self.allegiant)", method: .get)
            #expect(details.status == .ok)
            #expect(try details.json()["title"] as? String == "Allegiant")
            let search = try await client.execute(uri: "/movies/search?query=allegiant", method: .get).json()
            #expect((search["movies"] as? [[String: Any]])?.first?["tmdb_id"] as? Int == Self.allegiant)
            let after = try await client.execute(uri: "/health", method: .get).json()["catalogue"] as? [String: Int]
            #expect((after?["movies"] ?? 0) > (before?["movies"] ?? Int.max))
        }
    }
}
