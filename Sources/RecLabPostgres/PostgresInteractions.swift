import Foundation
import PostgresNIO
import RecLabCore
import RecLabStore

extension PostgresStore: InteractionRepository {
    public func trainingData(includingPreferences: Bool = true) async throws -> TrainingData {
        try await snapshotRead { connection in
            let items = try await PostgresMovieLoader(store: self, connection: connection).movies(ids: nil).map(CatalogueItem.init(movie:))
            var interactions: [Interaction] = []
            interactions.reserveCapacity(110_000)
            let ratings = try await connection.query(
                "SELECT user_id, movie_id, rating, timestamp FROM ratings ORDER BY user_id, timestamp, movie_id", logger: logger)
            for try await (user, movie, rating, timestamp) in ratings.decode((Int64, Int64, Double, Int64).self) {
                interactions.append(Interaction(user: String(user), movie: movie, rating: Float(rating), timestamp: timestamp))
            }
            let preferences = includingPreferences ? try await preferenceInteractions(user: nil, on: connection) : []
            return TrainingData(catalogue: Catalogue(items), interactions: Interaction.overlay(interactions, preferences))
        }
    }

    public func history(of user: String) async throws -> [Interaction] {
        try await client.withConnection { connection in
            var ratings: [Interaction] = []
            if let movieLensUser = Int64(user) {
                for try await (movie, rating, timestamp) in try await connection.query("""
                    SELECT movie_id, rating, timestamp FROM ratings WHERE user_id = \(movieLensUser) ORDER BY timestamp, movie_id
                    """, logger: logger).decode((Int64, Double, Int64).self) {
                    ratings.append(Interaction(user: user, movie: movie, rating: Float(rating), timestamp: timestamp))
                }
            }
            return Interaction.overlay(ratings, try await preferenceInteractions(user: user, on: connection))
        }
    }

    public func recentUsers(limit: Int) async throws -> [String] {
        try await client.withConnection { connection in
            var users: [String] = []
            for try await user in try await connection.query("""
                SELECT person FROM (
                    SELECT user_id::text AS person, MAX(timestamp) AS latest FROM ratings GROUP BY user_id
                    UNION ALL
                    SELECT user_id, floor(extract(epoch FROM MAX(updated_at)))::bigint FROM user_preferences GROUP BY user_id
                ) AS active GROUP BY person ORDER BY MAX(latest) DESC, person COLLATE "C" LIMIT \(Int64(limit))
                """, logger: logger).decode(String.self) {
                users.append(user)
            }
            return users
        }
    }

    func preferenceInteractions(user: String?, on connection: PostgresConnection) async throws -> [Interaction] {
        try await rows("""
            SELECT user_id, movie_id, rating, favorite, watchlist, watched, floor(extract(epoch FROM updated_at))::bigint AS time
            FROM user_preferences WHERE \(user)::text IS NULL OR user_id = \(user) ORDER BY updated_at, movie_id
            """, on: connection).compactMap { row in
            guard let rating = UserPreference.interactionRating(
                rating: try row.get("rating"), favorite: try row.get("favorite"), watchlist: try row.get("watchlist"), watched: try row.get("watched"))
            else { return nil }
            return Interaction(user: try row.get("user_id"), movie: try row.get("movie_id"), rating: rating, timestamp: try row.get("time"))
        }
    }
}

extension PostgresStore: PreferenceRepository {
    public func upsert(_ preference: PreferenceInput) async throws -> UserPreference {
        try await transaction { connection in
            // One statement: the movie looked up, the row written and read back.
            guard let row = try await rows("""
                INSERT INTO user_preferences (id, user_id, movie_id, rating, favorite, watchlist, watched)
                SELECT \("pref_" + UUID.random().uuidString.lowercased()), \(preference.userID), id, \(preference.rating),
                       \(preference.favorite), \(preference.watchlist), \(preference.watched)
                FROM movies WHERE tmdb_id = \(preference.tmdbID)
                ON CONFLICT (user_id, movie_id) DO UPDATE SET
                    rating = excluded.rating, favorite = excluded.favorite, watchlist = excluded.watchlist,
                    watched = excluded.watched, updated_at = clock_timestamp()
                RETURNING id, user_id, rating, favorite, watchlist, watched, created_at, updated_at
                """, on: connection).first else {
                throw StoreError.unknownMovie(tmdbID: preference.tmdbID)
            }
            try await recordChange(.user(preference.userID), on: connection)
            return try Self.preference(row, movie: preference.tmdbID)
        }
    }

    public func preferences(of user: String) async throws -> [UserPreference] {
        try await rows("""
            SELECT p.id, p.user_id, m.tmdb_id, p.rating, p.favorite, p.watchlist, p.watched, p.created_at, p.updated_at
            FROM user_preferences p JOIN movies m ON m.id = p.movie_id
            WHERE p.user_id = \(user) ORDER BY p.updated_at DESC, p.id
            """).map { try Self.preference($0, movie: try $0.get("tmdb_id")) }
    }

    public func usersWithPreferences() async throws -> Int {
        try await rows("SELECT count(DISTINCT user_id) AS users FROM user_preferences")[0].get("users")
    }

    public func deletePreference(user: String, tmdbID: Int) async throws -> Bool {
        try await transaction { connection in
            let deleted = try await rows("""
                DELETE FROM user_preferences WHERE user_id = \(user) AND movie_id IN (SELECT id FROM movies WHERE tmdb_id = \(tmdbID))
                RETURNING id
                """, on: connection)
            guard !deleted.isEmpty else { return false }
            try await recordChange(.user(user), on: connection)
            return true
        }
    }

    public func deleteData(of user: String) async throws -> DeletedUserData {
        try await transaction { connection in
            let counts = try await rows("""
                WITH preferences AS (DELETE FROM user_preferences WHERE user_id = \(user) RETURNING 1),
                     events AS (DELETE FROM events WHERE user_id = \(user) RETURNING 1),
                     exposures AS (DELETE FROM exposures WHERE user_id = \(user) RETURNING 1)
                SELECT (SELECT count(*) FROM preferences) AS preferences, (SELECT count(*) FROM events) AS events,
                       (SELECT count(*) FROM exposures) AS exposures
                """, on: connection)[0]
            try await recordChange(.user(user), on: connection)
            return DeletedUserData(preferences: try counts.get("preferences"), events: try counts.get("events"), exposures: try counts.get("exposures"))
        }
    }

    static func preference(_ row: PostgresRandomAccessRow, movie: Int) throws -> UserPreference {
        UserPreference(
            id: try row.get("id"), userID: try row.get("user_id"), movieID: movie, rating: try row.get("rating"),
            favorite: try row.get("favorite"), watchlist: try row.get("watchlist"), watched: try row.get("watched"),
            createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }
}
