import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SQLite's counterpart of PostgreSQL's NOTIFY: a process that commits a change to the feed
/// writes a byte to a small file beside the database, after the commit, and every process
/// following the feed watches that file (inotify). A commit through one store wakes the
/// others at once, not at their next poll, and tells them their memory may be stale.
final class ChangeSignal: Sendable {
    /// `<database>-changes`, beside SQLite's own `-wal` and `-shm`.
    let path: String
    private let descriptor: Int32
    private static let queue = DispatchQueue(label: "reclab.sqlite.change-signal")

    init(database: String) throws {
        path = database + "-changes"
        descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("cannot open \(path)") }
    }

    deinit { close(descriptor) }

    /// Wakes every watcher; called once the change is committed, so what it wakes them for is
    /// there to read.
    func announce() {
        var byte: UInt8 = 1
        _ = pwrite(descriptor, &byte, 1, 0)
    }

    /// Calls `heard` after every announcement from now on, in any process, until the returned
    /// source is cancelled.
    func watch(_ heard: @escaping @Sendable () -> Void) throws -> any DispatchSourceRead {
        let events = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard events >= 0 else { throw Self.error("inotify_init1") }
        guard inotify_add_watch(events, path, UInt32(IN_MODIFY)) >= 0 else {
            let error = Self.error("watching \(path)")
            close(events)
            throw error
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: events, queue: Self.queue)
        source.setEventHandler {
            // The events say only "modified": drain them, then tell once.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while read(events, &buffer, buffer.count) > 0 {}
            heard()
        }
        source.setCancelHandler { close(events) }
        source.resume()
        return source
    }

    private static func error(_ doing: String) -> any Error {
        DatabaseFileError.unreadable(path: doing, reason: String(cString: strerror(errno)))
    }
}
