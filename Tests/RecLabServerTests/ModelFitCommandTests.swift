import Foundation
import RecLabModelStore
import TestSupport
import Testing

/// `reclab fit`: the models fitted once outside any server, loaded by every server that
/// shares its models folder.
@Suite struct ModelFitCommandTests {
    /// Two cheap instances serving every surface, and no experiment: the command and the
    /// sharing are under test, not the fits, which other suites run beside this one.
    static func lightConfiguration(in folder: URL) throws -> [String: String] {
        let experiments = folder.appending(path: "experiments")
        try FileManager.default.createDirectory(at: experiments, withIntermediateDirectories: true)
        let strategies = experiments.appending(path: "strategies.yaml")
        try """
            strategies:
              - { name: popular, strategy: popularity }
              - { name: genre, strategy: genre }
            surfaces: { similar: popular, genre: genre, popular: popular, top-rated: popular, trending: popular, personalized: popular, hybrid: popular }
            """.write(to: strategies, atomically: true, encoding: .utf8)
        return ["STRATEGIES_FILE": strategies.path, "EXPERIMENTS_DIR": experiments.path]
    }

    /// Runs `reclab ARGUMENTS` from the repository root, as an operator would, with
    /// `environment` and without MODELS_DIR; returns its status and output.
    static func reclab(_ arguments: [String], environment settings: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await onOwnThread { try run(arguments, environment: settings) }
    }

    private static func run(_ arguments: [String], environment settings: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try reclabExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryFile(""))
        var environment = ProcessInfo.processInfo.environment.merging(settings) { $1 }
        environment["MODELS_DIR"] = nil
        environment["LOG_LEVEL"] = "warning"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    static func fit(database: String, models: URL, environment: [String: String]) async throws -> (status: Int32, output: String) {
        try await reclab(["fit", "--database", database, "--models-dir", models.path], environment: environment)
    }

    static func servedGeneration(_ server: ServerProcess) async -> String? {
        let body = await server.send("GET", "/health/detailed")?.body ?? Data()
        let detailed = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let detail = ((detailed?["services"] as? [String: [String: Any]])?["ml_models"]?["detail"] as? String) ?? ""
        return detail.components(separatedBy: "shared generation ").dropFirst().first
    }

    @Test func aServerLoadsWhatReclabFitWroteAndAdoptsTheNextFitWhenAnnounced() async throws {
        let folder = try makeTemporaryDirectory("reclab-fit-command")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await TemplateDatabase.copy(into: folder)
        let models = folder.appending(path: "models")
        let light = try Self.lightConfiguration(in: folder)

        let first = try await Self.fit(database: database, models: models, environment: light)
        #expect(first.status == 0, "\(first.output)")
        let store = try ModelGenerationStore(folder: models)
        let written = try #require(store.manifests().first)
        #expect(first.output.contains("generation \(written.id) written"), "\(first.output)")
        #expect(written.instances.map(\.name) == ["popular", "genre"] && written.interactions == 100_836)

        let server = try ServerProcess(database: database, environment: light.merging(["MODELS_DIR": models.path]) { $1 }, folder: folder)
        try await server.waitUntilReady()
        #expect(await Self.servedGeneration(server) == written.id, "the server loaded the generation instead of fitting")
        #expect(store.manifests().count == 1)

        let second = try await Self.fit(database: database, models: models, environment: light)
        #expect(second.status == 0, "\(second.output)")
        let next = try #require(store.manifests().first)
        #expect(next.id != written.id)
        var served = await Self.servedGeneration(server)
        for _ in 0..<100 where served != next.id {
            try await Task.sleep(for: .milliseconds(100))
            served = await Self.servedGeneration(server)
        }
        #expect(served == next.id, "the running server adopted the announced generation")
    }

    @Test func reclabFitWithoutAModelsFolderSaysWhatToSet() async throws {
        let folder = try makeTemporaryDirectory("reclab-fit-command")
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try await Self.reclab(["fit", "--database", folder.appending(path: "none.sqlite").path])
        #expect(refused.status != 0)
        #expect(refused.output.contains("pass --models-dir or set MODELS_DIR"), "\(refused.output)")
    }
}
