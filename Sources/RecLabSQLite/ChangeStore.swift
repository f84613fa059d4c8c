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
            try Row.fetchAll(db, sql: "SELECT position, user_id FROM store_changes WHERE position > ? ORDER BY position LIMIT ?", arguments: [position, limit])
                .map { row in
                    let user: String? = row["user_id"]
                    return StoreChange(position: row["position"], subject: user.map { .user($0) } ?? .catalogue)
                }
        }
    }

    /// Records a change inside the writing transaction, so it is seen exactly when the write is.
    static func recordChange(_ db: Database, user: String?) throws {
        try db.execute(sql: "INSERT INTO store_changes (user_id) VALUES (?)", arguments: [user])
        let position = db.lastInsertedRowID
        if position % 1_000 == 0 {
            try db.execute(sql: "DELETE FROM store_changes WHERE position <= ?", arguments: [position - keptChanges])
        }
    }
}
