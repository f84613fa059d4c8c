import PopularityStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct PopularityOnRealDataTests {
    func answer(_ ranking: PopularityStrategy.Ranking, limit: Int = 3) async throws -> [String] {
        var parameters = PopularityStrategy.Parameters()
        parameters.ranking = ranking
        let data = try await RealCatalogue.trainingData()
        let model = try await PopularityStrategy(parameters: parameters).fit(FitContext(data: data))
        return try model.recommend(RecommendationRequest(limit: limit)).map { data.catalogue.item($0.movie)!.title }
    }

    @Test func theMostRatedMovieOfMovieLensIsForrestGump() async throws {
        #expect(try await answer(.popular) == ["Forrest Gump", "The Shawshank Redemption", "Pulp Fiction"])
    }

    @Test func topRatedOpensWithTheShawshankRedemption() async throws {
        #expect(try await answer(.topRated).first == "The Shawshank Redemption")
    }
}
