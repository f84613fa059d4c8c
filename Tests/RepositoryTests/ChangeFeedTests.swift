import Foundation
import RecLabPostgres
import RecLabStore
import TestSupport
import Testing

/// The change feed other processes follow, on every backend: every write that changes
/// answers, in commit order, positions without gaps, and nothing for a write that changed
/// nothing.
@Suite struct ChangeFeedTests {
    @Test(arguments: Backend.allCases)
    func writesThatChangeAnswersAreInTheFeedInOrder(_ backend: Backend) async throws {
        let store = try await backend.emptyStore()
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

    @Test(arguments: Backend.allCases)
    func anotherProcessOnTheSameDataSeesTheChanges(_ backend: Backend) async throws {
        let writer = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: writer)
        let reader = try await backend.sameData(as: writer)
        let seen = try await reader.latestChange()
        _ = try await writer.upsert(PreferenceInput(userID: "cy", tmdbID: 27205, rating: 3))
        #expect(try await reader.changes(after: seen, limit: 10).map(\.subject) == [.user("cy")])
    }

    /// On PostgreSQL a commit wakes every process at once (NOTIFY), without waiting for a poll.
    @Test func aCommitOnPostgresWakesAnotherProcessBeforeItsPollWouldHave() async throws {
        let writer = try await Backend.postgres.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: writer)
        let reader = try await Backend.postgres.sameData(as: writer)
        let wakeUps = reader.wakeUps(every: .seconds(3600))
        // The listener needs its connection before a notification can reach it: write until woken.
        let writes = Task {
            for attempt in 0..<150 {
                try await Task.sleep(for: .milliseconds(100))
                _ = try await writer.upsert(PreferenceInput(userID: "dee-\(attempt)", tmdbID: 27205, rating: 3))
            }
        }
        let woken = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in wakeUps { return true }
                return false
            }
            group.addTask {
                // Far inside the hour the poll waits, with room for a loaded machine.
                try? await Task.sleep(for: .seconds(15))
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        writes.cancel()
        #expect(woken, "no wake-up within 15 s, with the poll an hour away")
    }
}
