import Foundation
import RecLabCore
import RecLabStore
import TestSupport
import Testing

/// Users' preferences and the interactions strategies learn from, on every backend.
@Suite struct PreferenceTests {
    static func store(_ backend: Backend) async throws -> any Repositories {
        let store = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: store)
        return store
    }

    @Test(arguments: Backend.allCases)
    func aPreferenceIsCreatedThenUpdatedInPlaceAndAnUnknownMovieChangesNothing(_ backend: Backend) async throws {
        let store = try await Self.store(backend)
        let created = try await store.upsert(PreferenceInput(userID: "ann", tmdbID: 27205, rating: 4, watchlist: true))
        #expect(created.movieID == 27205 && created.rating == 4 && created.watchlist && !created.favorite)
        let updated = try await store.upsert(PreferenceInput(userID: "ann", tmdbID: 27205, rating: nil, favorite: true))
        #expect(updated.id == created.id && updated.rating == nil && updated.favorite && !updated.watchlist)
        #expect(updated.createdAt == created.createdAt && updated.updatedAt >= created.updatedAt)
        await #expect(throws: StoreError.unknownMovie(tmdbID: 999)) {
            _ = try await store.upsert(PreferenceInput(userID: "ann", tmdbID: 999, rating: 3))
        }
        try await Task.sleep(for: .milliseconds(5))  // times are kept to the millisecond
        _ = try await store.upsert(PreferenceInput(userID: "ann", tmdbID: 155, rating: 2.5))
        #expect(try await store.preferences(of: "ann").map(\.movieID) == [155, 27205], "newest first")
        #expect(try await store.preferences(of: "bob").isEmpty)
        #expect(try await store.usersWithPreferences() == 1)
    }

    @Test(arguments: Backend.allCases)
    func recentUsersComeMostRecentlyActiveFirstFromRatingsAndPreferences(_ backend: Backend) async throws {
        let store = try await Self.store(backend)
        #expect(try await store.recentUsers(limit: 10) == ["2", "1"], "user 2's latest rating is the newer")
        _ = try await store.upsert(PreferenceInput(userID: "web-user", tmdbID: 155, rating: 4))
        #expect(try await store.recentUsers(limit: 10) == ["web-user", "2", "1"])
        try await Task.sleep(for: .milliseconds(1_100))  // preference times count in seconds here
        _ = try await store.upsert(PreferenceInput(userID: "1", tmdbID: 155, rating: 3))
        #expect(try await store.recentUsers(limit: 2) == ["1", "web-user"], "a preference makes a rater recent, each user once")
    }

    @Test(arguments: Backend.allCases)
    func aUsersHistoryIsTheirRatingsWithTheirPreferencesOnTop(_ backend: Backend) async throws {
        let store = try await Self.store(backend)
        let before = try await store.history(of: "1")
        #expect(before.map(\.rating) == [4.5, 5.0])
        _ = try await store.upsert(PreferenceInput(userID: "1", tmdbID: 27205, rating: 1))
        let after = try await store.history(of: "1")
        let inception = try #require(try await store.trainingData(includingPreferences: false).catalogue.items.first { $0.tmdbID == 27205 }).id
        #expect(after.count == 2)
        #expect(after.last?.movie == inception && after.last?.rating == 1, "the preference replaces the rating")
        _ = try await store.upsert(PreferenceInput(userID: "web-user", tmdbID: 155, rating: nil, favorite: true))
        #expect(try await store.history(of: "web-user").map(\.rating) == [5], "a favourite counts as a 5")
        #expect(try await store.trainingData(includingPreferences: true).interactions.count == 4)
        #expect(try await store.trainingData(includingPreferences: false).interactions.count == 3)
    }

    @Test(arguments: Backend.allCases)
    func deletingAUsersDataRemovesTheirRowsAndCountsThem(_ backend: Backend) async throws {
        let store = try await Self.store(backend)
        _ = try await store.upsert(PreferenceInput(userID: "cy", tmdbID: 27205, rating: 4))
        _ = try await store.upsert(PreferenceInput(userID: "cy", tmdbID: 155, rating: 3))
        _ = try await store.record([FeedbackEvent(eventID: "e1", kind: .click, userID: "cy", tmdbID: 27205, requestID: "r1", rating: nil, occurredAt: Date())])
        try await store.record([Exposure(requestID: "r1", experiment: "x", variant: "a", userID: "cy", surface: "personalized", exposedAt: Date(), movies: [27205])])
        #expect(try await store.deletePreference(user: "cy", tmdbID: 27205))
        #expect(try await store.deletePreference(user: "cy", tmdbID: 27205) == false)
        #expect(try await store.deleteData(of: "cy") == DeletedUserData(preferences: 1, events: 1, exposures: 1))
        #expect(try await store.preferences(of: "cy").isEmpty)
        #expect(try await store.deleteData(of: "cy") == DeletedUserData(preferences: 0, events: 0, exposures: 0))
    }
}
