import GenreStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct GenreOnRealDataTests {
    @Test(arguments: ["sci-fi", "Animation", "10752"])
    func everyAnswerBelongsToTheGenreAsked(name: String) async throws {
        let data = try await RealCatalogue.trainingData()
        let genre = try #require(GenreCatalog.genre(named: name))
        let model = try await GenreStrategy(parameters: .init()).fit(FitContext(data: data))
        let answer = try model.recommend(RecommendationRequest(genre: genre, limit: 50, requireTMDBID: true))
        #expect(answer.count == 50)
        for recommendation in answer {
            #expect(data.catalogue.item(recommendation.movie)!.genres.contains(genre))
        }
    }
}
