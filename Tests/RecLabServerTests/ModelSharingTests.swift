import Foundation
import RecLabModelStore
import RecLabServer
import RecLabServing
import RecLabSQLite
import TestSupport
import Testing

/// Two model hosts sharing one models folder, as two replicas' are: who fits and who adopts.
@Suite struct ModelSharingTests {
    static func host(_ store: SQLiteStore, folder: URL) throws -> ModelHost {
        ModelHost(
            configuration: try StrategyConfiguration.load(path: repositoryFile("experiments/strategies.yaml"), registry: testStrategies),
            registry: testStrategies, interactions: store,
            sharing: ModelHost.Sharing(store: try ModelGenerationStore(folder: folder), position: { try await store.latestChange() }), logger: testLogger)
    }

    @Test func aScheduledRefitFitsOnceAcrossReplicasAndAdoptsARecentGenerationInstead() async throws {
        let folder = try makeTemporaryDirectory("reclab-sharing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: try await TemplateDatabase.copy(into: folder))
        let models = folder.appending(path: "models")
        let (a, b) = (try Self.host(store, folder: models), try Self.host(store, folder: models))
        let generations = try ModelGenerationStore(folder: models)

        try await a.prepare()
        try await b.prepare()
        #expect(generations.manifests().count == 1, "B adopted A's fit")
        #expect(b.generation?.sharedID == a.generation?.sharedID)

        // Younger than half the interval: nothing to fit.
        #expect(try await b.scheduledRefit(interval: .seconds(3600)) == false)
        #expect(generations.manifests().count == 1)

        // While another replica holds the folder's lock (it is fitting), this one skips.
        let held = try #require(try generations.tryFitLock())
        #expect(try await b.scheduledRefit(interval: .milliseconds(1)) == false)
        #expect(generations.manifests().count == 1)
        held.release()

        // Due, and the lock free: this replica fits and has a generation to announce.
        #expect(try await b.scheduledRefit(interval: .milliseconds(1)) == true)
        #expect(generations.manifests().count == 2)
        #expect(try await a.adoptShared() == true)
        #expect(a.generation?.sharedID == b.generation?.sharedID)
        #expect(try await a.adoptShared() == false, "nothing newer to adopt")
    }
}
