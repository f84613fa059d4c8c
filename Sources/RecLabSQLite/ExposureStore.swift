import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: ExposureRepository {
    public func record(_ exposures: [Exposure]) async throws {
        guard !exposures.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO exposures (request_id, experiment, variant, user_id, surface, exposed_at, movie_ids)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let team = try db.cachedStatement(sql: "INSERT OR IGNORE INTO exposure_teams (request_id, movie_id, team) VALUES (?, ?, ?)")
            for exposure in exposures {
                try insert.execute(arguments: [
                    exposure.requestID, exposure.experiment, exposure.variant, exposure.userID, exposure.surface, exposure.exposedAt,
                    "," + exposure.movies.map(String.init).joined(separator: ",") + ",",
                ])
                for pick in exposure.picks {
                    try team.execute(arguments: [exposure.requestID, pick.movie, pick.team])
                }
            }
        }
    }

    /// When the event `e` (an alias) counts for the exposure `x` it names (`:window` in days
    /// or NULL). The window runs on the server's clocks (`received_at`, `exposed_at`), never on
    /// the client's `timestamp`, which a client could set to anything.
    static func credited(_ e: String) -> String {
        """
        \(e).user_id = x.user_id
        AND (x.movie_ids IS NULL OR instr(x.movie_ids, ',' || \(e).movie_id || ',') > 0)
        AND (:window IS NULL OR julianday(\(e).received_at) BETWEEN julianday(x.exposed_at) - 1.0 / 86400 AND julianday(x.exposed_at) + :window)
        """
    }

    public func activity(experiment: String, attributionWindow: Duration?) async throws -> ExperimentActivity {
        let arguments: StatementArguments = ["experiment": experiment, "window": attributionWindow.map { Double($0.components.seconds) / 86_400 }]
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: ActivityQueries.perUser(credited: Self.credited, experiment: ":experiment", bytewise: ""), arguments: arguments)
            let unattributed = try Int.fetchOne(db, sql: ActivityQueries.unattributed(credited: Self.credited, experiment: ":experiment"), arguments: arguments) ?? 0
            let teams = try Row.fetchAll(db, sql: ActivityQueries.perTeam(credited: Self.credited, experiment: ":experiment", bytewise: ""), arguments: arguments)
            return ExperimentActivity(
                users: rows.map { row in
                    VariantUserActivity(
                        variant: row["variant"], userID: row["user_id"], exposures: row["exposures"], impressions: row["impressions"],
                        clicks: row["clicks"], watches: row["watches"], firstExposedAt: row["first_exposed_at"])
                },
                unattributedEvents: unattributed,
                teams: teams.map { row in
                    TeamUserActivity(
                        userID: row["user_id"], team: row["team"], impressions: row["impressions"], clicks: row["clicks"], watches: row["watches"])
                })
        }
    }

    public func deleteEvidence(before cutoff: Date) async throws -> (events: Int, exposures: Int) {
        try await pool.write { db in
            // Both columns are UTC text that sorts as time ("2026-11-30 10:00:00[.000]"), so
            // the comparison can use their indexes.
            try db.execute(sql: "DELETE FROM events WHERE received_at < ?", arguments: [cutoff])
            let events = db.changesCount
            try db.execute(sql: "DELETE FROM exposures WHERE exposed_at < ?", arguments: [cutoff])
            return (events, db.changesCount)
        }
    }

    public func shownUnclicked(to user: String, since: Date) async throws -> Set<Int> {
        try await pool.read { db in
            // Seconds since 1970 from SQLite itself, and the ids read off the text's bytes: a
            // user's day of answers can be hundreds of rows, and parsing each row's date text
            // and splitting its list cost more than the query.
            var shown: [(at: Date, movies: [Int])] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT (julianday(exposed_at) - 2440587.5) * 86400.0, movie_ids FROM exposures WHERE user_id = ? AND exposed_at >= ?",
                arguments: [user, since])
            while let row = try rows.next() {
                var movies: [Int] = []
                var value = 0
                var digits = false
                for byte in (row[1] as String? ?? "").utf8 {
                    if byte >= 0x30, byte <= 0x39 {
                        value = value * 10 + Int(byte - 0x30)
                        digits = true
                    } else if digits {
                        movies.append(value)
                        (value, digits) = (0, false)
                    }
                }
                if digits { movies.append(value) }
                shown.append((Date(timeIntervalSince1970: row[0]), movies))
            }
            guard !shown.isEmpty else { return [] }
            let clicks = try Row.fetchAll(
                db, sql: "SELECT movie_id, received_at FROM events WHERE user_id = ? AND type = 'click' AND received_at >= ?", arguments: [user, since]
            ).map { row in (movie: row["movie_id"] as Int, at: row["received_at"] as Date) }
            return ShownUnclicked.movies(shown: shown, clicks: clicks)
        }
    }
}
