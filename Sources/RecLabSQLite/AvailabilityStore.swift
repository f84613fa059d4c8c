import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: AvailabilityRepository {
    public func availability() async throws -> [MovieAvailability] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT tmdb_id, hidden, hidden_until, available_from, available_until FROM movie_availability ORDER BY tmdb_id")
                .map { row in
                    func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
                    return MovieAvailability(
                        tmdbID: row["tmdb_id"], hidden: row["hidden"], hiddenUntil: date("hidden_until"), availableFrom: date("available_from"),
                        availableUntil: date("available_until"))
                }
        }
    }

    public func hide(tmdbID: Int, until: Date?) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO movie_availability (tmdb_id, hidden, hidden_until) VALUES (?, 1, ?)
                ON CONFLICT (tmdb_id) DO UPDATE SET hidden = 1, hidden_until = excluded.hidden_until
                """, arguments: [tmdbID, until?.timeIntervalSince1970])
            try self.recordChange(db, .availability)
        }
    }

    public func unhide(tmdbID: Int) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE movie_availability SET hidden = 0, hidden_until = NULL WHERE tmdb_id = ? AND hidden = 1", arguments: [tmdbID])
            guard db.changesCount > 0 else { return false }
            try Self.dropIfEmpty(db, tmdbID: tmdbID)
            try self.recordChange(db, .availability)
            return true
        }
    }

    public func setWindow(tmdbID: Int, from: Date?, until: Date?) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO movie_availability (tmdb_id, available_from, available_until) VALUES (?, ?, ?)
                ON CONFLICT (tmdb_id) DO UPDATE SET available_from = excluded.available_from, available_until = excluded.available_until
                """, arguments: [tmdbID, from?.timeIntervalSince1970, until?.timeIntervalSince1970])
            try Self.dropIfEmpty(db, tmdbID: tmdbID)
            try self.recordChange(db, .availability)
        }
    }

    /// A movie neither hidden nor windowed needs no row.
    private static func dropIfEmpty(_ db: Database, tmdbID: Int) throws {
        try db.execute(
            sql: "DELETE FROM movie_availability WHERE tmdb_id = ? AND hidden = 0 AND available_from IS NULL AND available_until IS NULL",
            arguments: [tmdbID])
    }
}
