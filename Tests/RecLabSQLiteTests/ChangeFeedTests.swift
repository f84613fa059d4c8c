import Foundation
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

/// The change feed other processes follow: every write that changes answers, in commit order,
/// positions without gaps, and nothing for a write that changed nothing.
@Suite struct ChangeFeedTests {
    @Test func writesThatChangeAnswersAreInTheFeedInOrder() async throws {
        let store = try makeStore()
        let mini = try MiniDatasets.write()
        _ = try await CatalogueImport.run(paths: [mini.movieLens], into: store)
        let start = try await store.latestChange()
        _ = try await store.upsert(PreferenceInput(userID: "ann", tmdbID: 27205, rating: 4))
        _ = try await store.upsert(PreferenceInput(userID: "bob", tmdbID: 155, rating: 5))
        #expect(try await store.deletePreference(user: "ann", tmdbID: 155) == false)
        #expect(try await store.deletePreference(user: "ann", tmdbID: 27205))
        _ = try await store.deleteData(of: "bob")
        _ = try await CatalogueImport.run(paths: [mini.tmdb], into: store)
        let changes = try await store.changes(after: start, limit: 100)
        #expect(changes.map(\.subject) == [.user("ann"), .user("bob"), .user("ann"), .user("bob"), .catalogue])
        #expect(changes.map(\.position) == Array((start + 1)...(start + 5)))
        #expect(try await store.changes(after: start + 3, limit: 1).map(\.subject) == [.user("bob")])
        #expect(try await store.latestChange() == start + 5)
    }

    @Test func anotherConnectionToTheFileSeesTheChanges() async throws {
        let path = try makeTemporaryDirectory("feed").appending(path: "db.sqlite").path
        let writer = try SQLiteStore(path: path)
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: writer)
        let reader = try SQLiteStore(path: path)
        let seen = try await reader.latestChange()
        _ = try await writer.upsert(PreferenceInput(userID: "cy", tmdbID: 27205, rating: 3))
        #expect(try await reader.changes(after: seen, limit: 10).map(\.subject) == [.user("cy")])
    }
}
