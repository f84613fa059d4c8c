import PostgresNIO
import RecLabStore

extension PostgresStore: ReplicaRegistry {
    public func checkIn(process: String, expiry: Duration) async throws -> Int {
        // The database's clock, not the replicas': theirs may disagree.
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO replicas (process, seen_at) VALUES (\(process), now()) ON CONFLICT (process) DO UPDATE SET seen_at = now()
                """, logger: logger)
            try await connection.query(
                "DELETE FROM replicas WHERE seen_at < now() - \(Double(expiry.components.seconds)) * interval '1 second'", logger: logger)
            return try await rows("SELECT count(*) AS replicas FROM replicas", on: connection)[0].get("replicas", as: Int.self)
        }
    }

    public func checkOut(process: String) async throws {
        try await client.query("DELETE FROM replicas WHERE process = \(process)", logger: logger)
    }
}
