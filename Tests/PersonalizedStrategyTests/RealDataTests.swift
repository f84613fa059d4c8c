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

/// `MODEL_MEMORY_LIMIT` and `max_items` on ml-latest-small's 610 users × 9,724 movies, whose
/// EASE^R fit (Woodbury form) works in about 50 MB.
@Suite struct PersonalizedMemoryLimitTests {
    static let limit = 8 << 20

    @Test func aFitOverTheLimitRefusesBeforeAllocatingAndNamesAMaxItemsThatFits() async throws {
        let data = try await RealCatalogue.trainingData()
        let refusal = await #expect(throws: MemoryLimitExceeded.self) {
            try await PersonalizedStrategy(parameters: .init()).fit(FitContext(data: data, memoryLimit: Self.limit))
        }
        let change = try #require(refusal?.change)
        #expect(refusal?.needed ?? 0 > Self.limit && refusal?.description.contains("MODEL_MEMORY_LIMIT") == true)
        let words = change.split(separator: " ")
        let suggested = try #require(words.firstIndex(of: "to").flatMap { Int(words[$0 + 1]) }, "\(change)")

        var parameters = PersonalizedStrategy.Parameters()
        parameters.maxItems = suggested
        let model = try await PersonalizedStrategy(parameters: parameters).fit(FitContext(data: data, memoryLimit: Self.limit))
        #expect(model.summary.items == suggested)
        parameters.maxItems = suggested * 2
        await #expect(throws: MemoryLimitExceeded.self, "the suggestion is the largest that fits, near enough") {
            try await PersonalizedStrategy(parameters: parameters).fit(FitContext(data: data, memoryLimit: Self.limit))
        }
    }

    @Test func maxItemsKeepsTheMostRatedMoviesAndRecommendsOnlyThem() async throws {
        let data = try await RealCatalogue.trainingData()
        var counts: [MovieID: Int] = [:]
        for interaction in data.interactions { counts[interaction.movie, default: 0] += 1 }
        let top = Set(counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(300).map(\.key))
        var parameters = PersonalizedStrategy.Parameters()
        parameters.maxItems = 300
        let model = try await PersonalizedStrategy(parameters: parameters).fit(FitContext(data: data))
        #expect(model.summary.items == 300)
        let history = try await [27205, 155, 157336].enumerated().asyncMap { index, tmdbID in
            Interaction(user: "capped", movie: try await RealCatalogue.movie(tmdbID: tmdbID), rating: 5, timestamp: Int64(index))
        }
        let answer = try model.recommend(RecommendationRequest(userID: "capped", history: history, limit: 20, excluded: Set(history.map(\.movie))))
        #expect(answer.count == 20 && answer.allSatisfy { top.contains($0.movie) })
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
