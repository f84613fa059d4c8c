import Foundation
import PopularityStrategy
import RecLabCore
import RecLabEvaluation
import RecLabStatistics
import TestSupport
import Testing

@Suite struct OfflineEvaluationTests {
    var registry: StrategyRegistry {
        var registry = StrategyRegistry()
        registry.register(PopularityStrategy.self)
        return registry
    }

    /// An evaluation, run off the cooperative pool (`offThePool`).
    func evaluate(_ plan: EvaluationPlan, data: TrainingData, ratingsFile: String, sha256: String) async throws -> EvaluationReport {
        let registry = registry
        return try await offThePool { try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: ratingsFile, sha256: sha256) }
    }

    /// REFERENCE.md's exact check: MostPopular on protocol v1 to the fourth decimal.
    @Test func mostPopularReproducesTheReferenceNumbers() async throws {
        let data = try await RealCatalogue.trainingData()
        let plan = EvaluationPlan(name: "reference", entries: [
            .init(name: "most-popular", strategy: "popularity", parameters: .object(["ranking": .string("popular")])),
        ])
        let report = try await evaluate(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
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
        let first = try await evaluate(plan, data: TinyCatalogue.data, ratingsFile: "x", sha256: "-")
        let second = try await evaluate(plan, data: TinyCatalogue.data, ratingsFile: "x", sha256: "-")
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
        let report = try await evaluate(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
        let result = try #require(report.strategies.first)
        #expect(result.grid.count == 3)
        let best = try #require(result.grid.max { $0.validationNDCG < $1.validationNDCG })
        #expect(result.parameters == best.parameters)
        #expect(result.selection.contains("3 grid points"))
    }

    @Test func curvesRunFromOneToTwentyAndAgreeWithTheMetricsAtTen() async throws {
        let plan = EvaluationPlan(name: "tiny", entries: [.init(name: "p", strategy: "popularity")])
        let data = try await RealCatalogue.trainingData()
        let report = try await evaluate(plan, data: data, ratingsFile: "x", sha256: "-")
        let result = try #require(report.strategies.first)
        #expect(result.curves["ndcg"]?.count == 20)
        #expect(abs(result.curves["ndcg"]![9] - result.metrics.ndcg) < 1e-12)
        #expect(abs(result.curves["recall"]![9] - result.metrics.recall) < 1e-12)
        #expect(result.perUserNDCG.count == report.data.usersScored)
    }

    /// Three rankings on protocol v1, one chosen on a validation grid: what the interval tests read.
    func threeRankings(bootstrap: BootstrapSettings = BootstrapSettings()) async throws -> EvaluationReport {
        let data = try await RealCatalogue.trainingData()
        let plan = EvaluationPlan(name: "intervals", entries: [
            .init(name: "popular", strategy: "popularity", parameters: .object(["ranking": .string("popular")])),
            .init(name: "top-rated", strategy: "popularity", parameters: .object(["ranking": .string("top-rated")]),
                  grid: ["minimum_votes": [.number(10), .number(50)]]),
            .init(name: "trending", strategy: "popularity", parameters: .object(["ranking": .string("trending")])),
        ], bootstrap: bootstrap)
        return try await evaluate(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
    }

    /// `threeRankings()` with the default bootstrap, run once for the tests that only read it.
    static let defaultRankings = Task { try await OfflineEvaluationTests().threeRankings() }

    @Test func everyMetricOfEveryStrategyHasAnIntervalHoldingItsValue() async throws {
        let report = try await Self.defaultRankings.value
        #expect(report.bootstrap == BootstrapSettings())
        for result in report.strategies {
            let metrics = try #require(try JSONSerialization.jsonObject(with: EvaluationJob.reportEncoder.encode(result.metrics)) as? [String: Double])
            let intervals = try #require(result.intervals)
            #expect(Set(intervals.keys) == Set(metrics.keys), "\(result.name)")
            for (key, value) in metrics {
                let interval = try #require(intervals[key])
                #expect(interval.contains(value) && interval.low < interval.high, "\(result.name) \(key): \(value) outside \(interval)")
            }
        }
        // The validation grid's points carry theirs too.
        let grid = try #require(report.strategies.first { $0.name == "top-rated" }?.grid)
        #expect(grid.count == 2 && grid.allSatisfy { $0.interval?.contains($0.validationNDCG) == true })
    }

    @Test func eachStrategyIsComparedWithTheBestAndAWinnerIsNamedOnlyWithoutATie() async throws {
        let report = try await Self.defaultRankings.value
        let best = try #require(report.best)
        #expect(best.metrics.ndcg == report.strategies.map(\.metrics.ndcg).max())
        #expect(report.strategies.filter { $0.versusBest == nil }.map(\.name) == [best.name])
        for result in report.strategies where result.name != best.name {
            let versus = try #require(result.versusBest)
            #expect(abs(versus.difference - (result.metrics.ndcg - best.metrics.ndcg)) < 1e-12)
            #expect(versus.low <= versus.difference && versus.difference <= versus.high)
            #expect(versus.tied == (versus.low <= 0 && 0 <= versus.high))
        }
        let tied = report.strategies.contains { $0.versusBest?.tied == true }
        #expect(report.winner == (tied ? nil : best.name))

        // report.json: the best's comparison and a missing winner are written as null, not left out.
        let written = try EvaluationJob.reportEncoder.encode(report)
        let json = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        #expect(json.keys.contains("winner"))
        let strategies = try #require(json["strategies"] as? [[String: Any]])
        #expect(strategies.filter { $0["versus_best"] is NSNull }.count == 1)
        // Each metric's interval under the metric's own field name.
        for strategy in strategies {
            let metrics = try #require(strategy["metrics"] as? [String: Any]).filter { $0.value is Double }.keys
            let intervals = try #require(strategy["intervals"] as? [String: Any]).keys
            #expect(Set(metrics).isSubset(of: Set(intervals)), "\(Set(metrics).subtracting(intervals))")
        }
        #expect(strategies.compactMap { $0["versus_best"] as? [String: Any] }.allSatisfy { Set($0.keys) == ["difference", "low", "high", "p_value", "tied"] })
        // Read back as the server reads stored reports, it is the same report: written again, the
        // same bytes (ISO 8601 keeps whole seconds, so the dates compare only as written).
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = SnakeCaseKeys.decoding
        let readBack = try decoder.decode(EvaluationReport.self, from: written)
        #expect(try EvaluationJob.reportEncoder.encode(readBack) == written)
        #expect(readBack.strategies == report.strategies)
    }

    @Test func twoIdenticalStrategiesAreTiedSoNoWinnerIsNamed() async throws {
        let data = try await RealCatalogue.trainingData()
        let popular = ParameterValue.object(["ranking": .string("popular")])
        let plan = EvaluationPlan(name: "twins", entries: [
            .init(name: "first", strategy: "popularity", parameters: popular), .init(name: "second", strategy: "popularity", parameters: popular),
        ])
        let report = try await evaluate(plan, data: data, ratingsFile: "ratings.csv", sha256: "-")
        let second = try #require(report.strategies.last?.versusBest)
        #expect(second.difference == 0 && second.tied && second.pValue == 1)
        #expect(report.winner == nil)
        #expect(MarkdownReport.render(report).contains("No winner on ndcg@10: first scores highest"))
    }

    @Test func theBootstrapIsConfigurableAndTheSameSeedGivesTheSameIntervals() async throws {
        let settings = BootstrapSettings(resamples: 200, seed: 3, confidence: 0.9)
        let first = try await threeRankings(bootstrap: settings)
        #expect(first.bootstrap == settings)
        // The same resamples again from the same seed, without running the evaluation twice.
        let ndcg = try #require(first.strategies.first?.perUserNDCG)
        let drawn = Bootstrap(units: ndcg.count, resamples: 200, seed: 3, confidence: 0.9)
        #expect(first.strategies.first?.intervals?["ndcg@10"] == drawn.intervalOfMean(ndcg))
        let wider = try await threeRankings(bootstrap: BootstrapSettings(resamples: 200, seed: 3, confidence: 0.99))
        for (narrow, wide) in zip(first.strategies, wider.strategies) {
            let (a, b) = (try #require(narrow.intervals?["ndcg@10"]), try #require(wide.intervals?["ndcg@10"]))
            #expect(b.low <= a.low && a.high <= b.high, "a 99% interval holds the 90% one")
        }
    }

    @Test func anEvaluationConfigSetsTheBootstrapAndRefusesOneOutOfRange() throws {
        let folder = try makeTemporaryDirectory("reclab-bootstrap-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        func config(_ bootstrap: String) throws -> String {
            let path = folder.appending(path: "config.yaml").path
            try "name: b\ndatasets: d\nratings: r\nstrategies: [{ name: p, strategy: popularity }]\n\(bootstrap)".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        #expect(try EvaluationConfiguration.load(path: config("")).plan.bootstrap == BootstrapSettings())
        #expect(try EvaluationConfiguration.load(path: config("bootstrap: { resamples: 5000, confidence: 0.99 }")).plan.bootstrap
            == BootstrapSettings(resamples: 5_000, seed: 1, confidence: 0.99))
        let refused = #expect(throws: ConfigurationError.self) { try EvaluationConfiguration.load(path: config("bootstrap: { resamples: 10 }")) }
        #expect(refused?.description.contains("bootstrap.resamples") == true)
        #expect(throws: ConfigurationError.self) { try EvaluationConfiguration.load(path: config("bootstrap: { confidence: 1.5 }")) }
    }

    /// An entry's controls are the API's query parameters, parsed by the API's parser; one
    /// that needs the exposure log, or does not parse, is refused naming the entry.
    @Test func anEvaluationEntryTakesTheAPIsControlsAndRefusesWhatCannotApplyOffline() throws {
        let folder = try makeTemporaryDirectory("reclab-controls-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        func load(_ controls: String) throws -> EvaluationPlan.Entry {
            let path = folder.appending(path: "config.yaml").path
            try "name: c\ndatasets: d\nratings: r\nstrategies: [{ name: p, strategy: popularity, controls: \"\(controls)\" }]\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return try EvaluationConfiguration.load(path: path).plan.entries[0]
        }
        #expect(try load("genres=comedy&diversify=mmr&diversity=0.5").controls == ListControls(
            filter: ListFilter(genres: [35]), diversification: .mmr(diversity: 0.5)))
        let offline = #expect(throws: ConfigurationError.self) { try load("unseen_for=7d") }
        #expect(offline?.description.contains("p.controls") == true)
        let bad = #expect(throws: ConfigurationError.self) { try load("diversity=0.5") }
        #expect(bad?.description.contains("'diversity' and 'max_per_genre' need 'diversify'") == true)
    }
}
