import Foundation
import RecLabStore
import TestSupport
import Testing

/// An operator's hides and windows, on every backend: kept as written, a row gone when
/// nothing is left of it, and every write in the change feed for the other replicas.
@Suite struct AvailabilityRepositoryTests {
    @Test(arguments: Backend.allCases)
    func hidesAndWindowsAreKeptAndEachWriteIsAnnounced(_ backend: Backend) async throws {
        let store = try await backend.emptyStore()
        let start = try await store.latestChange()
        let until = Date(timeIntervalSince1970: 1_900_000_000)
        let opens = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.hide(tmdbID: 603, until: until)
        try await store.hide(tmdbID: 27205, until: nil)
        try await store.setWindow(tmdbID: 603, from: opens, until: nil)
        #expect(try await store.availability() == [
            MovieAvailability(tmdbID: 603, hidden: true, hiddenUntil: until, availableFrom: opens),
            MovieAvailability(tmdbID: 27205, hidden: true),
        ])
        #expect(try await store.unhide(tmdbID: 27205))
        #expect(try await store.unhide(tmdbID: 27205) == false, "not hidden any more")
        #expect(try await store.unhide(tmdbID: 603))
        #expect(try await store.availability() == [MovieAvailability(tmdbID: 603, availableFrom: opens)], "the window stays")
        try await store.setWindow(tmdbID: 603, from: nil, until: nil)
        #expect(try await store.availability().isEmpty)
        let changes = try await store.changes(after: start, limit: 100)
        #expect(changes.map(\.subject) == Array(repeating: .availability, count: 6), "every write but the refused unhide")
    }

    @Test func aMovieIsWithheldWhileHiddenAndOutsideItsWindowAndSaysWhenThatChanges() {
        let t = Date(timeIntervalSince1970: 1_000_000)
        let hidden = MovieAvailability(tmdbID: 1, hidden: true, hiddenUntil: t + 60)
        #expect(hidden.isWithheld(at: t) && !hidden.isWithheld(at: t + 60))
        #expect(hidden.nextChange(after: t) == t + 60 && hidden.nextChange(after: t + 60) == nil)
        let window = MovieAvailability(tmdbID: 2, availableFrom: t + 10, availableUntil: t + 20)
        #expect(window.isWithheld(at: t) && !window.isWithheld(at: t + 10) && window.isWithheld(at: t + 20))
        #expect(window.nextChange(after: t) == t + 10 && window.nextChange(after: t + 10) == t + 20)
        #expect(MovieAvailability(tmdbID: 3, hidden: true).isWithheld(at: .distantFuture), "hidden until shown again")
        #expect(!MovieAvailability(tmdbID: 4, hiddenUntil: t + 60).isWithheld(at: t), "an end without a hide hides nothing")
    }
}

/// What `unseen_for` reads, on every backend: the movies a user's exposures showed within the
/// window, less those they clicked after they were shown.
@Suite struct ShownUnclickedTests {
    @Test(arguments: Backend.allCases)
    func aUsersShownMoviesSinceAMomentLessThoseClickedAfterwards(_ backend: Backend) async throws {
        let store = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [try MiniDatasets.write().movieLens], into: store)
        let now = Date()
        func shown(_ id: String, _ user: String, _ ago: Double, _ movies: [Int]) -> Exposure {
            Exposure(requestID: id, experiment: "", variant: "", userID: user, surface: "personalized", exposedAt: now - ago, movies: movies)
        }
        try await store.record([shown("a", "ann", 7200, [155, 2]), shown("b", "ann", 60, [27205, 4, 5]), shown("c", "bob", 60, [6])])
        _ = try await store.record([
            FeedbackEvent(eventID: "e1", kind: .click, userID: "ann", tmdbID: 27205, requestID: "b", rating: nil, occurredAt: now),
        ])
        #expect(try await store.shownUnclicked(to: "ann", since: now - 3600) == [4, 5], "the last hour's, less the one clicked")
        #expect(try await store.shownUnclicked(to: "ann", since: now - 86_400) == [155, 2, 4, 5])
        #expect(try await store.shownUnclicked(to: "cy", since: now - 86_400) == [])
    }

    @Test func aClickAfterAShowingLetsTheMovieBackAndOneBeforeItDoesNot() {
        let t = Date(timeIntervalSince1970: 1_000_000)
        let movies = ShownUnclicked.movies(
            shown: [(t, [1, 2, 3]), (t + 100, [3])], clicks: [(movie: 1, at: t + 5), (movie: 2, at: t - 50), (movie: 3, at: t + 200)])
        #expect(movies == [2])
    }
}
