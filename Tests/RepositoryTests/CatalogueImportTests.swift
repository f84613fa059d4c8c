import Foundation
import RecLabCore
import RecLabPostgres
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

/// The catalogue merge, on every backend: one movie per film across the data sets, the best
/// metadata, and the same catalogue however and however often it is imported.
@Suite struct CatalogueImportTests {
    @Test(arguments: Backend.allCases)
    func linkedRowsBecomeOneMovieWithTheBestOfEachSource(_ backend: Backend) async throws {
        let mini = try MiniDatasets.write()
        let store = try await backend.emptyStore()
        let report = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: store)
        // Inception, The Dark Knight, the MovieLens-only short, and Memento (TMDB + IMDb by title and year).
        #expect(report.counts.movies == 4)
        #expect(report.counts.ratings == 3)
        let inception = try #require(try await store.movie(tmdbID: 27205))
        #expect(inception.movieLensID == 1)
        #expect(inception.imdbID == "tt1375666")
        #expect(inception.tagline == "Your mind is the scene of the crime.")
        #expect(inception.voteAverage == 8.1)  // TMDB's, not IMDb's 8.8
        #expect(inception.genres == ["Action", "Science Fiction"])
        #expect(inception.directors == ["Christopher Nolan"])
        #expect(inception.cast.map(\.name) == ["Leonardo DiCaprio", "Tom Hardy", "Joseph Gordon-Levitt"])
        #expect(inception.keywords == ["heist", "dream", "subconscious", "dreams"])
        let memento = try #require(try await store.movie(tmdbID: 77))
        #expect(memento.imdbID == "tt0209144")
        #expect(memento.directors == ["Christopher Nolan"])
        // One movie for the three data sets' rows of The Dark Knight, not one per source.
        let darkKnight = try await store.contents().movies.filter { SearchText.titleKey($0.title) == "dark knight" }
        #expect(darkKnight.map(\.title) == ["The Dark Knight"])
        #expect(darkKnight.first?.runtime == 152)  // IMDb's metadata beats MovieLens's
    }

    @Test(arguments: Backend.allCases)
    func importingTwiceGivesTheSameCatalogue(_ backend: Backend) async throws {
        let mini = try MiniDatasets.write()
        let store = try await backend.emptyStore()
        let first = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: store)
        let firstContents = try await store.contents().movies
        let second = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: store)
        #expect(first.counts == second.counts)
        #expect(try await store.contents().movies == firstContents)
    }

    @Test(arguments: Backend.allCases)
    func importOrderDoesNotChangeTheCatalogue(_ backend: Backend) async throws {
        let mini = try MiniDatasets.write()
        let together = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: together)
        let oneByOne = try await backend.emptyStore()
        for path in [mini.imdb, mini.tmdb, mini.movieLens] {
            _ = try await CatalogueImport.run(paths: [path], into: oneByOne)
        }
        #expect(try await together.counts() == oneByOne.counts())
        var expected = try #require(try await together.movie(tmdbID: 27205))
        var actual = try #require(try await oneByOne.movie(tmdbID: 27205))
        (expected.id, actual.id) = (0, 0)
        #expect(actual == expected)
    }

    @Test(arguments: Backend.allCases)
    func aBrokenLineIsRefusedWithFileAndLineAndChangesNothing(_ backend: Backend) async throws {
        let mini = try MiniDatasets.write()
        let store = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [mini.movieLens], into: store)
        let before = try await store.counts()
        let broken = mini.imdb.appending(path: IMDBReader.fileName)
        try (String(contentsOf: broken, encoding: .utf8) + "\nJohn Doe,only,three fields").write(to: broken, atomically: true, encoding: .utf8)
        await #expect(throws: ImportError(file: IMDBReader.fileName, line: 6, problem: "expected 14 fields, found 3")) {
            _ = try await CatalogueImport.run(paths: [mini.tmdb, mini.imdb], into: store)
        }
        #expect(try await store.counts() == before)
        #expect(try await store.movie(tmdbID: 27205)?.tagline == nil)  // TMDB's data did not land either
    }

    @Test(arguments: Backend.allCases)
    func tmdbEnrichmentAsksForEachMovieOnceAndSkipsUnknownIDs(_ backend: Backend) async throws {
        let mini = try MiniDatasets.write()
        let store = try await backend.emptyStore()
        _ = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb], into: store)
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil) == [27205, 155, 77])
        #expect(try await store.moviesAwaitingTMDBDetails(limit: 1) == [27205])
        try await store.recordUnknownToTMDB([155])
        try await store.recordUnknownToTMDB([155])
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil) == [27205, 77])
        var details = SourceMovie(title: "Inception")
        details.tmdbID = 27205
        details.tagline = "From TMDB's API"
        _ = try await store.importDatasets([Dataset(kind: .tmdbAPI, location: URL(string: "https://api.themoviedb.org/3")!, movies: [details], rowsRead: 1)], progress: nil)
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil) == [77])
        #expect(try await store.movie(tmdbID: 27205)?.tagline == "From TMDB's API")
    }

    /// The real data sets give the very same catalogue (ids, metadata, audiences) on SQLite
    /// and PostgreSQL, and importing them again into PostgreSQL changes nothing.
    @Test func realDataGivesTheSameCatalogueOnEveryBackend() async throws {
        let sqlite = try await Backend.sqlite.emptyStore()
        let postgres = try await Backend.postgres.emptyStore()
        let first = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: sqlite)
        let onPostgres = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: postgres)
        #expect(first.counts == onPostgres.counts)
        #expect(first.counts.ratings == 100_836)
        #expect(first.counts.ratingUsers == 610)
        // Every MovieLens movie stays a movie of its own; TMDB and IMDb add the rest.
        #expect(first.counts.movies > 9_742 + 1_000)
        let (expected, actual) = (try await sqlite.contents(), try await postgres.contents())
        #expect(actual.movies.count == expected.movies.count)
        for (left, right) in zip(expected.movies, actual.movies) where left != right {
            Issue.record("movie \(left.id) differs: \(left) versus \(right)")
            break
        }
        #expect(actual.audience == expected.audience)
        #expect(actual.genres == expected.genres)
        let again = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: postgres)
        #expect(again.counts == onPostgres.counts)
        #expect(try await postgres.trainingData(includingPreferences: false).interactions == sqlite.trainingData(includingPreferences: false).interactions)
    }
}
