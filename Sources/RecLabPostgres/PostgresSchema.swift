import Foundation
import Logging
import PostgresNIO
import RecLabCore

/// The PostgreSQL schema as named, append-only migrations: never edit a shipped migration,
/// add a new one. It starts from the SQLite schema's latest shape, with PostgreSQL's types.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1-catalogue", """
            CREATE TABLE movies (
                id BIGINT PRIMARY KEY,                    -- given by the catalogue merge, from movie_ids
                tmdb_id BIGINT UNIQUE,
                imdb_id TEXT UNIQUE,
                movielens_id BIGINT UNIQUE,
                title TEXT NOT NULL,
                original_title TEXT,
                overview TEXT,
                release_date TEXT,
                year BIGINT,
                runtime BIGINT,
                vote_average DOUBLE PRECISION,
                vote_count BIGINT,
                popularity DOUBLE PRECISION,
                poster_path TEXT,
                backdrop_path TEXT,
                original_language TEXT,
                budget BIGINT,
                revenue BIGINT,
                tagline TEXT,
                production_companies TEXT NOT NULL DEFAULT '[]',  -- JSON array of names
                production_countries TEXT NOT NULL DEFAULT '[]',
                spoken_languages TEXT NOT NULL DEFAULT '[]',
                status TEXT,
                adult BOOLEAN NOT NULL DEFAULT false,
                video BOOLEAN NOT NULL DEFAULT false,
                metadata_source TEXT NOT NULL CHECK (metadata_source IN ('MovieLens', 'IMDB 5000', 'TMDB 5000', 'TMDB API')),
                imdb_score DOUBLE PRECISION,
                imdb_votes BIGINT,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            CREATE INDEX movies_title_year ON movies(year, title);
            -- The highest movie id ever given: a deleted movie's id is never given again.
            CREATE SEQUENCE movie_ids;

            CREATE TABLE genres (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE movie_genres (
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                genre_id BIGINT NOT NULL REFERENCES genres(id),
                position BIGINT NOT NULL,
                PRIMARY KEY (movie_id, genre_id)
            );
            CREATE INDEX movie_genres_genre ON movie_genres(genre_id);

            CREATE TABLE keywords (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE movie_keywords (
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                keyword_id BIGINT NOT NULL REFERENCES keywords(id),
                source TEXT NOT NULL,
                position BIGINT NOT NULL,
                PRIMARY KEY (movie_id, source, keyword_id)
            );
            CREATE INDEX movie_keywords_keyword ON movie_keywords(keyword_id);

            CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE movie_cast (
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                person_id BIGINT NOT NULL REFERENCES people(id),
                source TEXT NOT NULL,
                "character" TEXT,
                "order" BIGINT NOT NULL,
                PRIMARY KEY (movie_id, source, person_id)
            );
            CREATE INDEX movie_cast_person ON movie_cast(person_id);
            CREATE TABLE movie_crew (
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                person_id BIGINT NOT NULL REFERENCES people(id),
                source TEXT NOT NULL,
                job TEXT NOT NULL,
                position BIGINT NOT NULL,
                PRIMARY KEY (movie_id, source, person_id, job)
            );
            CREATE INDEX movie_crew_person ON movie_crew(person_id, job);

            CREATE TABLE ratings (
                user_id BIGINT NOT NULL,
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                rating DOUBLE PRECISION NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
                timestamp BIGINT NOT NULL,
                PRIMARY KEY (user_id, movie_id)
            );
            CREATE INDEX ratings_movie ON ratings(movie_id);

            CREATE TABLE user_preferences (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL,
                movie_id BIGINT NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                rating DOUBLE PRECISION CHECK (rating >= 0.5 AND rating <= 5.0),
                favorite BOOLEAN NOT NULL DEFAULT false,
                watchlist BOOLEAN NOT NULL DEFAULT false,
                watched BOOLEAN NOT NULL DEFAULT false,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                UNIQUE (user_id, movie_id)
            );

            CREATE TABLE tmdb_not_found (
                tmdb_id BIGINT PRIMARY KEY,
                checked_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            """ + "\n" + GenreCatalog.tmdb.map { "INSERT INTO genres (id, name) VALUES (\($0.id), '\($0.name.replacingOccurrences(of: "'", with: "''"))');" }
                .joined(separator: "\n")),
        ("v2-evidence", """
            CREATE TABLE evaluations (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                protocol_version TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                report_json BYTEA NOT NULL,
                report_html TEXT NOT NULL
            );
            CREATE INDEX evaluations_created ON evaluations(created_at);

            CREATE TABLE events (
                id BIGSERIAL PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,            -- the client's id: posting twice stores once
                type TEXT NOT NULL CHECK (type IN ('impression', 'click', 'watch', 'rating', 'add_to_watchlist')),
                user_id TEXT NOT NULL,
                movie_id BIGINT NOT NULL,                 -- TMDB id, as the API names movies
                request_id TEXT,                          -- the recommendation answer that showed the movie
                rating DOUBLE PRECISION CHECK (rating IS NULL OR (rating >= 0.5 AND rating <= 5.0)),
                occurred_at TIMESTAMPTZ NOT NULL,
                received_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            CREATE INDEX events_request ON events(request_id);
            CREATE INDEX events_user ON events(user_id, occurred_at);
            CREATE INDEX events_received ON events(received_at);

            CREATE TABLE exposures (
                request_id TEXT PRIMARY KEY,              -- the answer's request_id, which events name
                experiment TEXT NOT NULL,
                variant TEXT NOT NULL,
                user_id TEXT NOT NULL,
                surface TEXT NOT NULL,
                exposed_at TIMESTAMPTZ NOT NULL,
                movie_ids BIGINT[] NOT NULL               -- the TMDB ids the answer showed
            );
            CREATE INDEX exposures_experiment ON exposures(experiment, variant, user_id);
            CREATE INDEX exposures_time ON exposures(exposed_at);
            """),
        ("v3-change-feed", """
            -- What every replica must learn (ChangeFeed): written in the same transaction as the
            -- change. Positions come from one counter row, whose lock is held to commit, so they
            -- become visible in order and without gaps.
            CREATE TABLE store_changes (
                position BIGINT PRIMARY KEY,
                user_id TEXT,                             -- NULL: the catalogue changed
                changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            CREATE TABLE store_change_counter (
                only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
                position BIGINT NOT NULL
            );
            INSERT INTO store_change_counter (position) VALUES (0);
            """),
        ("v4-refit-announcements", """
            -- A refit asked of one process, for the others to follow (ChangeFeed.announceRefit).
            ALTER TABLE store_changes ADD COLUMN refitted_by TEXT;
            """),
        ("v5-replicas", """
            -- The processes serving from this database, for their share of the rate limits.
            CREATE TABLE replicas (process TEXT PRIMARY KEY, seen_at TIMESTAMPTZ NOT NULL);
            """),
        ("v6-exposure-teams", """
            -- The team of each movie of an interleaved answer: the variant a click on it credits.
            CREATE TABLE exposure_teams (
                request_id TEXT NOT NULL REFERENCES exposures(request_id) ON DELETE CASCADE,
                movie_id BIGINT NOT NULL,                 -- TMDB id
                team TEXT NOT NULL,
                PRIMARY KEY (request_id, movie_id)
            );
            """),
        ("v7-event-ids-per-user", """
            -- An event_id names one event of its user: another user's event with the same id is
            -- stored (it was dropped as a duplicate).
            ALTER TABLE events DROP CONSTRAINT events_event_id_key;
            ALTER TABLE events ADD CONSTRAINT events_user_event_key UNIQUE (user_id, event_id);
            """),
        ("v8-availability", """
            -- What an operator withholds (MovieAvailability), and the change kind that tells
            -- every replica.
            -- kind: 'availability'; NULL where user_id or refitted_by says
            ALTER TABLE store_changes ADD COLUMN kind TEXT;
            CREATE TABLE movie_availability (
                tmdb_id BIGINT PRIMARY KEY,
                hidden BOOLEAN NOT NULL DEFAULT false,
                hidden_until TIMESTAMPTZ,                         -- NULL: until shown again
                available_from TIMESTAMPTZ,
                available_until TIMESTAMPTZ
            );
            """),
        ("v9-shown-to-users", """
            -- Every answer shown to a user is an exposure now (experiment and variant '' outside
            -- experiments): `unseen_for` reads a user's recent ones, and their clicks.
            CREATE INDEX exposures_user ON exposures(user_id, exposed_at);
            CREATE INDEX events_user_received ON events(user_id, received_at);
            """),
    ]

    /// Applies the migrations not applied yet, all in one transaction, one process at a time
    /// (replicas starting together take turns on an advisory lock).
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(AdvisoryLock.migrations))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
                """, logger: logger)
            let applied = Set(try await connection.query("SELECT name FROM schema_migrations", logger: logger).collect().map { try $0.decode(String.self) })
            for migration in migrations where !applied.contains(migration.name) {
                logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
                for statement in statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }
}

extension PostgresSchema {
    /// A migration's statements (a prepared statement holds one): split where a line ends
    /// with a semicolon, which no statement here has inside it.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: "\n").reduce(into: [""]) { statements, line in
            statements[statements.count - 1] += line + "\n"
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") { statements.append("") }
        }.filter { statement in
            statement.split(separator: "\n").contains { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
    }
}

/// Keys of the advisory locks RecLab's processes take turns on.
enum AdvisoryLock {
    static let migrations: Int64 = 0x5265_634C_6162_0001
    static let catalogue: Int64 = 0x5265_634C_6162_0002
}
