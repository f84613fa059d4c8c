import PopularityStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct PopularityStrategyTests {
    func model(_ ranking: PopularityStrategy.Ranking, minimumVotes: Int = 2) async throws -> any FittedModel {
        var parameters = PopularityStrategy.Parameters()
        parameters.ranking = ranking
        parameters.minimumVotes = minimumVotes
        return try await PopularityStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data))
    }

    @Test func popularRanksByInteractionCountWithTiesBySmallerID() async throws {
        let answer = try await model(.popular).recommend(RecommendationRequest(limit: 10))
        #expect(answer.map(\.movie) == [1, 4, 5, 2, 6])
        #expect(answer.first?.reason == "Popular: 4 ratings")
    }

    @Test func popularSkipsExcludedMoviesAndMoviesWithoutTMDBID() async throws {
        let answer = try await model(.popular).recommend(RecommendationRequest(limit: 10, excluded: [1], requireTMDBID: true))
        #expect(answer.map(\.movie) == [4, 5, 2])
    }

    @Test func topRatedUsesTheBayesianMeanAndTheMinimumVotes() async throws {
        let answer = try await model(.topRated, minimumVotes: 3).recommend(RecommendationRequest(limit: 10))
        // Movies with at least 3 ratings: 1 (mean 4.125), 4 (2.5), 5 (4.83).
        #expect(answer.map(\.movie) == [5, 1, 4])
        #expect(answer.first?.reason == "Top rated: 4.8/5 from 3 ratings")
    }

    @Test func trendingFavoursTheNewestInteractions() async throws {
        let answer = try await model(.trending).recommend(RecommendationRequest(timeWindow: .day, limit: 3))
        // The newest ratings (days 11–13) are of movies 2 and 6.
        #expect(answer.map(\.movie).prefix(2) == [6, 2])
        #expect(answer.first?.reason == "Trending today: 1 recent rating")
    }

    @Test func aLongerWindowRemembersOlderInterest() async throws {
        let answer = try await model(.trending).recommend(RecommendationRequest(timeWindow: .month, limit: 1))
        #expect(answer.map(\.movie) == [1] || answer.map(\.movie) == [5])
    }
}
