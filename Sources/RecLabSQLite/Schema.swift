import GRDB
import RecLabCore

/// The database schema as named, append-only migrations: never edit a shipped migration,
/// add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalogue") { db in
            try db.execute(sql: """
                CREATE TABLE movies (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tmdb_id INTEGER UNIQUE,
                    imdb_id TEXT UNIQUE,
                    movielens_id INTEGER UNIQUE,
                    title TEXT NOT NULL,
                    original_title TEXT,
                    overview TEXT,
                    release_date DATE,
                    year INTEGER,
                    runtime INTEGER,
                    vote_average REAL,
                    vote_count INTEGER,
                    popularity REAL,
                    poster_path TEXT,
                    backdrop_path TEXT,
                    original_language TEXT,
                    budget INTEGER,
                    revenue INTEGER,
                    tagline TEXT,
                    production_companies TEXT NOT NULL DEFAULT '[]',  -- JSON array of names
                    production_countries TEXT NOT NULL DEFAULT '[]',
                    spoken_languages TEXT NOT NULL DEFAULT '[]',
                    status TEXT,
                    adult BOOLEAN NOT NULL DEFAULT 0,
                    video BOOLEAN NOT NULL DEFAULT 0,
                    -- which data set's metadata the row holds (TMDB > IMDb > MovieLens)
                    -- search ranking: the title reduced by TitleKey, and log(1 + how many rated it)
                    search_key TEXT,
                    search_boost REAL NOT NULL DEFAULT 0,
                    metadata_source TEXT NOT NULL CHECK (metadata_source IN ('MovieLens', 'IMDB 5000', 'TMDB 5000')),
                    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                CREATE INDEX movies_title_year ON movies(year, title);

                CREATE TABLE genres (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE movie_genres (
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    genre_id INTEGER NOT NULL REFERENCES genres(id),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (movie_id, genre_id)
                ) WITHOUT ROWID;
                CREATE INDEX movie_genres_genre ON movie_genres(genre_id);

                CREATE TABLE keywords (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE movie_keywords (
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    keyword_id INTEGER NOT NULL REFERENCES keywords(id),
                    source TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (movie_id, source, keyword_id)
                ) WITHOUT ROWID;
                CREATE INDEX movie_keywords_keyword ON movie_keywords(keyword_id);

                CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE movie_cast (
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    person_id INTEGER NOT NULL REFERENCES people(id),
                    source TEXT NOT NULL,
                    character TEXT,
                    "order" INTEGER NOT NULL,
                    PRIMARY KEY (movie_id, source, person_id)
                ) WITHOUT ROWID;
                CREATE INDEX movie_cast_person ON movie_cast(person_id);
                CREATE TABLE movie_crew (
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    person_id INTEGER NOT NULL REFERENCES people(id),
                    source TEXT NOT NULL,
                    job TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (movie_id, source, person_id, job)
                ) WITHOUT ROWID;
                CREATE INDEX movie_crew_person ON movie_crew(person_id, job);

                CREATE TABLE ratings (
                    user_id INTEGER NOT NULL,
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    rating REAL NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
                    timestamp INTEGER NOT NULL,
                    PRIMARY KEY (user_id, movie_id)
                ) WITHOUT ROWID;
                CREATE INDEX ratings_movie ON ratings(movie_id);

                CREATE TABLE user_preferences (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL,
                    movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
                    rating REAL CHECK (rating >= 0.5 AND rating <= 5.0),
                    favorite BOOLEAN NOT NULL DEFAULT 0,
                    watchlist BOOLEAN NOT NULL DEFAULT 0,
                    watched BOOLEAN NOT NULL DEFAULT 0,
                    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    UNIQUE (user_id, movie_id)
                );

                CREATE TABLE recommendations_cache (
                    id TEXT PRIMARY KEY,
                    user_id TEXT,
                    movie_id INTEGER,
                    recommendation_type TEXT NOT NULL,
                    recommendations TEXT NOT NULL,  -- JSON array
                    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    expires_at TIMESTAMP NOT NULL
                );
                CREATE INDEX recommendations_cache_expiry ON recommendations_cache(expires_at);

                -- Search documents, rebuilt from the tables above after every import.
                CREATE VIRTUAL TABLE movie_search USING fts5(
                    title, original_title, keywords, "cast", director, overview,
                    tokenize = 'unicode61 remove_diacritics 2'
                );
                CREATE VIRTUAL TABLE movie_search_terms USING fts5vocab(movie_search, 'row');
                """)
            for genre in GenreCatalog.tmdb {
                try db.execute(sql: "INSERT INTO genres (id, name) VALUES (?, ?)", arguments: [genre.id, genre.name])
            }
        }
        migrator.registerMigration("v2-evaluations") { db in
            try db.execute(sql: """
                CREATE TABLE evaluations (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    protocol_version TEXT NOT NULL,
                    created_at TIMESTAMP NOT NULL,
                    report_json BLOB NOT NULL,
                    report_html TEXT NOT NULL
                );
                CREATE INDEX evaluations_created ON evaluations(created_at);
                """)
        }
        migrator.registerMigration("v3-events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE,            -- the client's id: posting twice stores once
                    type TEXT NOT NULL CHECK (type IN ('impression', 'click', 'watch', 'rating', 'add_to_watchlist')),
                    user_id TEXT NOT NULL,
                    movie_id INTEGER NOT NULL,                -- TMDB id, as the API names movies
                    request_id TEXT,                          -- the recommendation answer that showed the movie
                    rating REAL CHECK (rating IS NULL OR (rating >= 0.5 AND rating <= 5.0)),
                    occurred_at TIMESTAMP NOT NULL,
                    received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                CREATE INDEX events_request ON events(request_id);
                CREATE INDEX events_user ON events(user_id, occurred_at);
                """)
        }
        migrator.registerMigration("v4-exposures") { db in
            try db.execute(sql: """
                CREATE TABLE exposures (
                    request_id TEXT PRIMARY KEY,              -- the answer's request_id, which events name
                    experiment TEXT NOT NULL,
                    variant TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    surface TEXT NOT NULL,
                    exposed_at TIMESTAMP NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX exposures_experiment ON exposures(experiment, variant, user_id);
                """)
        }
        migrator.registerMigration("v5-search-in-memory") { db in
            // Search ranks in memory now (RecLabSearch), from the catalogue tables.
            try db.execute(sql: """
                DROP TABLE movie_search_terms;
                DROP TABLE movie_search;
                ALTER TABLE movies DROP COLUMN search_key;
                ALTER TABLE movies DROP COLUMN search_boost;
                """)
        }
        migrator.registerMigration("v6-attribution") { db in
            // ",603,27205," : the answer's movies, so an event is credited only for a movie it
            // showed. NULL on exposures logged before: those credit any movie, as they did.
            try db.execute(sql: """
                ALTER TABLE exposures ADD COLUMN movie_ids TEXT;
                CREATE INDEX exposures_time ON exposures(exposed_at);
                CREATE INDEX events_received ON events(received_at);
                """)
        }
        migrator.registerMigration("v7-tmdb-api") { db in
            // SQLite cannot change a CHECK in place: the table is rebuilt (foreign keys are
            // off inside a migration, so dropping the old table cascades nothing). IMDb's
            // score gets columns of its own, so a movie TMDB describes keeps it for when TMDB
            // has no votes; `tmdb_not_found` spares `reclab import tmdb` asking twice.
            let columns = """
                id, tmdb_id, imdb_id, movielens_id, title, original_title, overview, release_date, year, runtime,
                vote_average, vote_count, popularity, poster_path, backdrop_path, original_language, budget, revenue,
                tagline, production_companies, production_countries, spoken_languages, status, adult, video,
                metadata_source, created_at
                """
            try db.execute(sql: """
                CREATE TABLE movies_next (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tmdb_id INTEGER UNIQUE,
                    imdb_id TEXT UNIQUE,
                    movielens_id INTEGER UNIQUE,
                    title TEXT NOT NULL,
                    original_title TEXT,
                    overview TEXT,
                    release_date DATE,
                    year INTEGER,
                    runtime INTEGER,
                    vote_average REAL,
                    vote_count INTEGER,
                    popularity REAL,
                    poster_path TEXT,
                    backdrop_path TEXT,
                    original_language TEXT,
                    budget INTEGER,
                    revenue INTEGER,
                    tagline TEXT,
                    production_companies TEXT NOT NULL DEFAULT '[]',
                    production_countries TEXT NOT NULL DEFAULT '[]',
                    spoken_languages TEXT NOT NULL DEFAULT '[]',
                    status TEXT,
                    adult BOOLEAN NOT NULL DEFAULT 0,
                    video BOOLEAN NOT NULL DEFAULT 0,
                    metadata_source TEXT NOT NULL CHECK (metadata_source IN ('MovieLens', 'IMDB 5000', 'TMDB 5000', 'TMDB API')),
                    imdb_score REAL,
                    imdb_votes INTEGER,
                    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                INSERT INTO movies_next (\(columns)) SELECT \(columns) FROM movies;
                UPDATE movies_next SET imdb_score = vote_average, imdb_votes = vote_count WHERE metadata_source = 'IMDB 5000';
                DROP TABLE movies;
                ALTER TABLE movies_next RENAME TO movies;
                CREATE INDEX movies_title_year ON movies(year, title);

                CREATE TABLE tmdb_not_found (
                    tmdb_id INTEGER PRIMARY KEY,
                    checked_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                """)
        }
        migrator.registerMigration("v8-change-feed") { db in
            // What other processes on this file must learn (ChangeFeed): written in the same
            // transaction as the change, read by position, the oldest pruned.
            try db.execute(sql: """
                CREATE TABLE store_changes (
                    position INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id TEXT,                             -- NULL: the catalogue changed
                    changed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                """)
        }
        migrator.registerMigration("v9-refit-announcements") { db in
            // A refit asked of one process, for the others to follow (ChangeFeed.announceRefit).
            try db.execute(sql: "ALTER TABLE store_changes ADD COLUMN refitted_by TEXT")
        }
        migrator.registerMigration("v10-replicas") { db in
            // The processes serving from this file, for their share of the rate limits.
            try db.execute(sql: "CREATE TABLE replicas (process TEXT PRIMARY KEY, seen_at REAL NOT NULL)")
        }
        migrator.registerMigration("v11-exposure-teams") { db in
            // The team of each movie of an interleaved answer: the variant a click on it credits.
            try db.execute(sql: """
                CREATE TABLE exposure_teams (
                    request_id TEXT NOT NULL REFERENCES exposures(request_id) ON DELETE CASCADE,
                    movie_id INTEGER NOT NULL,                -- TMDB id
                    team TEXT NOT NULL,
                    PRIMARY KEY (request_id, movie_id)
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("v12-event-ids-per-user") { db in
            // An event_id names one event of its user: another user's event with the same id
            // is stored (it was dropped as a duplicate). SQLite cannot change a UNIQUE in
            // place: the table is rebuilt.
            try db.execute(sql: """
                CREATE TABLE events_next (
                    id INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL,                   -- the client's id: posting twice stores once
                    type TEXT NOT NULL CHECK (type IN ('impression', 'click', 'watch', 'rating', 'add_to_watchlist')),
                    user_id TEXT NOT NULL,
                    movie_id INTEGER NOT NULL,                -- TMDB id, as the API names movies
                    request_id TEXT,                          -- the recommendation answer that showed the movie
                    rating REAL CHECK (rating IS NULL OR (rating >= 0.5 AND rating <= 5.0)),
                    occurred_at TIMESTAMP NOT NULL,
                    received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    UNIQUE (user_id, event_id)
                );
                INSERT INTO events_next (id, event_id, type, user_id, movie_id, request_id, rating, occurred_at, received_at)
                    SELECT id, event_id, type, user_id, movie_id, request_id, rating, occurred_at, received_at FROM events;
                DROP TABLE events;
                ALTER TABLE events_next RENAME TO events;
                CREATE INDEX events_request ON events(request_id);
                CREATE INDEX events_user ON events(user_id, occurred_at);
                CREATE INDEX events_received ON events(received_at);
                """)
        }
        migrator.registerMigration("v13-availability") { db in
            // What an operator withholds (MovieAvailability), and the change kind that tells
            // every replica.
            try db.execute(sql: """
                -- kind: 'availability'; NULL where user_id or refitted_by says
                ALTER TABLE store_changes ADD COLUMN kind TEXT;
                CREATE TABLE movie_availability (
                    tmdb_id INTEGER PRIMARY KEY,
                    hidden INTEGER NOT NULL DEFAULT 0,
                    hidden_until REAL,                                -- seconds since 1970; NULL: until shown again
                    available_from REAL,
                    available_until REAL
                );
                """)
        }
        migrator.registerMigration("v14-shown-to-users") { db in
            // Every answer shown to a user is an exposure now (experiment and variant '' outside
            // experiments): `unseen_for` reads a user's recent ones, and their clicks.
            try db.execute(sql: """
                CREATE INDEX exposures_user ON exposures(user_id, exposed_at);
                CREATE INDEX events_user_received ON events(user_id, received_at);
                """)
        }
        return migrator
    }
}
