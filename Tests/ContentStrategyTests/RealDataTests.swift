import ContentStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct ContentOnRealDataTests {
    @Test func similarToInceptionIncludesInterstellarOrAnotherNolanFilm() async throws {
        let data = try await RealCatalogue.trainingData()
        let model = try await ContentStrategy(parameters: .init()).fit(FitContext(data: data))
        let inception = try await RealCatalogue.movie(tmdbID: 27205)
        let answer = try model.recommend(RecommendationRequest(seedMovie: inception, limit: 10, excluded: [inception]))
        let tmdbIDs = Set(answer.compactMap { data.catalogue.item($0.movie)?.tmdbID })
        #expect(!tmdbIDs.isDisjoint(with: [157336, 155, 49026, 272, 1124, 77]))
        #expect(answer.contains { $0.reason.contains("Christopher Nolan") })
    }
}
