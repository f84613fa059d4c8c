import Foundation
import GRDB
import RecLabCore
import RecLabStore

extension SQLiteStore: InteractionRepository {
    public func trainingData(includingPreferences: Bool = true) async throws -> TrainingData {
        try await pool.read { db in
            // Every movie, in id order: naming all their ids instead made SQLite look each
            // rating's movie up in an index of the list.
            let items = try MovieLoader.movies(db, ids: nil).map(CatalogueItem.init(movie:))
            var interactions: [Interaction] = []
            interactions.reserveCapacity(110_000)
            let rows = try Row.fetchCursor(db, sql: "SELECT user_id, movie_id, rating, timestamp FROM ratings ORDER BY user_id, timestamp, movie_id")
            while let row = try rows.next() {
                let user: Int = row[0]
                interactions.append(Interaction(user: String(user), movie: row[1], rating: Float(row[2] as Double), timestamp: row[3]))
            }
            let preferences = includingPreferences ? try Self.preferenceInteractions(db, user: nil) : []
            return TrainingData(catalogue: Catalogue(items), interactions: Interaction.overlay(interactions, preferences))
        }
    }

    public func history(of user: String) async throws -> [Interaction] {
        try await pool.read { db in
            var ratings: [Interaction] = []
            if let movieLensUser = Int(user) {
                ratings = try Row.fetchAll(db, sql: "SELECT movie_id, rating, timestamp FROM ratings WHERE user_id = ? ORDER BY timestamp, movie_id", arguments: [movieLensUser])
                    .map { Interaction(user: user, movie: $0[0], rating: Float($0[1] as Double), timestamp: $0[2]) }
            }
            return Interaction.overlay(ratings, try Self.preferenceInteractions(db, user: user))
        }
    }

    public func recentUsers(limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT user FROM (
                    SELECT CAST(user_id AS TEXT) AS user, MAX(timestamp) AS latest FROM ratings GROUP BY user_id
                    UNION ALL
                    SELECT user_id, CAST(strftime('%s', MAX(updated_at)) AS INTEGER) FROM user_preferences GROUP BY user_id
                ) GROUP BY user ORDER BY MAX(latest) DESC, user LIMIT ?
                """, arguments: [limit])
        }
    }

    static func preferenceInteractions(_ db: Database, user: String?) throws -> [Interaction] {
        let filter = user == nil ? "" : "WHERE user_id = ?"
        return try Row.fetchAll(db, sql: """
            SELECT user_id, movie_id, rating, favorite, watchlist, watched, CAST(strftime('%s', updated_at) AS INTEGER) AS time
            FROM user_preferences \(filter) ORDER BY updated_at, movie_id
            """, arguments: StatementArguments(user.map { [$0] } ?? [])).compactMap { row in
            guard let rating = UserPreference.interactionRating(
                rating: row["rating"], favorite: row["favorite"], watchlist: row["watchlist"], watched: row["watched"])
            else { return nil }
            return Interaction(user: row["user_id"], movie: row["movie_id"], rating: rating, timestamp: row["time"])
        }
    }
}

extension SQLiteStore: PreferenceRepository {
    public func upsert(_ preference: PreferenceInput) async throws -> UserPreference {
        try await pool.write { db in
            guard let movie = try Int64.fetchOne(db, sql: "SELECT id FROM movies WHERE tmdb_id = ?", arguments: [preference.tmdbID]) else {
                throw StoreError.unknownMovie(tmdbID: preference.tmdbID)
            }
            try db.execute(sql: """
                INSERT INTO user_preferences (id, user_id, movie_id, rating, favorite, watchlist, watched, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'))
                ON CONFLICT (user_id, movie_id) DO UPDATE SET
                    rating = excluded.rating, favorite = excluded.favorite, watchlist = excluded.watchlist,
                    watched = excluded.watched, updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
                """, arguments: [
                    "pref_" + UUID.random().uuidString.lowercased(), preference.userID, movie, preference.rating,
                    preference.favorite, preference.watchlist, preference.watched,
                ])
            try self.recordChange(db, .user(preference.userID))
            return try Self.preferences(db, user: preference.userID, movie: movie).first!
        }
    }

    public func preferences(of user: String) async throws -> [UserPreference] {
        try await pool.read { db in try Self.preferences(db, user: user, movie: nil) }
    }

    public func usersWithPreferences() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(DISTINCT user_id) FROM user_preferences") ?? 0 }
    }

    public func deletePreference(user: String, tmdbID: Int) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM user_preferences WHERE user_id = ? AND movie_id IN (SELECT id FROM movies WHERE tmdb_id = ?)",
                arguments: [user, tmdbID])
            guard db.changesCount > 0 else { return false }
            try self.recordChange(db, .user(user))
            return true
        }
    }

    public func deleteData(of user: String) async throws -> DeletedUserData {
        try await pool.write { db in
            func delete(from table: String) throws -> Int {
                try db.execute(sql: "DELETE FROM \(table) WHERE user_id = ?", arguments: [user])
                return db.changesCount
            }
            let deleted = DeletedUserData(preferences: try delete(from: "user_preferences"), events: try delete(from: "events"), exposures: try delete(from: "exposures"))
            try self.recordChange(db, .user(user))
            return deleted
        }
    }

    static func preferences(_ db: Database, user: String, movie: MovieID?) throws -> [UserPreference] {
        var arguments: StatementArguments = [user]
        var filter = "p.user_id = ?"
        if let movie {
            filter += " AND p.movie_id = ?"
            arguments += [movie]
        }
        return try Row.fetchAll(db, sql: """
            SELECT p.id, p.user_id, m.tmdb_id, p.rating, p.favorite, p.watchlist, p.watched, p.created_at, p.updated_at
            FROM user_preferences p JOIN movies m ON m.id = p.movie_id
            WHERE \(filter) ORDER BY p.updated_at DESC, p.id
            """, arguments: arguments).map { row in
            UserPreference(
                id: row["id"], userID: row["user_id"], movieID: row["tmdb_id"], rating: row["rating"],
                favorite: row["favorite"], watchlist: row["watchlist"], watched: row["watched"],
                createdAt: row["created_at"], updatedAt: row["updated_at"])
        }
    }
}
