import Foundation
import RecLabCore
import RecLabSearch
import RecLabStore
import TestSupport
import Testing

/// The real catalogue's search index and its movies, built once per test process.
enum RealSearch {
    private static let building = Task { () throws -> (SearchIndex, [MovieID: Movie]) in
        let contents = try await RealCatalogue.store().contents()
        let index = SearchIndex(contents.movies.map { SearchDocument($0, audience: contents.audience[$0.id] ?? 0) })
        return (index, Dictionary(uniqueKeysWithValues: contents.movies.map { ($0.id, $0) }))
    }

    /// One page of 20, as the API pages.
    static func page(_ query: String, _ page: Int = 1) async throws -> (movies: [Movie], totalResults: Int) {
        let (index, movies) = try await building.value
        let hits = index.search(query, offset: (page - 1) * 20, limit: 20)
        return (hits.ids.map { movies[$0]! }, hits.total)
    }
}

@Suite struct SearchTests {
    func topIDs(_ query: String, count: Int = 5) async throws -> [Int?] {
        try await RealSearch.page(query).movies.prefix(count).map(\.tmdbID)
    }

    @Test func inceptionIsTheFirstHitForItsTitle() async throws {
        #expect(try await topIDs("inception").first == 27205)
    }

    @Test func aPrefixFindsTheMovie() async throws {
        #expect(try await topIDs("incep").contains(27205))
    }

    @Test func aOneLetterTypoStillFindsTheMovie() async throws {
        #expect(try await topIDs("incepton").contains(27205))
        #expect(try await topIDs("interstelar").first == 157336)
    }

    @Test func anExactTitleComesBeforeLongerTitlesThatContainIt() async throws {
        #expect(try await topIDs("godfather").first == 238)
        #expect(try await topIDs("the dark knight").first == 155)
        #expect(try await topIDs("alien").first == 348)
    }

    @Test func peopleAndKeywordsAreSearchable() async throws {
        let nolan = try await topIDs("christopher nolan", count: 10)
        #expect(nolan.contains(157336) && nolan.contains(1124))
        #expect(try await topIDs("dicaprio titanic").first == 597)
    }

    @Test func accentsAndCaseDoNotMatter() async throws {
        #expect(try await topIDs("AMELIE").first == 194)
    }

    @Test func widelyRatedMoviesRankAboveObscureOnesForTheSameWords() async throws {
        let results = try await RealSearch.page("star wars").movies
        #expect(results.first?.tmdbID == 11)
    }

    @Test func pagesSplitTheResultsWithoutOverlap() async throws {
        let first = try await RealSearch.page("love", 1)
        let second = try await RealSearch.page("love", 2)
        #expect(first.totalResults == second.totalResults)
        #expect(first.totalResults > 40)
        #expect(Set(first.movies.map(\.id)).isDisjoint(with: second.movies.map(\.id)))
    }

    @Test func aQueryWithNoWordsFindsNothing() async throws {
        #expect(try await RealSearch.page("?!").totalResults == 0)
    }
}
