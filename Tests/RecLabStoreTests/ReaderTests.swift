import Foundation
import RecLabCore
import RecLabStore
import TestSupport
import Testing

/// Small hand-written data sets on disk, in each publisher's layout.
enum SmallDatasets {
    static func movieLens(ratings: String = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n2,1,5.0,964982224\n") throws -> URL {
        let folder = try makeTemporaryDirectory("ml")
        try "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n2,\"American President, The (1995)\",Comedy|Drama|Romance\n3,Blade Runner (1982),Sci-Fi|Thriller|IMAX\n"
            .write(to: folder.appending(path: "movies.csv"), atomically: true, encoding: .utf8)
        try "movieId,imdbId,tmdbId\n1,0114709,862\n2,0112346,9087\n3,0083658,78\n"
            .write(to: folder.appending(path: "links.csv"), atomically: true, encoding: .utf8)
        try ratings.write(to: folder.appending(path: "ratings.csv"), atomically: true, encoding: .utf8)
        try "userId,movieId,tag,timestamp\n2,1,pixar,1445714994\n3,1,Pixar,1445714996\n3,3,dystopia,1445714996\n"
            .write(to: folder.appending(path: "tags.csv"), atomically: true, encoding: .utf8)
        return folder
    }
}

@Suite struct MovieLensReaderTests {
    @Test func readsMoviesLinksRatingsAndTagsAsKeywords() throws {
        let dataset = try MovieLensReader.read(folder: SmallDatasets.movieLens())
        #expect(dataset.movies.count == 3)
        #expect(dataset.ratings.count == 3)
        let toyStory = try #require(dataset.movies.first)
        #expect(toyStory.title == "Toy Story")
        #expect(toyStory.year == 1995)
        #expect(toyStory.tmdbID == 862)
        #expect(toyStory.imdbID == "tt0114709")
        #expect(toyStory.keywords == ["pixar"])  // "pixar" and "Pixar" are one keyword
        #expect(toyStory.genres.map(\.name) == ["Adventure", "Animation", "Family", "Comedy", "Fantasy"])
    }

    @Test func sciFiBecomesTMDBScienceFictionAndIMAXIsDropped() throws {
        let dataset = try MovieLensReader.read(folder: SmallDatasets.movieLens())
        #expect(dataset.movies[2].genres == [Genre(id: 878, name: "Science Fiction"), Genre(id: 53, name: "Thriller")])
    }

    @Test func sortFormTitlesAreShownWithTheirArticleFirst() throws {
        let dataset = try MovieLensReader.read(folder: SmallDatasets.movieLens())
        #expect(dataset.movies[1].title == "The American President")
    }

    @Test func ratingOffTheHalfStarScaleIsRefusedWithFileAndLine() throws {
        let folder = try SmallDatasets.movieLens(ratings: "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,7.0,964981247\n")
        #expect(throws: ImportError(file: "ratings.csv", line: 3, problem: "column rating: 7.0 is not a half-star rating 0.5–5.0")) {
            _ = try MovieLensReader.read(folder: folder)
        }
    }

    @Test func ratingOfAnUnknownMovieIsRefused() throws {
        let folder = try SmallDatasets.movieLens(ratings: "userId,movieId,rating,timestamp\n1,99,4.0,964982703\n")
        #expect(throws: ImportError(file: "ratings.csv", line: 2, problem: "column movieId: 99 is not in movies.csv")) {
            _ = try MovieLensReader.read(folder: folder)
        }
    }

    @Test func realMovieLensHasItsPublishedCounts() throws {
        let dataset = try MovieLensReader.read(folder: SharedFolder.datasets().appending(path: "ml-latest-small"))
        #expect(dataset.movies.count == 9_742)
        #expect(dataset.ratings.count == 100_836)
        #expect(Set(dataset.ratings.map(\.userID)).count == 610)
        #expect(dataset.movies.filter { $0.tmdbID == nil }.count == 8)
    }
}

@Suite struct TMDBAndIMDBReaderTests {
    @Test func tmdbJSONColumnsBecomeNames() throws {
        let dataset = try TMDBReader.read(file: SharedFolder.datasets().appending(path: "tmdb-5000/tmdb_5000_movies.csv"))
        #expect(dataset.movies.count == 4_803)
        let inception = try #require(dataset.movies.first { $0.tmdbID == 27205 })
        #expect(inception.title == "Inception")
        #expect(inception.releaseDate == "2010-07-14")
        #expect(inception.keywords.contains("dream"))
        #expect(inception.genres.contains(Genre(id: 878, name: "Science Fiction")))
        #expect(inception.productionCompanies.contains("Legendary Pictures"))
    }

    @Test func malformedJSONInATMDBColumnNamesTheLineAndColumn() throws {
        let folder = try makeTemporaryDirectory("tmdb")
        let header = "budget,genres,homepage,id,keywords,original_language,original_title,overview,popularity,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,vote_average,vote_count"
        let good = "1,\"[{\"\"id\"\": 28, \"\"name\"\": \"\"Action\"\"}]\",,1,[],en,A,o,1.0,[],[],2000-01-01,0,90,[],Released,,A,7.0,10"
        let bad = "1,\"[{\"\"id\"\": 28, \"\"name\"\"\",,2,[],en,B,o,1.0,[],[],2000-01-01,0,90,[],Released,,B,7.0,10"
        let file = folder.appending(path: TMDBReader.fileName)
        try "\(header)\n\(good)\n\(bad)\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ImportError(file: TMDBReader.fileName, line: 3, problem: "column genres: is not a JSON array of {\"name\": …} objects")) {
            _ = try TMDBReader.read(file: file)
        }
    }

    @Test func imdbDuplicateRowsBecomeOneMovieWithDirectorAndLeadActors() throws {
        let dataset = try IMDBReader.read(file: SharedFolder.datasets().appending(path: "imdb-5000/movie_metadata.csv"))
        #expect(dataset.rowsRead == 5_043)
        #expect(dataset.movies.count == 4_919)
        let inception = try #require(dataset.movies.first { $0.imdbID == "tt1375666" })
        #expect(inception.title == "Inception")  // without the file's trailing non-breaking space
        #expect(inception.crew == [CrewMember(name: "Christopher Nolan", job: "Director")])
        #expect(inception.cast.first?.name == "Leonardo DiCaprio")
    }

    @Test func locatorFindsAllThreeDataSetsInTheSharedFolderMovieLensFirst() throws {
        let found = try DatasetLocator.locate([SharedFolder.datasets()])
        #expect(found.map(\.kind) == [.movieLens, .tmdb, .imdb])
    }

    @Test func locatorRefusesAFolderWithoutData() throws {
        let folder = try makeTemporaryDirectory("empty")
        #expect(throws: ImportError.self) { _ = try DatasetLocator.locate([folder]) }
    }
}

@Suite struct GenreCatalogTests {
    @Test func namesAliasesAndIdsResolveToTMDBGenres() {
        #expect(GenreCatalog.genre(named: "sci-fi")?.id == 878)
        #expect(GenreCatalog.genre(named: "Science Fiction")?.id == 878)
        #expect(GenreCatalog.genre(named: "ANIMATION")?.id == 16)
        #expect(GenreCatalog.genre(named: "10751")?.name == "Family")
        #expect(GenreCatalog.genre(named: "Children")?.name == "Family")
        #expect(GenreCatalog.genre(named: "Biography") == nil)
    }
}
