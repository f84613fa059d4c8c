import Foundation
import RecLabSQLite
import TestSupport
import Testing

/// What only the SQLite backend has; the repositories' behaviour is pinned by RepositoryTests,
/// on every backend.
@Suite struct SQLiteSchemaTests {
    @Test func schemaIsBuiltByNamedMigrations() async throws {
        let store = try SQLiteStore(path: makeTemporaryDirectory("store").appending(path: "db.sqlite").path)
        #expect(try await store.appliedMigrations() == ["v1-catalogue", "v2-evaluations", "v3-events", "v4-exposures", "v5-search-in-memory", "v6-attribution", "v7-tmdb-api", "v8-change-feed", "v9-refit-announcements", "v10-replicas", "v11-exposure-teams", "v12-event-ids-per-user", "v13-availability", "v14-shown-to-users"])
    }
}
