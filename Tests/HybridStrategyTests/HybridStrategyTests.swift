import HybridStrategy
import PopularityStrategy
import RecLabCore
import TestSupport
import Testing

/// A model with fixed scores, to see the blend's arithmetic.
struct FixedModel: FittedModel {
    let scores: [(MovieID, Double)]
    let reason: String
    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        scores.filter { !request.excluded.contains($0.0) }.prefix(request.limit).map { Recommendation(movie: $0.0, score: $0.1, reason: reason) }
    }
    var summary: ModelSummary { ModelSummary(items: scores.count) }
    func write(to writer: inout ModelWriter) {
        writer.write(array: scores.map(\.0))
        writer.write(array: scores.map(\.1))
        writer.write(reason)
    }
}

/// A model whose reasons are dear: it leaves them out when not wanted, and says how many
/// movies it was asked to explain.
struct ExplainingModel: FittedModel {
    let scores: [(MovieID, Double)]
    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        scores.prefix(request.limit).map { Recommendation(movie: $0.0, score: $0.1, reason: request.wantsReasons ? "answered" : "") }
    }
    func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        var bare = request
        bare.wantsReasons = false
        return DeferredAnswer(try recommend(bare)) { movies in
            Dictionary(uniqueKeysWithValues: movies.map { ($0, "explained \($0) of \(movies.count)") })
        }
    }
    var summary: ModelSummary { ModelSummary(items: scores.count) }
    func write(to writer: inout ModelWriter) {}
}

struct RefusingModel: FittedModel {
    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] { throw RecommendationError.missingInput("a genre") }
    var summary: ModelSummary { ModelSummary(items: 0) }
    func write(to writer: inout ModelWriter) {}
}

@Suite struct HybridStrategyTests {
    func hybrid(_ components: [String: Double], models: [String: any FittedModel]) async throws -> any FittedModel {
        var parameters = HybridStrategy.Parameters()
        parameters.components = components
        return try await HybridStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data, models: models))
    }

    @Test func maxScalingKeepsHowFarBelowTheBestEachCandidateIsWhereMinMaxFlattensIt() async throws {
        let models: [String: any FittedModel] = [
            "a": FixedModel(scores: [(1, 100), (2, 50), (3, 0)], reason: "from a"),
            "b": FixedModel(scores: [(3, 9), (2, 6)], reason: "from b"),
        ]
        var parameters = HybridStrategy.Parameters()
        parameters.components = ["a": 0.5, "b": 0.5]
        let minMax = try await HybridStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data, models: models))
        // min-max: b's 6 is its lowest, so it counts 0: 1 and 3 tie at 0.5, 2 has 0.25.
        #expect(try minMax.recommend(RecommendationRequest(limit: 3)).map(\.movie) == [1, 3, 2])
        parameters.scaling = .max
        let byMax = try await HybridStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data, models: models))
        // max: b's 6 is 2/3 of its best, so 2 has 0.25 + 0.33 and leads.
        let answer = try byMax.recommend(RecommendationRequest(limit: 3))
        #expect(answer.map(\.movie) == [2, 1, 3])
        #expect(abs(answer[0].score - (0.25 + 1.0 / 3)) < 1e-12)
    }

    @Test func scoresAreNormalisedPerComponentThenWeighted() async throws {
        let model = try await hybrid(["a": 0.75, "b": 0.25], models: [
            "a": FixedModel(scores: [(1, 100), (2, 50), (3, 0)], reason: "from a"),
            "b": FixedModel(scores: [(3, 9), (2, 1)], reason: "from b"),
        ])
        let answer = try model.recommend(RecommendationRequest(limit: 3))
        // a: 1→1, 2→0.5, 3→0; b: 3→1, 2→0. Blend: 1→0.75, 2→0.375, 3→0.25.
        #expect(answer.map(\.movie) == [1, 2, 3])
        #expect(answer.map(\.score) == [0.75, 0.375, 0.25])
    }

    @Test func duplicatesAreMergedAndReasonsCombinedStrongestFirst() async throws {
        let model = try await hybrid(["a": 0.5, "b": 0.5], models: [
            "a": FixedModel(scores: [(1, 2), (2, 1)], reason: "liked by people like you"),
            "b": FixedModel(scores: [(2, 5), (1, 4)], reason: "similar content"),
        ])
        let answer = try model.recommend(RecommendationRequest(limit: 5))
        #expect(answer.count == 2)
        #expect(answer.map(\.score) == [0.5, 0.5])
        #expect(answer[0].reason == "liked by people like you; similar content")
    }

    @Test func componentsGiveScoresAloneAndExplainOnlyThePicks() async throws {
        let model = try await hybrid(["a": 0.5, "b": 0.5], models: [
            "a": ExplainingModel(scores: [(1, 4), (2, 3), (3, 2), (4, 1)]),
            "b": FixedModel(scores: [(5, 1)], reason: "from b"),
        ])
        let answer = try model.recommend(RecommendationRequest(limit: 2))
        // 1 and 5 lead (each the best of its component); a explains 1 alone.
        #expect(answer.map(\.movie) == [1, 5])
        #expect(answer.map(\.reason) == ["explained 1 of 1", "from b"])
        var bare = RecommendationRequest(limit: 2)
        bare.wantsReasons = false
        #expect(try model.recommend(bare).map(\.reason) == ["", "from b"])
    }

    @Test func aShortHistoryIsBlendedWithItsOwnWeightsALongOneWithTheComponents() async throws {
        var parameters = HybridStrategy.Parameters()
        parameters.components = ["taste": 0.9, "next": 0.1]
        parameters.shortHistory = HybridStrategy.ShortHistory(upTo: 2, components: ["taste": 0.1, "next": 0.9])
        let model = try await HybridStrategy(parameters: parameters).fit(FitContext(data: TinyCatalogue.data, models: [
            "taste": FixedModel(scores: [(1, 2), (2, 1)], reason: "taste"),
            "next": FixedModel(scores: [(2, 2), (1, 1)], reason: "next"),
        ]))
        func answer(historyLength: Int) throws -> [MovieID] {
            let history = (0..<historyLength).map { Interaction(user: "u", movie: MovieID(100 + $0), rating: 4, timestamp: Int64($0)) }
            return try model.recommend(RecommendationRequest(history: history, limit: 2)).map(\.movie)
        }
        #expect(try answer(historyLength: 2) == [2, 1], "two interactions are short: what comes next leads")
        #expect(try answer(historyLength: 3) == [1, 2], "three are not: lasting taste leads")
        #expect(model.summary.detail.hasSuffix("up to 2 interactions next×0.9 + taste×0.1"))
    }

    @Test func shortHistoryWeightsMustWeighTheSameComponents() {
        var parameters = HybridStrategy.Parameters()
        parameters.components = ["taste": 0.9, "next": 0.1]
        parameters.shortHistory = HybridStrategy.ShortHistory(upTo: 30, components: ["taste": 0.5, "other": 0.5])
        #expect(throws: ParameterError(field: "short_history.components", problem: "must weigh the same strategies as components")) {
            try parameters.validate()
        }
        parameters.shortHistory = HybridStrategy.ShortHistory(upTo: 0, components: ["taste": 0.5, "next": 0.5])
        #expect(throws: ParameterError(field: "short_history.up_to", problem: "must be >= 1, got 0")) { try parameters.validate() }
    }

    @Test func aComponentThatCannotAnswerIsSkipped() async throws {
        let model = try await hybrid(["a": 1, "genre": 1], models: ["a": FixedModel(scores: [(4, 1)], reason: "a"), "genre": RefusingModel()])
        #expect(try model.recommend(RecommendationRequest(limit: 5)).map(\.movie) == [4])
    }

    @Test func aComponentNotFittedBeforeTheHybridIsAConfigurationError() async throws {
        await #expect(throws: ConfigurationError("hybrid component 'missing' is not a strategy defined before the hybrid")) {
            _ = try await hybrid(["missing": 1], models: [:])
        }
    }

    @Test func blendsRealStrategies() async throws {
        var popular = PopularityStrategy.Parameters()
        popular.ranking = .popular
        var topRated = PopularityStrategy.Parameters()
        topRated.ranking = .topRated
        topRated.minimumVotes = 3
        let context = FitContext(data: TinyCatalogue.data)
        let models: [String: any FittedModel] = [
            "popular": try await PopularityStrategy(parameters: popular).fit(context),
            "top-rated": try await PopularityStrategy(parameters: topRated).fit(context),
        ]
        let answer = try await hybrid(["popular": 0.5, "top-rated": 0.5], models: models).recommend(RecommendationRequest(limit: 2))
        #expect(answer.map(\.movie) == [1, 5])
    }
}
