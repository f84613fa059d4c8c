import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Why a database file cannot be served, in words an operator can act on.
public enum DatabaseFileError: Error, Equatable, CustomStringConvertible {
    case inUse(path: String)
    case notSQLite(path: String)
    case damaged(path: String, detail: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .inUse(let path):
            "\(path) is in use by another `reclab serve`; stop it first (two servers on one SQLite file would each cache their own answers)"
        case .notSQLite(let path):
            "\(path) is not a SQLite database; refusing to touch it (point DATABASE_URL at a RecLab database or a new path)"
        case .damaged(let path, let detail):
            "\(path) is damaged (\(detail)); restore it from a backup or move it aside, nothing was changed"
        case .unreadable(let path, let reason):
            "cannot open \(path): \(reason)"
        }
    }
}

/// The claim one server process holds on its database file (an exclusive `flock`, released
/// when the process ends, however it ends), so a second `reclab serve` on the file is refused.
/// `reclab import` and `reclab evaluate` do not take it: they may run beside a server.
public final class DatabaseFileClaim: Sendable {
    private let descriptor: Int32

    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Opening never truncates or writes: a file that is not a database stays as it was.
        descriptor = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DatabaseFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DatabaseFileError.inUse(path: path)
        }
        // SQLite's own locks are fcntl locks, which flock does not touch; this descriptor stays
        // open for the process's life, so closing it cannot drop them either.
    }

    deinit { close(descriptor) }
}

extension SQLiteStore {
    /// Opens the database for serving: refuses a file that is not SQLite, or one whose pages
    /// do not check out (a truncated copy, a torn disk), before anything is written to it.
    public static func openChecked(path: String) throws -> SQLiteStore {
        if let file = FileHandle(forReadingAtPath: path) {
            let header = (try? file.read(upToCount: 16)) ?? Data()
            try? file.close()
            // An empty file is a new database; anything else must start as SQLite files do.
            if !header.isEmpty {
                guard header == Data("SQLite format 3\u{0}".utf8) else { throw DatabaseFileError.notSQLite(path: path) }
                try checkPages(path: path)
            }
        }
        return try SQLiteStore(path: path)
    }

    /// `PRAGMA quick_check` on a read-only connection (no migration, no WAL switch). SQLite
    /// may create the `-wal` and `-shm` files to read a WAL database; a damaged file is left
    /// as it was found, without them.
    private static func checkPages(path: String) throws {
        let sidecars = ["-wal", "-shm"].map { path + $0 }.filter { !FileManager.default.fileExists(atPath: $0) }
        do {
            try quickCheck(path: path)
        } catch {
            for sidecar in sidecars { try? FileManager.default.removeItem(atPath: sidecar) }
            throw error
        }
    }

    private static func quickCheck(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let findings = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            guard findings == ["ok"] else {
                throw DatabaseFileError.damaged(path: path, detail: findings.prefix(3).joined(separator: "; "))
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_NOTADB { throw DatabaseFileError.notSQLite(path: path) }
            throw DatabaseFileError.damaged(path: path, detail: error.message ?? "\(error.resultCode)")
        }
    }
}
