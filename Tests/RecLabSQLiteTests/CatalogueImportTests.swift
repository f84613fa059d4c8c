import Foundation
import RecLabCore
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

/// Hand-written files in the three publishers' layouts, describing the same two films.
enum MiniDatasets {
    static func write() throws -> (movieLens: URL, tmdb: URL, imdb: URL) {
        let root = try makeTemporaryDirectory("mini")
        let movieLens = root.appending(path: "ml")
        try FileManager.default.createDirectory(at: movieLens, withIntermediateDirectories: true)
        try "movieId,title,genres\n1,Inception (2010),Action|Sci-Fi\n2,\"Dark Knight, The (2008)\",Action|Crime\n3,Obscure Short (1931),(no genres listed)\n"
            .write(to: movieLens.appending(path: "movies.csv"), atomically: true, encoding: .utf8)
        try "movieId,imdbId,tmdbId\n1,1375666,27205\n2,0468569,155\n3,0000003,\n"
            .write(to: movieLens.appending(path: "links.csv"), atomically: true, encoding: .utf8)
        try "userId,movieId,rating,timestamp\n1,1,4.5,1\n1,2,5.0,2\n2,1,3.0,3\n"
            .write(to: movieLens.appending(path: "ratings.csv"), atomically: true, encoding: .utf8)
        try "userId,movieId,tag,timestamp\n1,1,dreams,1\n"
            .write(to: movieLens.appending(path: "tags.csv"), atomically: true, encoding: .utf8)
        let tmdb = root.appending(path: "tmdb")
        try FileManager.default.createDirectory(at: tmdb, withIntermediateDirectories: true)
        let header = "budget,genres,homepage,id,keywords,original_language,original_title,overview,popularity,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,vote_average,vote_count"
        let inception = "160000000,\"[{\"\"id\"\": 28, \"\"name\"\": \"\"Action\"\"}, {\"\"id\"\": 878, \"\"name\"\": \"\"Science Fiction\"\"}]\",,27205,\"[{\"\"id\"\": 1, \"\"name\"\": \"\"heist\"\"}]\",en,Inception,A thief who steals corporate secrets.,167.5,[],[],2010-07-14,825532764,148,[],Released,Your mind is the scene of the crime.,Inception,8.1,13752"
        // Only in TMDB: matched to the IMDb-only row below by title and year.
        let memento = "9000000,[],,77,[],en,Memento,A man with no memory.,40.0,[],[],2000-10-11,39723096,113,[],Released,,Memento,8.1,4000"
        try "\(header)\n\(inception)\n\(memento)\n".write(to: tmdb.appending(path: TMDBReader.fileName), atomically: true, encoding: .utf8)
        let imdb = root.appending(path: "imdb")
        try FileManager.default.createDirectory(at: imdb, withIntermediateDirectories: true)
        let imdbHeader = "director_name,actor_1_name,actor_2_name,actor_3_name,genres,movie_title,plot_keywords,movie_imdb_link,duration,title_year,imdb_score,num_voted_users,country,language"
        let rows = [
            "Christopher Nolan,Leonardo DiCaprio,Tom Hardy,Joseph Gordon-Levitt,Action|Sci-Fi,Inception\u{00A0},dream|subconscious,http://www.imdb.com/title/tt1375666/?ref_=fn_tt_tt_1,148,2010,8.8,1468200,USA,English",
            "Christopher Nolan,Christian Bale,Heath Ledger,Morgan Freeman,Action|Crime,The Dark Knight\u{00A0},joker,http://www.imdb.com/title/tt0468569/,152,2008,9.0,1676169,USA,English",
            "Christopher Nolan,Christian Bale,Heath Ledger,Morgan Freeman,Action|Crime,The Dark Knight\u{00A0},joker,http://www.imdb.com/title/tt0468569/,152,2008,9.0,1676169,USA,English",
            "Christopher Nolan,Guy Pearce,Carrie-Anne Moss,Joe Pantoliano,Mystery|Thriller,Memento\u{00A0},memory,http://www.imdb.com/title/tt0209144/,113,2000,8.5,902581,USA,English",
        ]
        try ([imdbHeader] + rows).joined(separator: "\n").write(to: imdb.appending(path: IMDBReader.fileName), atomically: true, encoding: .utf8)
        return (movieLens, tmdb, imdb)
    }
}

func makeStore() throws -> SQLiteStore {
    try SQLiteStore(path: makeTemporaryDirectory("store").appending(path: "db.sqlite").path)
}

@Suite struct CatalogueImportTests {
    @Test func schemaIsBuiltByNamedMigrations() async throws {
        #expect(try await makeStore().appliedMigrations() == ["v1-catalogue", "v2-evaluations", "v3-events", "v4-exposures", "v5-search-in-memory", "v6-attribution", "v7-tmdb-api", "v8-change-feed"])
    }

    @Test func linkedRowsBecomeOneMovieWithTheBestOfEachSource() async throws {
        let mini = try MiniDatasets.write()
        let store = try makeStore()
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

    @Test func importingTwiceGivesTheSameCatalogue() async throws {
        let mini = try MiniDatasets.write()
        let store = try makeStore()
        let first = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: store)
        let firstInception = try await store.movie(tmdbID: 27205)
        let second = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: store)
        #expect(first.counts == second.counts)
        #expect(try await store.movie(tmdbID: 27205) == firstInception)
    }

    @Test func importOrderDoesNotChangeTheCatalogue() async throws {
        let mini = try MiniDatasets.write()
        let together = try makeStore()
        _ = try await CatalogueImport.run(paths: [mini.movieLens, mini.tmdb, mini.imdb], into: together)
        let oneByOne = try makeStore()
        for path in [mini.imdb, mini.tmdb, mini.movieLens] {
            _ = try await CatalogueImport.run(paths: [path], into: oneByOne)
        }
        #expect(try await together.counts() == oneByOne.counts())
        var expected = try #require(try await together.movie(tmdbID: 27205))
        var actual = try #require(try await oneByOne.movie(tmdbID: 27205))
        (expected.id, actual.id) = (0, 0)
        #expect(actual == expected)
    }

    @Test func aBrokenLineIsRefusedWithFileAndLineAndChangesNothing() async throws {
        let mini = try MiniDatasets.write()
        let store = try makeStore()
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

    @Test func realDataImportedTwiceGivesTheSameCounts() async throws {
        let store = try makeStore()
        let first = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: store)
        let second = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: store)
        #expect(first.counts == second.counts)
        #expect(first.counts.ratings == 100_836)
        #expect(first.counts.ratingUsers == 610)
        // Every MovieLens movie stays a movie of its own; TMDB and IMDb add the rest.
        #expect(first.counts.movies > 9_742 + 1_000)
    }
}
