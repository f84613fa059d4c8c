import Logging
import PostgresNIO
import RecLabStore

extension PostgresStore: ChangeFeed {
    /// Changes kept for processes that read late; one that falls further behind sees a gap
    /// and starts afresh.
    static let keptChanges: Int64 = 100_000
    /// The channel every change is announced on, at its commit.
    static let changeChannel = "reclab_changes"

    public func latestChange() async throws -> Int64 {
        try await rows("SELECT position FROM store_change_counter")[0].get("position")
    }

    public func changes(after position: Int64, limit: Int) async throws -> [StoreChange] {
        try await rows("SELECT position, user_id, refitted_by, kind FROM store_changes WHERE position > \(position) ORDER BY position LIMIT \(Int64(limit))").map { row in
            StoreChange(
                position: try row.get("position"),
                subject: .init(user: try row.get("user_id"), refittedBy: try row.get("refitted_by"), kind: try row.get("kind")))
        }
    }

    public func announceRefit(by process: String) async throws {
        try await transaction { connection in try await recordChange(.models(refittedBy: process), on: connection) }
    }

    /// Ticks every `interval`, and as soon as any process commits a change: each process
    /// listens on the channel with one connection of its pool.
    public func wakeUps(every interval: Duration, announcements: ChangeAnnouncements) -> AsyncStream<Void> {
        Self.wakeUps(every: interval, announcements: announcements) { [client, logger, changeToken] listener in
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.changeChannel) { notifications in
                            // LISTEN has been answered: every commit from now on is announced.
                            listener.started()
                            for try await notification in notifications {
                                if notification.payload.hasSuffix(" " + changeToken) { listener.heardOwn() } else { listener.heard() }
                            }
                        }
                    }
                    listener.stopped()
                } catch {
                    listener.stopped()
                    if Task.isCancelled { return }
                    logger.warning("listening for the store's changes failed; polling meanwhile", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    /// Records a change inside the writing transaction, as its last statement: the counter row
    /// stays locked to the commit, so positions become visible in order, and NOTIFY is sent at
    /// the commit, with the position and this store's token. One statement, so the lock is held for one round trip and the commit only:
    /// writers queue on it.
    func recordChange(_ subject: StoreChange.Subject, on connection: PostgresConnection) async throws {
        let (user, refittedBy, kind) = subject.columns
        let position = try await rows("""
            WITH next AS (UPDATE store_change_counter SET position = position + 1 RETURNING position),
                 recorded AS (
                     INSERT INTO store_changes (position, user_id, refitted_by, kind) SELECT position, \(user), \(refittedBy), \(kind) FROM next
                     RETURNING position)
            SELECT position, pg_notify(\(Self.changeChannel), position::text || ' ' || \(changeToken)) FROM recorded
            """, on: connection)[0].get("position", as: Int64.self)
        if position % 1_000 == 0 {
            try await connection.query("DELETE FROM store_changes WHERE position <= \(position - Self.keptChanges)", logger: logger)
        }
    }
}
