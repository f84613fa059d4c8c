import Foundation
import PostgresNIO
import RecLabStore

extension PostgresStore: AvailabilityRepository {
    public func availability() async throws -> [MovieAvailability] {
        try await rows("SELECT tmdb_id, hidden, hidden_until, available_from, available_until FROM movie_availability ORDER BY tmdb_id").map { row in
            MovieAvailability(
                tmdbID: Int(try row.get("tmdb_id", as: Int64.self)), hidden: try row.get("hidden"), hiddenUntil: try row.get("hidden_until"),
                availableFrom: try row.get("available_from"), availableUntil: try row.get("available_until"))
        }
    }

    public func hide(tmdbID: Int, until: Date?) async throws {
        try await transaction { connection in
            _ = try await rows("""
                INSERT INTO movie_availability (tmdb_id, hidden, hidden_until) VALUES (\(Int64(tmdbID)), true, \(until))
                ON CONFLICT (tmdb_id) DO UPDATE SET hidden = true, hidden_until = excluded.hidden_until
                """, on: connection)
            try await recordChange(.availability, on: connection)
        }
    }

    public func unhide(tmdbID: Int) async throws -> Bool {
        try await transaction { connection in
            let shown = try await rows("""
                UPDATE movie_availability SET hidden = false, hidden_until = NULL WHERE tmdb_id = \(Int64(tmdbID)) AND hidden RETURNING tmdb_id
                """, on: connection)
            guard !shown.isEmpty else { return false }
            try await dropIfEmpty(tmdbID, on: connection)
            try await recordChange(.availability, on: connection)
            return true
        }
    }

    public func setWindow(tmdbID: Int, from: Date?, until: Date?) async throws {
        try await transaction { connection in
            _ = try await rows("""
                INSERT INTO movie_availability (tmdb_id, available_from, available_until) VALUES (\(Int64(tmdbID)), \(from), \(until))
                ON CONFLICT (tmdb_id) DO UPDATE SET available_from = excluded.available_from, available_until = excluded.available_until
                """, on: connection)
            try await dropIfEmpty(tmdbID, on: connection)
            try await recordChange(.availability, on: connection)
        }
    }

    /// A movie neither hidden nor windowed needs no row.
    private func dropIfEmpty(_ tmdbID: Int, on connection: PostgresConnection) async throws {
        _ = try await rows("""
            DELETE FROM movie_availability
            WHERE tmdb_id = \(Int64(tmdbID)) AND NOT hidden AND available_from IS NULL AND available_until IS NULL
            """, on: connection)
    }
}
