import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import TestSupport
import Testing

/// The real `reclab` executable, built beside the test bundle by the same `swift test -c release`.
func reclabExecutable() throws -> URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "reclab")
    for candidate in [beside, URL(fileURLWithPath: repositoryFile(".build/release/reclab"))]
    where FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate
    }
    throw TestFailure("no reclab executable beside the tests or in .build/release; build it with `swift build -c release`")
}

/// A failure a test helper reports with its reason.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `reclab serve` as its own process on a free port, for what only a process shows: a crash,
/// a signal, a refusal to start.
// Sendable by construction: every property is set in init and only read afterwards.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the server on `database`; with `waitUntilReady`, returns once `/health/ready` is 200.
    init(database: String, environment: [String: String] = [:], folder: URL) throws {
        port = try freeTCPPort()
        log = folder.appending(path: "server-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = try reclabExecutable()
        process.arguments = ["serve"]
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryFile(""))
        // One BLAS thread: suites run side by side on few cores, and OpenBLAS's threads spin
        // while they wait, starving every other process's (the timing tests' included). Refits
        // at the requests' priority: niced, they would wait behind the other suites' work.
        process.environment = ProcessInfo.processInfo.environment.merging([
            "HOST": "127.0.0.1", "PORT": "\(port)", "DATABASE_URL": database, "EVALUATION_CONFIG": "none", "LOG_LEVEL": "warning",
            "OPENBLAS_NUM_THREADS": "1", "BACKGROUND_NICE": "0",
        ].merging(environment) { $1 }) { $1 }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestFailure("the server exited (\(process.terminationStatus)): \(printed)") }
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(base)/health/ready")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the server was not ready in time: \(printed)")
    }

    var printed: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end; nil if it has not within `timeout`.
    func exit(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Sends a request; the status and body, or nil when no answer came (refused, reset).
    func send(_ method: String, _ path: String, json: String? = nil) async -> (status: Int, body: Data)? {
        await HTTPSend.send(method, URL(string: base + path)!, json: json)
    }
}

/// One HTTP request from a test to a server process (or nginx in front of some).
enum HTTPSend {
    /// The status and body, or nil when no answer came (refused, reset, 10 s without one).
    static func send(_ method: String, _ url: URL, json: String? = nil) async -> (status: Int, body: Data)? {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, data)
    }
}

/// A database holding ml-latest-small, imported once by `reclab import`; each test serves a copy.
enum TemplateDatabase {
    private static let made = Task { () throws -> URL in
        let folder = try makeTemporaryDirectory("reclab-template-db")
        let path = folder.appending(path: "template.sqlite")
        let importer = Process()
        importer.executableURL = try reclabExecutable()
        importer.arguments = ["import", try SharedFolder.datasets().appending(path: "ml-latest-small").path, "--database", path.path]
        importer.standardOutput = FileHandle.nullDevice
        importer.standardError = FileHandle.nullDevice
        try importer.run()
        // Waited for on a thread of its own: seconds of import must not hold a pool thread.
        let status = try await onOwnThread {
            importer.waitUntilExit()
            return importer.terminationStatus
        }
        guard status == 0 else { throw TestFailure("reclab import failed (\(status))") }
        return path
    }

    /// A fresh copy of the template in `folder`.
    static func copy(into folder: URL) async throws -> String {
        let template = try await made.value
        let copy = folder.appending(path: "served.sqlite")
        try FileManager.default.copyItem(at: template, to: copy)
        for sidecar in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: template.path + sidecar) {
            try FileManager.default.copyItem(atPath: template.path + sidecar, toPath: copy.path + sidecar)
        }
        return copy.path
    }
}

/// Runs one of the repository's scripts with bash, `environment` over the test's own, and
/// returns its exit status and everything it printed. It runs for tens of seconds: waited for
/// on a thread of its own, never a pool thread. No build may start from inside `swift test`,
/// which holds the build folder, so the scripts are given the release binary (`RECLAB_BINARY`).
func runScript(_ script: String, environment: [String: String] = [:]) async throws -> (status: Int32, log: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [repositoryFile(script)]
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let log = try await onOwnThread {
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return log
    }
    return (process.terminationStatus, log)
}

