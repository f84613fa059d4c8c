import PersonalizedStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct PersonalizedOnRealDataTests {
    static let pixar = [862, 863, 10193, 585, 12, 2062, 9806, 14160]

    /// EASE^R, the configured model (ALS at its reference settings puts only one animated
    /// film in this top ten: its 32 factors favour what is popular overall).
    @Test func aNewUserWhoLikesFivePixarFilmsGetsAnimationInTheirTopTen() async throws {
        let data = try await RealCatalogue.trainingData()
        var parameters = PersonalizedStrategy.Parameters()
        parameters.algorithm = .ease
        let model = try await PersonalizedStrategy(parameters: parameters).fit(FitContext(data: data))
        var history: [Interaction] = []
        for (index, tmdbID) in Self.pixar.prefix(5).enumerated() {
            history.append(Interaction(user: "new", movie: try await RealCatalogue.movie(tmdbID: tmdbID), rating: 5, timestamp: Int64(index)))
        }
        let answer = try model.recommend(RecommendationRequest(
            userID: "new", history: history, limit: 10, excluded: Set(history.map(\.movie)), requireTMDBID: true))
        #expect(answer.count == 10)
        let animated = answer.filter { data.catalogue.item($0.movie)!.genres.contains(GenreCatalog.genre(named: "Animation")!) }
        #expect(animated.count >= 3, "\(answer.map { data.catalogue.item($0.movie)!.title })")
        #expect(answer.allSatisfy { $0.reason.hasPrefix("Because you liked") })
    }
}
