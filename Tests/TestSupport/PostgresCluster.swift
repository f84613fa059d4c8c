import Foundation
import RecLabPostgres
import RecLabSQLite
import RecLabStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster from Debian's `postgresql` package, on 127.0.0.1 in a
/// temporary folder, run as the unprivileged `postgres` user when the tests run as root
/// (PostgreSQL refuses root). Tests share one per process and each takes databases of its own.
public final class PostgresCluster: Sendable {
    public let folder: URL
    public let port: Int
    let binaries: URL

    /// The cluster every test of the process shares, stopped and removed when the process ends.
    public static func shared() async throws -> PostgresCluster { try await sharing.value }

    private static let sharing = Task { () throws -> PostgresCluster in
        let cluster = try await PostgresCluster.start()
        sharedFolder = cluster.folder.path
        atexit {
            guard let folder = PostgresCluster.sharedFolder else { return }
            PostgresCluster.stopAndRemove(folder: folder)
        }
        return cluster
    }

    nonisolated(unsafe) private static var sharedFolder: String?

    private init(folder: URL, port: Int, binaries: URL) {
        self.folder = folder
        self.port = port
        self.binaries = binaries
    }

    /// Creates and starts a new cluster with a superuser `reclab` trusted on 127.0.0.1.
    public static func start() async throws -> PostgresCluster {
        let binaries = try installedBinaries()
        let folder = URL(fileURLWithPath: "/tmp/reclab-pg-\(UUID().uuidString.prefix(8))", isDirectory: true)
        // Readable by the server's user, whoever runs the tests.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: folder.path) }
        try await runAsServer(binaries.appending(path: "initdb"), ["-D", folder.appending(path: "data").path, "-U", "reclab", "--auth=trust", "-E", "UTF8", "--no-sync"])
        // A port another process holds makes pg_ctl fail: try a few.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 40_000..<60_000)
            let cluster = PostgresCluster(folder: folder, port: port, binaries: binaries)
            do {
                try await cluster.startServer()
                return cluster
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Starts the server on its data (again, after `crash()`).
    public func startServer() async throws {
        try await Self.runAsServer(binaries.appending(path: "pg_ctl"), [
            "-D", folder.appending(path: "data").path, "-l", folder.appending(path: "log").path, "-w", "-t", "60",
            "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on", "start",
        ])
    }

    /// Stops the server the way a crash does: no checkpoint, so restarting replays the WAL.
    public func crash() async throws {
        try await Self.runAsServer(binaries.appending(path: "pg_ctl"), ["-D", folder.appending(path: "data").path, "-m", "immediate", "stop"])
    }

    /// Stops the server and deletes its folder.
    public func remove() {
        Self.stopAndRemove(folder: folder.path)
    }

    /// A new empty database (or a copy of `template`), as a URL DATABASE_URL accepts.
    public func createDatabase(template: String? = nil) async throws -> String {
        let name = "reclab_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        var arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-U", "reclab"]
        if let template { arguments += ["-T", template] }
        // A template must have no session open: a store just closed may still be leaving.
        for attempt in 0..<50 {
            do {
                try await Self.run(binaries.appending(path: "createdb"), arguments + [name])
                break
            } catch where attempt < 49 && template != nil {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        return url(database: name)
    }

    public func url(database: String) -> String { "postgres://reclab@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// A database holding ml-latest-small, made once per cluster and copied for each caller.
    public func movieLensDatabase() async throws -> String {
        try await createDatabase(template: try await movieLensTemplate.value)
    }

    private var movieLensTemplate: Task<String, any Error> {
        Self.templates.withLock { templates in
            if let task = templates[folder.path] { return task }
            let task = Task { [self] () throws -> String in
                let url = try await createDatabase()
                let store = try await PostgresStore(url: url, poolSize: 2)
                _ = try await CatalogueImport.run(paths: [SharedFolder.datasets().appending(path: "ml-latest-small")], into: store)
                store.close()
                return String(url.split(separator: "/").last!.split(separator: "?").first!)
            }
            templates[folder.path] = task
            return task
        }
    }

    private static let templates = Mutex<[String: Task<String, any Error>]>([:])

    static func installedBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw ClusterFailure("PostgreSQL is not installed: install Debian's postgresql package (scripts/setup.sh does)")
        }
        return root.appending(path: "\(newest)/bin")
    }

    static func stopAndRemove(folder: String) {
        guard let binaries = try? installedBinaries() else { return }
        let stop = Process()
        let pgctl = binaries.appending(path: "pg_ctl").path
        let arguments = ["-D", folder + "/data", "-m", "immediate", "stop"]
        if getuid() == 0 {
            stop.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            stop.arguments = ["-u", "postgres", "--", pgctl] + arguments
        } else {
            stop.executableURL = URL(fileURLWithPath: pgctl)
            stop.arguments = arguments
        }
        stop.standardOutput = FileHandle.nullDevice
        stop.standardError = FileHandle.nullDevice
        try? stop.run()
        stop.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a server program (initdb, pg_ctl) as `postgres` when the tests run as root.
    static func runAsServer(_ program: URL, _ arguments: [String]) async throws {
        if getuid() == 0 {
            try await run(URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "postgres", "--", program.path] + arguments)
        } else {
            try await run(program, arguments)
        }
    }

    /// Runs a program to its end on a thread of its own (not one of the cooperative pool).
    /// Through `system`, which waits for its own child: Foundation's `Process` does not see a
    /// pg_ctl end while the server it started holds descriptors pg_ctl inherited.
    static func run(_ program: URL, _ arguments: [String]) async throws {
        let printed = FileManager.default.temporaryDirectory.appending(path: "reclab-pg-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: printed) }
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = ([program.path] + arguments).map(quoted).joined(separator: " ") + " </dev/null >\(quoted(printed.path)) 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: system(command)) }
        }
        guard status == 0 else {
            let text = (try? String(contentsOf: printed, encoding: .utf8)) ?? ""
            throw ClusterFailure("\(program.lastPathComponent) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
    }

    struct ClusterFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// The backends the repository tests run on, each giving a test a store of its own.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// An empty store, migrated.
    public func emptyStore() async throws -> any Repositories {
        switch self {
        case .sqlite: try SQLiteStore(path: makeTemporaryDirectory("store").appending(path: "db.sqlite").path)
        case .postgres: try await PostgresStore(url: try await PostgresCluster.shared().createDatabase(), poolSize: 4)
        }
    }

    /// A second store on the same data, as another process opens it.
    public func sameData(as store: any Repositories) async throws -> any Repositories {
        switch store {
        case let sqlite as SQLiteStore: try SQLiteStore(path: sqlite.path)
        case let postgres as PostgresStore: try await PostgresStore(url: postgres.url, poolSize: 4)
        default: preconditionFailure("unknown backend")
        }
    }
}
