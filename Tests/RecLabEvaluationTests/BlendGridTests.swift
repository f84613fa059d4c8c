import HybridStrategy
import PopularityStrategy
import RecLabCore
import RecLabEvaluation
import Synchronization
import TestSupport
import Testing

/// Most-popular, counting the deferred answers its models give, by the instance's `tag`.
struct CountedPopularity: RecommendationStrategy {
    static let id = "counted-popularity"
    static let answers = Mutex<[String: Int]>([:])

    struct Parameters: StrategyParameters {
        var tag = ""
        init() {}
        func validate() throws {}
    }

    struct Model: FittedModel {
        let model: any FittedModel
        let tag: String

        func recommend(_ request: RecommendationRequest) throws -> [Recommendation] { try model.recommend(request) }

        func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
            CountedPopularity.answers.withLock { $0[tag, default: 0] += 1 }
            return try model.recommendExplainingLater(request)
        }

        var summary: ModelSummary { model.summary }
        func write(to writer: inout ModelWriter) throws { try model.write(to: &writer) }
    }

    let parameters: Parameters

    init(parameters: Parameters) {
        self.parameters = parameters
    }

    func fit(_ context: FitContext) async throws -> any FittedModel {
        Model(model: try await PopularityStrategy(parameters: .init()).fit(context), tag: parameters.tag)
    }

    func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        throw ModelArchiveError("a test strategy is never stored")
    }
}

@Suite struct BlendGridTests {
    /// A blend's grid points differ in weights and candidate counts only, so its components
    /// answer each user once per candidate count on validation, and once more on test.
    @Test func aBlendsGridAsksEachComponentOncePerUserAndCandidateCount() async throws {
        var registry = StrategyRegistry()
        registry.register(CountedPopularity.self)
        registry.register(HybridStrategy.self)
        let data = try await RealCatalogue.trainingData()
        let plan = EvaluationPlan(name: "blend-grid", entries: [
            .init(name: "counted", strategy: "counted-popularity", parameters: .object(["tag": .string("blend-grid")])),
            .init(name: "blend", strategy: "hybrid", parameters: .object(["scaling": .string("max")]), grid: [
                "candidate_factor": [.number(3), .number(5)],
                "components": [.object(["counted": .number(1)]), .object(["counted": .number(2)])],
            ]),
        ])
        let report = try await offThePool { try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: "ratings.csv", sha256: "-") }
        let blend = try #require(report.strategies.last)
        #expect(blend.grid.count == 4)
        let asked = CountedPopularity.answers.withLock { $0["blend-grid"] }
        #expect(asked == 2 * report.data.usersScoredOnValidation + report.data.usersScored)
        // One component scaled by its best: its weight changes no ranking.
        let ndcgs = blend.grid.map(\.validationNDCG)
        #expect(ndcgs[0] == ndcgs[1] && ndcgs[2] == ndcgs[3])
    }
}
