import Foundation
import Hummingbird
import HummingbirdTesting
import RecLabCore
import RecLabServing
import RecLabStore
import TestSupport
import Testing

/// The histories a server holds in memory for answering stay the store's: a read that raced a
/// write is never kept, whatever the interleaving.
@Suite struct UserHistoryMemoryTests {
    /// Movies of ml-latest-small with TMDB ids, for preferences.
    static let movies = [27205, 157336, 155, 680, 13, 550, 603, 278]

    @Test(arguments: Backend.allCases)
    func aHistoryHeldInMemoryEqualsTheStoresAfterABurstOfConcurrentWritesAndDeletes(_ backend: Backend) async throws {
        let store = try await ReplicaTests.movieLensStore(backend)
        try await ReplicaTests.serveWithServices(store, environment: ["ENABLE_CACHE": "false"]) { client, services in
            try await ReplicaTests.waitUntilHistoriesAreCurrent(client)
            let users = (0..<6).map { "burst-\($0)-\(UUID().uuidString.prefix(6))" }
            // Four clients per user, each a seeded mix of answers (which read and hold the
            // history), posts, deletions of a preference and of the whole user; every client
            // ends on an answer, so most users end with a history held.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, user) in users.enumerated() {
                    for worker in 0..<4 {
                        group.addTask {
                            var random = SeededGenerator(seed: UInt64(index * 10 + worker))
                            for step in 0..<25 {
                                let movie = Self.movies[Int(random.next() % UInt64(Self.movies.count))]
                                switch step == 24 ? 0 : random.next() % 10 {
                                case 0...3: _ = try await ReplicaTests.personalized(client, user)
                                case 4...7: _ = try await client.post("/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": 4.5}"#)
                                case 8: _ = try await client.execute(uri: "/users/\(user)/preferences/\(movie)", method: .delete)
                                default: _ = try await client.execute(uri: "/users/\(user)", method: .delete)
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await ReplicaTests.waitUntilHistoriesAreCurrent(client)
            var held = 0
            for user in users {
                guard let history = services.users.histories.held(user) else { continue }
                held += 1
                let stored = try await store.history(of: user)
                #expect(Self.sorted(history) == Self.sorted(stored), "\(user): held \(history.count), stored \(stored.count)")
            }
            #expect(held > 0, "no history was left held: nothing was compared")
        }
    }

    /// Once a starting server's histories can be served, it reads the most recently active
    /// users' ahead, so their first answers read no SQL; what it holds is the store's.
    @Test(arguments: Backend.allCases)
    func aStartingServerReadsTheRecentUsersHistoriesAhead(_ backend: Backend) async throws {
        let store = try await ReplicaTests.movieLensStore(backend)
        try await ReplicaTests.serveWithServices(store, environment: ["ENABLE_CACHE": "false"]) { client, services in
            try await ReplicaTests.waitUntilHistoriesAreCurrent(client)
            let recent = try await store.recentUsers(limit: 5)
            for _ in 0..<100 where services.users.histories.held(recent[4]) == nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            for user in recent {
                let held = try #require(services.users.histories.held(user), "user \(user), among the most recent, is held before any answer")
                #expect(Self.sorted(held) == Self.sorted(try await store.history(of: user)))
            }
        }
    }

    static func sorted(_ history: [Interaction]) -> [String] {
        history.map { "\($0.movie) \($0.rating) \($0.timestamp)" }.sorted()
    }
}
