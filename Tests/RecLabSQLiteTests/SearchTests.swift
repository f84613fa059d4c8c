import Foundation
import RecLabCore
import RecLabSQLite
import TestSupport
import Testing

@Suite struct SearchTests {
    func topIDs(_ query: String, count: Int = 5) async throws -> [Int?] {
        try await RealCatalogue.store().movies(matching: query, page: 1, pageSize: 20).movies.prefix(count).map(\.tmdbID)
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
        let results = try await RealCatalogue.store().movies(matching: "star wars", page: 1, pageSize: 20).movies
        #expect(results.first?.tmdbID == 11)
    }

    @Test func pagesSplitTheResultsWithoutOverlap() async throws {
        let store = try await RealCatalogue.store()
        let first = try await store.movies(matching: "love", page: 1, pageSize: 20)
        let second = try await store.movies(matching: "love", page: 2, pageSize: 20)
        #expect(first.totalResults == second.totalResults)
        #expect(first.totalResults > 40)
        #expect(Set(first.movies.map(\.id)).isDisjoint(with: second.movies.map(\.id)))
    }

    @Test func aQueryWithNoWordsFindsNothing() async throws {
        #expect(try await RealCatalogue.store().movies(matching: "?!", page: 1, pageSize: 20).totalResults == 0)
    }
}
