import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SQLite's counterpart of PostgreSQL's NOTIFY: a process that commits a change to the feed
/// appends its token (8 bytes) to a small file beside the database, after the commit, and
/// every process following the feed watches that file (inotify) and reads what was appended.
/// A commit through one store wakes the others at once, not at their next poll, and tells
/// them their memory may be stale; its own commits it recognises by the token.
final class ChangeSignal: Sendable {
    /// `<database>-changes`, beside SQLite's own `-wal` and `-shm`.
    let path: String
    /// This store's token, random: what its own announcements carry.
    let token = UInt64.random(in: 1...UInt64.max)
    private let descriptor: Int32
    private static let queue = DispatchQueue(label: "reclab.sqlite.change-signal")
    /// Past this size an announcing process empties the file; a watcher that finds it shorter
    /// than what it read takes that as another process's change.
    private static let maxSize = 64 * 1024

    init(database: String) throws {
        path = database + "-changes"
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("cannot open \(path)") }
    }

    deinit { close(descriptor) }

    /// Wakes every watcher; called once the change is committed, so what it wakes them for is
    /// there to read. One append of 8 bytes, which no other append interleaves with.
    func announce() {
        var status = stat()
        if fstat(descriptor, &status) == 0, Int(status.st_size) > Self.maxSize { _ = ftruncate(descriptor, 0) }
        var record = token
        _ = write(descriptor, &record, 8)
    }

    /// Calls `heard` after every announcement of another process from now on, `heardOwn`
    /// after this store's own, until the returned source is cancelled.
    func watch(heard: @escaping @Sendable () -> Void, heardOwn: @escaping @Sendable () -> Void) throws -> any DispatchSourceRead {
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw Self.error("cannot read \(path)") }
        let events = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard events >= 0 else {
            close(reader)
            throw Self.error("inotify_init1")
        }
        guard inotify_add_watch(events, path, UInt32(IN_MODIFY)) >= 0 else {
            let error = Self.error("watching \(path)")
            close(events)
            close(reader)
            throw error
        }
        // What was there before the watch began is not news.
        let consumed = Mutex(Int(lseek(reader, 0, SEEK_END)))
        let token = token
        let source = DispatchSource.makeReadSource(fileDescriptor: events, queue: Self.queue)
        source.setEventHandler {
            // The events say only "modified": drain them, then read what was appended.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while read(events, &buffer, buffer.count) > 0 {}
            var foreign = false
            consumed.withLock { offset in
                var status = stat()
                guard fstat(reader, &status) == 0 else {
                    foreign = true
                    return
                }
                if Int(status.st_size) < offset {
                    // Emptied since: announcements may have been missed.
                    offset = 0
                    foreign = true
                }
                var record: UInt64 = 0
                // Whole records only; a partial one is read at the next event.
                while pread(reader, &record, 8, off_t(offset)) == 8 {
                    offset += 8
                    if record != token { foreign = true }
                }
            }
            if foreign { heard() } else { heardOwn() }
        }
        source.setCancelHandler {
            close(events)
            close(reader)
        }
        source.resume()
        return source
    }

    private static func error(_ doing: String) -> any Error {
        DatabaseFileError.unreadable(path: doing, reason: String(cString: strerror(errno)))
    }
}
