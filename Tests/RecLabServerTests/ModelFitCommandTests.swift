import Foundation
import RecLabModelStore
import TestSupport
import Testing

/// `reclab fit`: the models fitted once outside any server, loaded by every server that
/// shares its models folder.
@Suite struct ModelFitCommandTests {
    /// Runs `reclab ARGUMENTS` from the repository root, as an operator would, without
    /// MODELS_DIR in its environment; returns its status and output.
    static func reclab(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try reclabExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryFile(""))
        var environment = ProcessInfo.processInfo.environment
        environment["MODELS_DIR"] = nil
        environment["LOG_LEVEL"] = "warning"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    static func fit(database: String, models: URL) throws -> (status: Int32, output: String) {
        try reclab(["fit", "--database", database, "--models-dir", models.path])
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

        let first = try Self.fit(database: database, models: models)
        #expect(first.status == 0, "\(first.output)")
        let store = try ModelGenerationStore(folder: models)
        let written = try #require(store.manifests().first)
        #expect(first.output.contains("generation \(written.id) written"), "\(first.output)")
        #expect(written.instances.map(\.name).contains("personalized") && written.interactions == 100_836)

        let server = try ServerProcess(database: database, environment: ["MODELS_DIR": models.path], folder: folder)
        try await server.waitUntilReady()
        #expect(await Self.servedGeneration(server) == written.id, "the server loaded the generation instead of fitting")
        #expect(store.manifests().count == 1)

        let second = try Self.fit(database: database, models: models)
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
        let refused = try Self.reclab(["fit", "--database", folder.appending(path: "none.sqlite").path])
        #expect(refused.status != 0)
        #expect(refused.output.contains("pass --models-dir or set MODELS_DIR"), "\(refused.output)")
    }
}
