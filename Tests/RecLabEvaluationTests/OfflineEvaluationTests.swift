import Foundation
import PopularityStrategy
import RecLabCore
import RecLabEvaluation
import TestSupport
import Testing

@Suite struct OfflineEvaluationTests {
    var registry: StrategyRegistry {
        var registry = StrategyRegistry()
        registry.register(PopularityStrategy.self)
        return registry
    }

    /// REFERENCE.md's exact check: MostPopular on protocol v1 to the fourth decimal.
    @Test func mostPopularReproducesTheReferenceNumbers() async throws {
        let data = try await RealCatalogue.trainingData()
        let plan = EvaluationPlan(name: "reference", entries: [
            .init(name: "most-popular", strategy: "popularity", parameters: .object(["ranking": .string("popular")])),
        ])
        let report = try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
        #expect(report.data.users == 610)
        #expect(report.data.moviesInTrain == 8_239)
        #expect(report.data.trainRows == 80_672)
        #expect(report.data.testRows == 20_164)
        #expect(report.data.usersScored == 592)
        #expect(report.data.fitRows == 64_549)
        #expect(report.data.validationRows == 16_123)
        #expect(report.data.moviesInFit == 7_151)
        #expect(report.data.usersScoredOnValidation == 590)
        let metrics = try #require(report.strategies.first?.metrics)
        func fourDecimals(_ value: Double) -> String { String(format: "%.4f", value) }
        #expect(fourDecimals(metrics.ndcg) == "0.0743")
        #expect(fourDecimals(metrics.recall) == "0.0496")
        #expect(fourDecimals(metrics.precision) == "0.0571")
        #expect(fourDecimals(metrics.hitRate) == "0.3209")
        #expect(fourDecimals(metrics.mrr) == "0.1619")
        #expect(fourDecimals(metrics.map) == "0.0355")
        #expect(fourDecimals(metrics.coverage) == "0.0119")
    }

    @Test func theSameConfigAndDataGiveTheSameNumbers() async throws {
        let plan = EvaluationPlan(name: "tiny", entries: [.init(name: "p", strategy: "popularity")])
        let first = try await OfflineEvaluation(registry: registry).run(plan, data: TinyCatalogue.data, ratingsFile: "x", sha256: "-")
        let second = try await OfflineEvaluation(registry: registry).run(plan, data: TinyCatalogue.data, ratingsFile: "x", sha256: "-")
        #expect(first.strategies.map(\.metrics) == second.strategies.map(\.metrics))
        #expect(first.strategies.map(\.perUserNDCG) == second.strategies.map(\.perUserNDCG))
    }

    @Test func aGridIsScoredOnValidationAndItsBestPointIsRefittedOnTrain() async throws {
        let data = try await RealCatalogue.trainingData()
        let plan = EvaluationPlan(name: "grid", entries: [
            .init(name: "ranking", strategy: "popularity", grid: [
                "ranking": [.string("trending"), .string("popular"), .string("top-rated")],
            ]),
        ])
        let report = try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
        let result = try #require(report.strategies.first)
        #expect(result.grid.count == 3)
        let best = try #require(result.grid.max { $0.validationNDCG < $1.validationNDCG })
        #expect(result.parameters == best.parameters)
        #expect(result.selection.contains("3 grid points"))
    }

    @Test func curvesRunFromOneToTwentyAndAgreeWithTheMetricsAtTen() async throws {
        let plan = EvaluationPlan(name: "tiny", entries: [.init(name: "p", strategy: "popularity")])
        let data = try await RealCatalogue.trainingData()
        let report = try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: "x", sha256: "-")
        let result = try #require(report.strategies.first)
        #expect(result.curves["ndcg"]?.count == 20)
        #expect(abs(result.curves["ndcg"]![9] - result.metrics.ndcg) < 1e-12)
        #expect(abs(result.curves["recall"]![9] - result.metrics.recall) < 1e-12)
        #expect(result.perUserNDCG.count == report.data.usersScored)
    }
}
