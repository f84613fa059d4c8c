import Foundation
import PostgresNIO
import RecLabStore

extension PostgresStore: EvaluationRepository {
    public func save(_ evaluation: StoredEvaluation) async throws {
        try await client.query("""
            INSERT INTO evaluations (id, name, protocol_version, created_at, report_json, report_html)
            VALUES (\(evaluation.id), \(evaluation.name), \(evaluation.protocolVersion), \(evaluation.createdAt), \(evaluation.json), \(evaluation.html))
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, protocol_version = excluded.protocol_version,
                created_at = excluded.created_at, report_json = excluded.report_json, report_html = excluded.report_html
            """, logger: logger)
    }

    public func evaluations() async throws -> [StoredEvaluation] {
        try await rows("SELECT * FROM evaluations ORDER BY created_at DESC, id DESC").map(Self.evaluation)
    }

    public func evaluationIDs() async throws -> [String] {
        try await rows("SELECT id FROM evaluations ORDER BY created_at DESC, id DESC").map { try $0.get("id") }
    }

    public func evaluation(id: String) async throws -> StoredEvaluation? {
        try await rows("SELECT * FROM evaluations WHERE id = \(id)").first.map(Self.evaluation)
    }

    static func evaluation(_ row: PostgresRandomAccessRow) throws -> StoredEvaluation {
        StoredEvaluation(
            id: try row.get("id"), name: try row.get("name"), protocolVersion: try row.get("protocol_version"),
            createdAt: try row.get("created_at"), json: try row.get("report_json"), html: try row.get("report_html"))
    }
}

extension PostgresStore: EventRepository {
    public func record(_ events: [FeedbackEvent]) async throws -> EventReceipt {
        guard !events.isEmpty else { return EventReceipt(stored: 0, duplicates: 0) }
        return try await transaction { connection in
            let movies = Set(events.map(\.tmdbID))
            let known = Set(try await rows("SELECT tmdb_id FROM movies WHERE tmdb_id = ANY(\(movies.map(Int64.init)))", on: connection)
                .map { try $0.get("tmdb_id", as: Int.self) })
            let unknown = movies.subtracting(known).sorted()
            guard unknown.isEmpty else { throw StoreError.unknownMovies(tmdbIDs: unknown) }
            // As few statements as the batch allows; RETURNING names the events that were new.
            var stored: [PostgresRandomAccessRow] = []
            for (sql, arguments) in PostgresStatements.batched("""
                INSERT INTO events (event_id, type, user_id, movie_id, request_id, rating, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, to_timestamp(?)) ON CONFLICT (user_id, event_id) DO NOTHING RETURNING type
                """, rows: events.map { event in
                    [.text(event.eventID), .text(event.kind.rawValue), .text(event.userID), SQLValue(event.tmdbID), SQLValue(event.requestID),
                     SQLValue(event.rating), .real(event.occurredAt.timeIntervalSince1970)]
                }) {
                stored += try await rows(PostgresQuery(placeholders: sql, arguments), on: connection)
            }
            var byKind: [FeedbackEvent.Kind: Int] = [:]
            for row in stored { byKind[FeedbackEvent.Kind(rawValue: try row.get("type"))!, default: 0] += 1 }
            return EventReceipt(stored: stored.count, duplicates: events.count - stored.count, storedByKind: byKind)
        }
    }
}

extension PostgresStore: ExposureRepository {
    public func record(_ exposures: [Exposure]) async throws {
        guard !exposures.isEmpty else { return }
        try await transaction { connection in
            for (sql, arguments) in PostgresStatements.batched("""
                INSERT INTO exposures (request_id, experiment, variant, user_id, surface, exposed_at, movie_ids)
                VALUES (?, ?, ?, ?, ?, to_timestamp(?), string_to_array(?, ',')::bigint[]) ON CONFLICT (request_id) DO NOTHING
                """, rows: exposures.map { exposure in
                    [.text(exposure.requestID), .text(exposure.experiment), .text(exposure.variant), .text(exposure.userID), .text(exposure.surface),
                     .real(exposure.exposedAt.timeIntervalSince1970), .text(exposure.movies.map(String.init).joined(separator: ","))]
                }) {
                try await connection.execute(sql, arguments, logger: logger)
            }
            let picks = exposures.flatMap { exposure in exposure.picks.map { (exposure.requestID, $0.movie, $0.team) } }
            guard !picks.isEmpty else { return }
            for (sql, arguments) in PostgresStatements.batched(
                "INSERT INTO exposure_teams (request_id, movie_id, team) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                rows: picks.map { [.text($0.0), .integer(Int64($0.1)), .text($0.2)] }) {
                try await connection.execute(sql, arguments, logger: logger)
            }
        }
    }

    /// When the event `e` (an alias) counts for the exposure `x` it names (`$2` the window in
    /// seconds or NULL). The window runs on the server's clocks (`received_at`, `exposed_at`),
    /// never on the client's `timestamp`, which a client could set to anything.
    static func credited(_ e: String) -> String {
        """
        \(e).user_id = x.user_id
        AND \(e).movie_id = ANY(x.movie_ids)
        AND ($2::double precision IS NULL OR \(e).received_at BETWEEN x.exposed_at - interval '1 second'
                                                                  AND x.exposed_at + $2::double precision * interval '1 second')
        """
    }

    public func activity(experiment: String, attributionWindow: Duration?) async throws -> ExperimentActivity {
        var bindings = PostgresBindings()
        bindings.append(experiment)
        bindings.append(attributionWindow.map { Double($0.components.seconds) })
        return try await client.withConnection { connection in
            let users = try await rows(
                PostgresQuery(unsafeSQL: ActivityQueries.perUser(credited: Self.credited, experiment: "$1", bytewise: #"COLLATE "C""#), binds: bindings),
                on: connection
            ).map { row in
                VariantUserActivity(
                    variant: try row.get("variant"), userID: try row.get("user_id"), exposures: try row.get("exposures"),
                    impressions: try row.get("impressions"), clicks: try row.get("clicks"), watches: try row.get("watches"),
                    firstExposedAt: try row.get("first_exposed_at"))
            }
            let teams = try await rows(
                PostgresQuery(unsafeSQL: ActivityQueries.perTeam(credited: Self.credited, experiment: "$1", bytewise: #"COLLATE "C""#), binds: bindings),
                on: connection
            ).map { row in
                TeamUserActivity(
                    userID: try row.get("user_id"), team: try row.get("team"), impressions: try row.get("impressions"),
                    clicks: try row.get("clicks"), watches: try row.get("watches"))
            }
            let unattributed = try await rows(
                PostgresQuery(unsafeSQL: ActivityQueries.unattributed(credited: Self.credited, experiment: "$1"), binds: bindings), on: connection
            )[0].get("events", as: Int.self)
            return ExperimentActivity(users: users, unattributedEvents: unattributed, teams: teams)
        }
    }

    public func deleteEvidence(before cutoff: Date) async throws -> (events: Int, exposures: Int) {
        try await transaction { connection in
            let counts = try await rows("""
                WITH events AS (DELETE FROM events WHERE received_at < \(cutoff) RETURNING 1),
                     exposures AS (DELETE FROM exposures WHERE exposed_at < \(cutoff) RETURNING 1)
                SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM exposures) AS exposures
                """, on: connection)[0]
            return (try counts.get("events"), try counts.get("exposures"))
        }
    }

    public func shownUnclicked(to user: String, since: Date) async throws -> Set<Int> {
        let shown = try await rows("SELECT exposed_at, movie_ids FROM exposures WHERE user_id = \(user) AND exposed_at >= \(since)").map { row in
            (at: try row.get("exposed_at", as: Date.self), movies: try row.get("movie_ids", as: [Int64].self).map(Int.init))
        }
        guard !shown.isEmpty else { return [] }
        let clicks = try await rows("""
            SELECT movie_id, received_at FROM events WHERE user_id = \(user) AND type = 'click' AND received_at >= \(since)
            """).map { row in (movie: Int(try row.get("movie_id", as: Int64.self)), at: try row.get("received_at", as: Date.self)) }
        return ShownUnclicked.movies(shown: shown, clicks: clicks)
    }
}
