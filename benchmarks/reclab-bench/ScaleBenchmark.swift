import ArgumentParser
import Foundation
import LinearAlgebra
import RecLabCore
import RecLabServer
import RecLabSQLite
import RecLabStore

/// One size of `scripts/bench-scale.sh`: a data set imported, every configured instance
/// fitted under the memory limit, requests timed; printed as a markdown section.
struct ScaleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Import, fit and request costs on one data set (a `reclab synth` folder).")

    @Option(help: "The data set folder to import.")
    var data: String

    @Option(help: "The strategies file whose instances are fitted.")
    var strategies: String = "benchmarks/scale-strategies.yaml"

    @Option(help: "MODEL_MEMORY_LIMIT for the fits, in bytes.")
    var memoryLimit: Int = 16 << 30

    @Option(help: "Requests to time per surface.")
    var requests: Int = 1_000

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "reclab-scale-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        var clock = ContinuousClock.now
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: data)], into: store)
        let importSeconds = (ContinuousClock.now - clock).seconds
        let databaseMB = Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576
        clock = ContinuousClock.now
        let training = try await store.trainingData(includingPreferences: false)
        let loadSeconds = (ContinuousClock.now - clock).seconds
        let users = Set(training.interactions.map(\.user)).count
        print("## \(training.interactions.count) ratings: \(users) users × \(training.catalogue.count) movies\n")
        print("Import \(format(importSeconds, digits: 1)) s (SQLite file \(format(databaseMB, digits: 0)) MB); training data read in \(format(loadSeconds, digits: 1)) s, resident \(format(residentMegabytes(), digits: 0)) MB. Fits under MODEL_MEMORY_LIMIT = \(MemoryLimitExceeded.format(memoryLimit)).\n")
        print("| instance | fit s | resident MB after | peak MB so far | model |")
        print("| --- | ---: | ---: | ---: | --- |")
        let configuration = try StrategyConfiguration.load(path: strategies, registry: ReclabBench.strategies)
        var models: [String: any FittedModel] = [:]
        for instance in configuration.instances {
            let started = ContinuousClock.now
            do {
                models[instance.name] = try await instance.fit(FitContext(data: training, models: models, memoryLimit: memoryLimit))
                let seconds = (ContinuousClock.now - started).seconds
                print("| \(instance.name) | \(format(seconds, digits: 2)) | \(format(residentMegabytes(), digits: 0)) | \(format(peakMegabytes(), digits: 0)) | \(models[instance.name]!.summary.detail) |")
            } catch let refusal as MemoryLimitExceeded {
                print("| \(instance.name) | refused | | | \(refusal) |")
            } catch {
                print("| \(instance.name) | failed | | | \(error) |")
            }
        }

        print("\n| request, limit 10 (\(requests) after 200 warm-up) | p50 ms | p90 ms | p99 ms | max ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        var generator = SeededGenerator(seed: 7)
        let histories = training.interactionsByUser()
        for (name, model) in models.sorted(by: { $0.key < $1.key }) where name.hasPrefix("personalized") || name.hasPrefix("als") {
            let times = try timeRequests(requests) {
                let (user, history) = histories[Int(generator.next() % UInt64(histories.count))]
                _ = try model.recommend(RecommendationRequest(userID: user, history: history, limit: 10, excluded: Set(history.map(\.movie))))
            }
            print(latencyRow("\(name), a user's whole history", times))
        }
        if let popular = models["popular"] {
            print(latencyRow("popular", try timeRequests(requests) { _ = try popular.recommend(RecommendationRequest(limit: 10)) }))
        }
        print("")
    }
}
