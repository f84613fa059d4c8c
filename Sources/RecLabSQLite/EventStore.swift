import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: EventRepository {
    public func record(_ events: [FeedbackEvent]) async throws -> EventReceipt {
        try await pool.write { db in
            let movies = Set(events.map(\.tmdbID))
            let known = Set(try Int.fetchAll(db, sql: "SELECT tmdb_id FROM movies WHERE tmdb_id IN (\(movies.map(String.init).joined(separator: ",")))"))
            let unknown = movies.subtracting(known).sorted()
            guard unknown.isEmpty else { throw StoreError.unknownMovies(tmdbIDs: unknown) }
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO events (event_id, type, user_id, movie_id, request_id, rating, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            var stored: [FeedbackEvent.Kind: Int] = [:]
            for event in events {
                try insert.execute(arguments: [
                    event.eventID, event.kind.rawValue, event.userID, event.tmdbID, event.requestID, event.rating, event.occurredAt,
                ])
                stored[event.kind, default: 0] += db.changesCount
            }
            let total = stored.values.reduce(0, +)
            return EventReceipt(stored: total, duplicates: events.count - total, storedByKind: stored.filter { $0.value > 0 })
        }
    }
}
