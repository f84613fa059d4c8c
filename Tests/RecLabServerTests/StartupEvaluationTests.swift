import Foundation
import HummingbirdTesting
import RecLabEvaluation
import RecLabServer
import RecLabServing
import RecLabSQLite
import Synchronization
import TestSupport
import Testing

@Suite struct StartupEvaluationTests {
    static func services(_ store: SQLiteStore) throws -> RecLabServices {
        let configuration = LiveServices.configuration
        return RecLabServices(
            configuration: configuration, store: store, registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies), logger: testLogger)
    }

    @Test func modelPerformanceIsPendingWhileTheStartupEvaluationRunsThenServesItsScoresAndItRunsOnce() async throws {
        let folder = try makeTemporaryDirectory("reclab-startup-evaluation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appending(path: "served.sqlite").path)
        let services = try Self.services(store)
        let config = try mostPopularEvaluationConfig(named: "startup", in: folder).path
        // Holds the run in its scratch store until the test has seen the pending answer.
        let gate = DispatchSemaphore(value: 0)
        let scratchStores = Mutex(0)
        let scratch: EvaluationJob.ScratchStore = { scratchFolder in
            scratchStores.withLock { $0 += 1 }
            gate.wait()
            return try SQLiteStore(path: scratchFolder.appending(path: "scratch.sqlite").path)
        }
        try await buildApplication(configuration: LiveServices.configuration, services: services, logger: testLogger).test(.live) { client in
            let before = try await client.execute(uri: "/analytics/model-performance", method: .get)
            #expect(before.status == .notFound)

            let run = Task {
                await services.startupEvaluation.runIfNoneStored(configPath: config, store: store, scratch: scratch, registry: testStrategies, logger: testLogger)
            }
            var pending: [String: Any] = [:]
            for _ in 0..<200 where pending["status"] as? String != "pending" {
                pending = try await client.execute(uri: "/analytics/model-performance", method: .get).json()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(pending["status"] as? String == "pending")
            #expect(pending["evaluation_config"] as? String == config)
            #expect(pending["started_at"] is String)
            gate.signal()
            await run.value

            let ready = try await client.execute(uri: "/analytics/model-performance", method: .get)
            #expect(ready.status == .ok)
            let body = try ready.json()
            #expect(body["status"] as? String == "ready")
            let scores = try #require((body["strategies"] as? [String: Any])?["most-popular"] as? [String: Any])
            #expect(abs((scores["ndcg"] as? Double ?? 0) - 0.0743) < 0.00005)

            // A restart on the same database finds the stored evaluation and runs none.
            await (try Self.services(store)).startupEvaluation.runIfNoneStored(
                configPath: config, store: store, scratch: scratch, registry: testStrategies, logger: testLogger)
            #expect(scratchStores.withLock { $0 } == 1)
        }
    }

    @Test func aFailedStartupEvaluationIsAnsweredWithWhyNotHidden() async throws {
        let folder = try makeTemporaryDirectory("reclab-startup-evaluation-failed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appending(path: "served.sqlite").path)
        let services = try Self.services(store)
        let missing = folder.appending(path: "no-such-config.yaml").path
        await services.startupEvaluation.runIfNoneStored(
            configPath: missing, store: store, scratch: { try SQLiteStore(path: $0.appending(path: "scratch.sqlite").path) },
            registry: testStrategies, logger: testLogger)
        try await buildApplication(configuration: LiveServices.configuration, services: services, logger: testLogger).test(.live) { client in
            let answer = try await client.execute(uri: "/analytics/model-performance", method: .get)
            #expect(answer.status == .ok)
            let body = try answer.json()
            #expect(body["status"] as? String == "failed")
            #expect(body["evaluation_config"] as? String == missing)
            #expect((body["message"] as? String)?.contains("no-such-config.yaml") == true)
        }
    }
}
