import GRDB
import RecLabStore

extension SQLiteStore: ChangeFeed {
    /// Changes kept for processes that read late; one that falls further behind sees a gap
    /// and starts afresh.
    static let keptChanges: Int64 = 100_000

    public func latestChange() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(position) FROM store_changes") ?? 0 }
    }

    public func changes(after position: Int64, limit: Int) async throws -> [StoreChange] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT position, user_id, refitted_by, kind FROM store_changes WHERE position > ? ORDER BY position LIMIT ?",
                arguments: [position, limit]
            ).map { row in
                StoreChange(position: row["position"], subject: .init(user: row["user_id"], refittedBy: row["refitted_by"], kind: row["kind"]))
            }
        }
    }

    public func announceRefit(by process: String) async throws {
        try await pool.write { db in try self.recordChange(db, .models(refittedBy: process)) }
    }

    /// Ticks every `interval`, and as soon as any process commits a change through a store on
    /// this file (its signal file, watched with inotify).
    public func wakeUps(every interval: Duration, announcements: ChangeAnnouncements) -> AsyncStream<Void> {
        Self.wakeUps(every: interval, announcements: announcements) { [signal] listener in
            // Without a watch (no inotify), the feed is polled and memory it keeps is never trusted.
            guard let watch = try? signal.watch(heard: { listener.heard() }, heardOwn: { listener.heardOwn() }) else { return }
            listener.started()
            while (try? await Task.sleep(for: .seconds(3600))) != nil {}
            watch.cancel()
        }
    }

    /// Records a change inside the writing transaction, so it is seen exactly when the write
    /// is, and announces it once committed.
    func recordChange(_ db: Database, _ subject: StoreChange.Subject) throws {
        let columns = subject.columns
        try db.execute(
            sql: "INSERT INTO store_changes (user_id, refitted_by, kind) VALUES (?, ?, ?)", arguments: [columns.user, columns.refittedBy, columns.kind])
        let position = db.lastInsertedRowID
        if position % 1_000 == 0 {
            try db.execute(sql: "DELETE FROM store_changes WHERE position <= ?", arguments: [position - Self.keptChanges])
        }
        db.afterNextTransaction(onCommit: { [signal] _ in signal.announce() })
    }
}
