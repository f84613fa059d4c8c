import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: ReplicaRegistry {
    public func checkIn(process: String, expiry: Duration) async throws -> Int {
        try await pool.write { db in
            // One machine's clock: every process sharing a SQLite file runs on it.
            let now = Date().timeIntervalSince1970
            try db.execute(sql: """
                INSERT INTO replicas (process, seen_at) VALUES (?, ?) ON CONFLICT (process) DO UPDATE SET seen_at = excluded.seen_at
                """, arguments: [process, now])
            try db.execute(sql: "DELETE FROM replicas WHERE seen_at < ?", arguments: [now - Double(expiry.components.seconds)])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM replicas") ?? 1
        }
    }

    public func checkOut(process: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM replicas WHERE process = ?", arguments: [process]) }
    }
}
