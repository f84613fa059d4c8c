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

    /// Writes a preference through `store` every 100 ms, for a minute or until cancelled: a
    /// listener needs its connection before a notification can reach it.
    static func keepWriting(through store: any Repositories, as user: String) -> Task<Void, any Error> {
        Task {
            for attempt in 0..<600 {
                try await Task.sleep(for: .milliseconds(100))
                _ = try await store.upsert(PreferenceInput(userID: "\(user)-\(attempt)", tmdbID: 27205, rating: 3))
            }
        }
    }

    /// What `body` returns, or nil after a minute: far inside the hour the poll waits, with room
    /// for the full suite's first seconds, when dozens of tests start servers and stores at once
    /// (15 s was once too short there).
    static func withinAMinute<Result: Sendable>(_ body: @escaping @Sendable () async -> Result?) async -> Result? {
        await withTaskGroup(of: Result?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }

    /// A commit wakes every process on the store at once (PostgreSQL's NOTIFY, SQLite's signal
    /// file), without waiting for a poll, and tells its announcements first: memory kept by the
    /// feed is not trusted again until what was heard is applied.
    @Test(arguments: Backend.allCases)
    func aCommitWakesAnotherProcessBeforeItsPollWouldHave(_ backend: Backend) async throws {
        let writer = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: writer)
        let reader = try await backend.sameData(as: writer)
        let announcements = ChangeAnnouncements()
        #expect(!announcements.areApplied, "nothing is trusted before the listener has started")
        let wakeUps = reader.wakeUps(every: .seconds(3600), announcements: announcements)
        let writes = Self.keepWriting(through: writer, as: "dee")
        // (woken twice, stale when woken by a commit, trusted once it is applied)
        let seen = await Self.withinAMinute { () -> [Bool]? in
            // The first tick says the listener started (and maybe a commit too: ticks
            // coalesce); the next is a commit heard after the first was applied.
            var ticks = 0
            for await _ in wakeUps {
                ticks += 1
                if ticks == 2 {
                    let stale = !announcements.areApplied
                    announcements.applied(through: announcements.heardSoFar)
                    return [stale, announcements.areApplied]
                }
                announcements.applied(through: announcements.heardSoFar)
            }
            return nil
        }
        writes.cancel()
        #expect(seen != nil, "no wake-up within a minute, with the poll an hour away")
        #expect(seen == [true, true], "a commit is heard before it is applied, and trusted after")
    }

    /// A store's own commits wake its process (the feed is read all the same) but leave what it
    /// holds servable: the writer drops what its write made stale as it writes, and counting its
    /// own announcements sent every answer under way to the store at each write.
    @Test(arguments: Backend.allCases)
    func aProcesssOwnCommitWakesItWithoutMakingItsMemoryStale(_ backend: Backend) async throws {
        let store = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: store)
        let announcements = ChangeAnnouncements()
        let wakeUps = store.wakeUps(every: .seconds(3600), announcements: announcements)
        let writes = Self.keepWriting(through: store, as: "own")
        let woken = await Self.withinAMinute { () -> Bool? in
            var ticks = 0
            for await _ in wakeUps {
                ticks += 1
                if ticks == 1 { announcements.applied(through: announcements.heardSoFar) }
                // Later ticks come from this store's own commits only.
                if ticks == 3 { return announcements.areApplied }
            }
            return nil
        }
        writes.cancel()
        #expect(woken == true, "woken by its own commits (nil: never woken), and what it holds still servable")
    }
}
