import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: ExposureRepository {
    public func record(_ exposures: [Exposure]) async throws {
        guard !exposures.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO exposures (request_id, experiment, variant, user_id, surface, exposed_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            for exposure in exposures {
                try insert.execute(arguments: [
                    exposure.requestID, exposure.experiment, exposure.variant, exposure.userID, exposure.surface, exposure.exposedAt,
                ])
            }
        }
    }

    public func activity(experiment: String) async throws -> [VariantUserActivity] {
        try await pool.read { db in
            // Counting distinct request:movie pairs makes a repeated click or a re-sent
            // impression count once, so CTR stays a share of what was shown.
            let rows = try Row.fetchAll(db, sql: """
                SELECT x.variant, x.user_id,
                       COUNT(DISTINCT x.request_id) AS exposures,
                       COUNT(DISTINCT CASE WHEN e.type = 'impression' THEN e.request_id || ':' || e.movie_id END) AS impressions,
                       COUNT(DISTINCT CASE WHEN e.type = 'click' THEN e.request_id || ':' || e.movie_id END) AS clicks,
                       COUNT(DISTINCT CASE WHEN e.type = 'watch' THEN e.request_id || ':' || e.movie_id END) AS watches
                FROM exposures x
                LEFT JOIN events e ON e.request_id = x.request_id AND e.user_id = x.user_id
                WHERE x.experiment = ?
                GROUP BY x.variant, x.user_id
                ORDER BY x.variant, x.user_id
                """, arguments: [experiment])
            return rows.map { row in
                VariantUserActivity(
                    variant: row["variant"], userID: row["user_id"], exposures: row["exposures"], impressions: row["impressions"],
                    clicks: row["clicks"], watches: row["watches"])
            }
        }
    }
}
