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
        // The newest ratings (days 11–13) are of movies 2 and 6. Six movies are too few for a
        // day, so the window widens: 2's two ratings then weigh against 6's one.
        #expect(Set(answer.map(\.movie).prefix(2)) == [6, 2])
        #expect(answer.first?.reason == "Trending today: 1 recent rating")
    }

    @Test func aLongerWindowRemembersOlderInterest() async throws {
        let answer = try await model(.trending).recommend(RecommendationRequest(timeWindow: .month, limit: 1))
        #expect(answer.map(\.movie) == [1] || answer.map(\.movie) == [5])
    }

    @Test func aQuietWindowIsWidenedSoEveryPositionIsEarnedAndNoneIsFilledByID() async throws {
        // Five movies rated today; 150 others rated in the three years before, the higher the
        // id the more often and the more recently. A day holds too few movies, so the older
        // interest orders the rest: by it, not by id.
        let day: Int64 = 86_400
        let today = 3 * 365 * day
        var interactions = (1...5).map { Interaction(user: "today", movie: MovieID($0), rating: 5, timestamp: today - Int64($0) * 60) }
        for movie in 6...155 {
            for rater in 0...(movie / 10) {
                interactions.append(Interaction(user: "r\(rater)", movie: MovieID(movie), rating: 4, timestamp: Int64(movie) * 5 * day))
            }
        }
        let catalogue = Catalogue((1...200).map { CatalogueItem(id: MovieID($0), tmdbID: $0, title: "Movie \($0)") })
        var parameters = PopularityStrategy.Parameters()
        parameters.ranking = .trending
        let model = try await PopularityStrategy(parameters: parameters).fit(FitContext(data: TrainingData(catalogue: catalogue, interactions: interactions)))
        let answer = try model.recommend(RecommendationRequest(timeWindow: .day, limit: 20))
        #expect(answer.count == 20)
        #expect(Set(answer.prefix(5).map(\.movie)) == Set((1...5).map { MovieID($0) }), "today's interest comes first")
        #expect(answer.allSatisfy { $0.score > 0.0001 }, "\(answer.map(\.score))")
        #expect(answer[5].movie == 155, "the strongest older interest follows, not the smallest id")
        // Movies nobody rated are never listed, however long the list asked for.
        let all = try model.recommend(RecommendationRequest(timeWindow: .day, limit: 1000))
        #expect(all.count == 155 && all.allSatisfy { $0.movie <= 155 && $0.score > 0 })
    }
}
