import Foundation
import RecLabCore
import RecLabDatasets
import RecLabStore

/// `reclab evaluate` as a library: load the data a config names into a scratch database,
/// run the protocol, write `report.json`, `report.md` and `report.html`, and store the report
/// where the server serves it.
public enum EvaluationJob {
    /// What a run produced.
    public struct Output: Sendable {
        public let report: EvaluationReport
        public let folder: URL
    }

    /// Opens a fresh, empty store in a scratch folder, where an offline run imports its data
    /// sets; the executable passes its backend in (SQLite today).
    public typealias ScratchStore = @Sendable (_ folder: URL) throws -> any Repositories

    public static func run(
        configPath: String, reportsDirectory: URL, store: some EvaluationRepository, scratch: ScratchStore, registry: StrategyRegistry,
        progress: EvaluationProgress? = nil
    ) async throws -> Output {
        let (report, json, html) = try await evaluateAndStore(configPath: configPath, store: store, scratch: scratch, registry: registry, progress: progress)
        let folder = reportsDirectory.appending(path: report.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try json.write(to: folder.appending(path: "report.json"))
        try Data(MarkdownReport.render(report).utf8).write(to: folder.appending(path: "report.md"))
        try Data(html.utf8).write(to: folder.appending(path: "report.html"))
        return Output(report: report, folder: folder)
    }

    /// Runs a config's evaluation and stores the report where the server serves it, writing
    /// no files: what the server does on its own when no evaluation is stored.
    public static func evaluate(
        configPath: String, store: some EvaluationRepository, scratch: ScratchStore, registry: StrategyRegistry
    ) async throws -> EvaluationReport {
        try await evaluateAndStore(configPath: configPath, store: store, scratch: scratch, registry: registry, progress: nil).report
    }

    private static func evaluateAndStore(
        configPath: String, store: some EvaluationRepository, scratch: ScratchStore, registry: StrategyRegistry, progress: EvaluationProgress?
    ) async throws -> (report: EvaluationReport, json: Data, html: String) {
        let configuration = try EvaluationConfiguration.load(path: configPath)
        let report = try await withScratchData(configuration, scratch: scratch) { _, data, sha256 in
            try await OfflineEvaluation(registry: registry)
                .run(configuration.plan, data: data, ratingsFile: configuration.ratings, sha256: sha256, progress: progress)
        }
        let json = try reportEncoder.encode(report)
        let html = HTMLReport.render(report)
        try await store.save(StoredEvaluation(
            id: report.id, name: report.name, protocolVersion: report.protocolVersion, createdAt: report.createdAt, json: json, html: html))
        return (report, json, html)
    }

    /// Runs `body` on the config's data imported into a scratch database (removed afterwards):
    /// the store, the catalogue with the ratings file's interactions alone (never users'
    /// preferences, so the numbers depend on the files only), and the ratings file's SHA-256.
    public static func withScratchData<T>(
        _ configuration: EvaluationConfiguration, scratch: ScratchStore, _ body: (any Repositories, TrainingData, String) async throws -> T
    ) async throws -> T {
        let sha256: String
        do {
            sha256 = try FileDigest.sha256(ofFile: URL(fileURLWithPath: configuration.ratings))
        } catch {
            throw ConfigurationError("ratings: cannot read \(configuration.ratings)")
        }
        let folder = FileManager.default.temporaryDirectory.appending(path: "reclab-evaluate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try scratch(folder)
        _ = try await CatalogueImport.run(paths: [URL(fileURLWithPath: configuration.datasets)], into: store)
        return try await body(store, try await store.trainingData(includingPreferences: false), sha256)
    }

    /// Stable, readable JSON: the same run gives the same bytes.
    public static let reportEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = SnakeCaseKeys.encoding
        return encoder
    }()
}
