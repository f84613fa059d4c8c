import Foundation
import RecLabCore
import RecLabModelStore
import RecLabStrategies
import TestSupport
import Testing

@Suite struct ModelGenerationTests {
    let registry = StrategyRegistry.standard

    /// What a model answers a request: the list, or the error it refuses with.
    enum Answer: Equatable {
        case list([Recommendation])
        case refused(String)
    }

    static func answer(_ model: any FittedModel, _ request: RecommendationRequest) -> Answer {
        do { return .list(try model.recommend(request)) } catch { return .refused("\(error)") }
    }

    func fitAndStore(_ data: TrainingData, _ instances: [ConfiguredStrategy], in folder: URL) async throws -> (
        models: [String: any FittedModel], manifest: ModelGenerationStore.Manifest
    ) {
        let models = try await instances.fitInOrder(on: data)
        let store = try ModelGenerationStore(folder: folder)
        let manifest = try store.write(
            models: models, instances: instances, catalogue: data.catalogue, dataPosition: 42, interactions: data.interactions.count, fitSeconds: [:])
        return (models, manifest)
    }

    @Test func aLoadedGenerationAnswersEveryRequestExactlyAsTheFittedModelsDo() async throws {
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-generations")
            defer { try? FileManager.default.removeItem(at: folder) }
            let data = try await RealCatalogue.trainingData()
            let instances = try registry.oneOfEach()
            let (fitted, manifest) = try await fitAndStore(data, instances, in: folder)
            let loaded = try ModelGenerationStore(folder: folder).load(manifest, instances: instances)

            #expect(loaded.catalogue.items == data.catalogue.items)
            #expect(manifest.dataPosition == 42 && manifest.interactions == data.interactions.count)
            #expect(manifest.instances.map(\.name) == instances.map(\.name))
            var compared = 0
            for instance in instances {
                #expect(loaded.models[instance.name]!.summary == fitted[instance.name]!.summary, "\(instance.name)")
                for request in RecommendationRequest.everyKind(on: data) {
                    let before = Self.answer(fitted[instance.name]!, request)
                    #expect(Self.answer(loaded.models[instance.name]!, request) == before, "\(instance.name)")
                    if case .list(let list) = before, !list.isEmpty { compared += 1 }
                }
            }
            #expect(compared > 60, "most requests get answers to compare")
        }
    }

    /// The forms the default data never picks: dense (at least as many users as items), pruned
    /// (forced, with a density below 1) and sparse (forced, two neighbours a movie).
    @Test(arguments: ["dense", "pruned", "sparse"])
    func theDenseAndPrunedEASEFormsRoundTripToo(form: String) async throws {
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-generations")
            defer { try? FileManager.default.removeItem(at: folder) }
            // Four users on three movies: at least as many users as items, so B is stored dense.
            let shape: [String: ParameterValue] = switch form {
            case "dense": ["max_items": .number(3)]
            case "pruned": ["density": .number(0.5), "form": .string("pruned")]
            default: ["neighbours": .number(2), "form": .string("sparse")]
            }
            let instances = try [registry.make(name: form, strategy: "personalized", parameters: .object(shape.merging(["lambda": .number(1)]) { $1 }))]
            let data = TinyCatalogue.data
            let (fitted, manifest) = try await fitAndStore(data, instances, in: folder)
            #expect(fitted[form]!.summary.detail.hasSuffix("form=\(form)"))
            let loaded = try ModelGenerationStore(folder: folder).load(manifest, instances: instances)
            for request in RecommendationRequest.everyKind(on: data) {
                #expect(Self.answer(loaded.models[form]!, request) == Self.answer(fitted[form]!, request))
            }
        }
    }

    @Test func onlyCompleteGenerationsOfTheSameConfigurationAreOffered() async throws {
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-generations")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try ModelGenerationStore(folder: folder)
            let data = TinyCatalogue.data
            let popular = try [registry.make(name: "popular", strategy: "popularity", parameters: nil)]
            let topRated = try [registry.make(name: "popular", strategy: "popularity", parameters: .object(["ranking": .string("top-rated")]))]
            let models = try await popular.fitInOrder(on: data)
            let older = try store.write(models: models, instances: popular, catalogue: data.catalogue, dataPosition: 1, interactions: 13, fitSeconds: [:],
                                        now: Date(timeIntervalSince1970: 1_000))
            let newer = try store.write(models: models, instances: popular, catalogue: data.catalogue, dataPosition: 2, interactions: 13, fitSeconds: [:],
                                        now: Date(timeIntervalSince1970: 2_000))
            let other = try store.write(models: try await topRated.fitInOrder(on: data), instances: topRated, catalogue: data.catalogue, dataPosition: 3,
                                        interactions: 13, fitSeconds: [:], now: Date(timeIntervalSince1970: 3_000))
            // A generation being written (or left by a crash) sits in a hidden folder.
            try FileManager.default.createDirectory(at: folder.appending(path: ".incoming-9999999999999-00000000"), withIntermediateDirectories: false)
            // A folder without a manifest is no generation either.
            try FileManager.default.createDirectory(at: folder.appending(path: "9999999999999-00000000"), withIntermediateDirectories: false)

            #expect(store.manifests().map(\.id) == [other.id, newer.id, older.id])
            #expect(store.newest(configuration: try ModelGenerationStore.configurationHash(popular)) == newer)
            #expect(store.newest(configuration: try ModelGenerationStore.configurationHash(topRated)) == other)
            #expect(throws: ModelArchiveError.self) { try store.load(other, instances: popular) }

            store.prune(keeping: 2)
            #expect(store.manifests().map(\.id) == [other.id, newer.id])
        }
    }

    @Test func theWritersManifestHasTheTimeItsReadersRead() async throws {
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-generations")
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try ModelGenerationStore(folder: folder)
            let popular = try [registry.make(name: "popular", strategy: "popularity", parameters: nil)]
            // Within a millisecond of the next second: the file keeps milliseconds, and the
            // replica that wrote it showed the second before while its readers showed the next.
            let written = try store.write(
                models: try await popular.fitInOrder(on: TinyCatalogue.data), instances: popular, catalogue: TinyCatalogue.data.catalogue,
                dataPosition: 1, interactions: 13, fitSeconds: [:], now: Date(timeIntervalSince1970: 1_796_139_919.9996))
            let read = try #require(store.manifests().first)
            #expect(read.createdAt == written.createdAt)
            #expect(read.createdAt.formatted(.iso8601) == written.createdAt.formatted(.iso8601))
        }
    }

    @Test func aDamagedOrTruncatedFileIsRefusedNamingIt() async throws {
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-generations")
            defer { try? FileManager.default.removeItem(at: folder) }
            let instances = try [registry.make(name: "genre", strategy: "genre", parameters: nil)]
            let (_, manifest) = try await fitAndStore(TinyCatalogue.data, instances, in: folder)
            let store = try ModelGenerationStore(folder: folder)
            let model = folder.appending(path: manifest.id).appending(path: manifest.instances[0].file.name)
            var bytes = try [UInt8](Data(contentsOf: model))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: model)
            let damaged = #expect(throws: ModelArchiveError.self) { try store.load(manifest, instances: instances) }
            #expect(damaged?.description.contains("SHA-256") == true)
            try Data(bytes.prefix(10)).write(to: model)
            let truncated = #expect(throws: ModelArchiveError.self) { try store.load(manifest, instances: instances) }
            #expect(truncated?.description.contains(manifest.instances[0].file.name) == true)
        }
    }

    @Test func bytesThatPassTheChecksumButNotTheFormatThrowInsteadOfCrashing() throws {
        // A count far beyond the bytes left, and a Bool that is no Bool.
        var writer = ModelWriter()
        writer.write(Int.max)
        var reader = ModelReader(writer.bytes)
        #expect(throws: ModelArchiveError.self) { _ = try reader.readArray(of: Float.self) }
        var flag = ModelReader([7])
        #expect(throws: ModelArchiveError.self) { _ = try flag.read(Bool.self) }
        var catalogue = ModelWriter()
        Catalogue(TinyCatalogue.items).write(to: &catalogue)
        var cut = ModelReader(Array(catalogue.bytes.dropLast(3)))
        #expect(throws: ModelArchiveError.self) { _ = try Catalogue(from: &cut) }
    }

    @Test func theFitLockIsHeldByOneHolderAtATime() async throws {
        let folder = try makeTemporaryDirectory("reclab-generations")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ModelGenerationStore(folder: folder)
        let held = try #require(try store.tryFitLock())
        #expect(try store.tryFitLock() == nil, "a second holder is refused while the first holds it")
        held.release()
        let waited = try await store.withFitLock { try store.tryFitLock() == nil }
        #expect(waited, "withFitLock holds the lock while its body runs")
        #expect(try store.tryFitLock() != nil, "and releases it after")
    }
}
