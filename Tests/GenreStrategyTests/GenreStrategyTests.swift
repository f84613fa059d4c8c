import GenreStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct GenreStrategyTests {
    func model(_ parameters: GenreStrategy.Parameters = .init()) async throws -> any FittedModel {
        try await GenreStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data))
    }

    @Test func onlyMoviesOfTheGenreAreReturned() async throws {
        let answer = try await model().recommend(RecommendationRequest(genre: TinyCatalogue.sciFi, limit: 10))
        #expect(Set(answer.map(\.movie)) == [1, 2, 3])
    }

    @Test func manyVotesBeatAFewPerfectOnesUnderTheBayesianPrior() async throws {
        var parameters = GenreStrategy.Parameters()
        parameters.popularityWeight = 0
        let answer = try await model(parameters).recommend(RecommendationRequest(genre: TinyCatalogue.sciFi, limit: 10))
        // 9.0 from 10 votes is pulled to the mean; 8.0 from 5,000 votes stands.
        #expect(answer.map(\.movie) == [1, 3, 2] || answer.map(\.movie) == [1, 2, 3])
        #expect(answer.first?.movie == 1)
        #expect(answer.first?.reason == "Top Science Fiction: 8.0/10 from 5000 TMDB votes")
    }

    @Test func popularityWeightLiftsThePopularMovie() async throws {
        var parameters = GenreStrategy.Parameters()
        parameters.popularityWeight = 1
        let answer = try await model(parameters).recommend(RecommendationRequest(genre: TinyCatalogue.sciFi, limit: 1))
        #expect(answer.map(\.movie) == [3])
    }

    @Test func moviesWithoutTMDBVotesAreRankedByTheirRatings() async throws {
        let answer = try await model().recommend(RecommendationRequest(genre: TinyCatalogue.animation, limit: 10))
        #expect(answer.map(\.movie) == [5, 4])
        #expect(answer.first?.reason == "Top Animation: 4.8/5 from 3 ratings")
    }

    @Test func exclusionsAndTheTMDBFilterAreHonoured() async throws {
        let answer = try await model().recommend(RecommendationRequest(genre: TinyCatalogue.drama, limit: 10, excluded: [3], requireTMDBID: true))
        #expect(answer.isEmpty)
    }

    @Test func aRequestWithoutAGenreIsRefused() async throws {
        let model = try await model()
        #expect(throws: RecommendationError.missingInput("a genre")) { try model.recommend(RecommendationRequest()) }
    }

    @Test func parametersOutOfRangeAreNamed() {
        var parameters = GenreStrategy.Parameters()
        parameters.popularityWeight = 2
        #expect(throws: ParameterError(field: "popularity_weight", problem: "must be between 0 and 1, got 2.0")) { try parameters.validate() }
    }
}
