import Foundation
import RecLabCore
import Testing

/// A strategy that answers with its parameter, to test the registry's decoding.
struct EchoStrategy: RecommendationStrategy {
    static let id = "echo"

    struct Parameters: StrategyParameters {
        var weight: Double = 1.0
        var label: String = "echo"

        init() {}

        func validate() throws {
            guard weight > 0 else { throw ParameterError(field: "weight", problem: "must be > 0, got \(weight)") }
        }
    }

    let parameters: Parameters

    init(parameters: Parameters) {
        self.parameters = parameters
    }

    func fit(_ context: FitContext) async throws -> any FittedModel { EchoModel(weight: parameters.weight) }

    func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        EchoModel(weight: try reader.read())
    }
}

struct EchoModel: FittedModel {
    let weight: Double
    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        [Recommendation(movie: 1, score: weight, reason: "echo")]
    }
    var summary: ModelSummary { ModelSummary(items: 1) }
    func write(to writer: inout ModelWriter) { writer.write(weight) }
}

@Suite struct StrategyRegistryTests {
    var registry: StrategyRegistry {
        var registry = StrategyRegistry()
        registry.register(EchoStrategy.self)
        return registry
    }

    @Test func parametersLeftOutTakeTheirDefaults() async throws {
        let configured = try registry.make(name: "e", strategy: "echo", parameters: .object(["weight": .number(2.5)]))
        #expect(configured.parameters == .object(["weight": .number(2.5), "label": .string("echo")]))
        let model = try await configured.fit(FitContext(data: TrainingData(catalogue: Catalogue([]), interactions: [])))
        #expect(try model.recommend(RecommendationRequest()).first?.score == 2.5)
    }

    @Test func anUnknownIdIsRefusedNamingTheInstanceAndTheRegisteredIds() {
        #expect(throws: ConfigurationError("strategy 'x': unknown strategy id 'nope' (registered: echo)")) {
            try registry.make(name: "x", strategy: "nope", parameters: nil)
        }
    }

    @Test func anUnknownParameterIsRefusedByName() {
        #expect(throws: ConfigurationError("strategy 'e' (echo): parameter 'wieght': unknown parameter (known: label, weight)")) {
            try registry.make(name: "e", strategy: "echo", parameters: .object(["wieght": .number(1)]))
        }
    }

    @Test func aValueOutOfRangeIsRefusedByTheStrategysOwnCheck() {
        #expect(throws: ConfigurationError("strategy 'e' (echo): parameter 'weight': must be > 0, got -1.0")) {
            try registry.make(name: "e", strategy: "echo", parameters: .object(["weight": .number(-1)]))
        }
    }

    @Test func aValueOfTheWrongTypeIsRefusedByName() {
        #expect(throws: ConfigurationError("strategy 'e' (echo): parameter 'weight': expected Double")) {
            try registry.make(name: "e", strategy: "echo", parameters: .object(["weight": .string("heavy")]))
        }
    }
}

@Suite struct TopKTests {
    @Test func keepsTheBestScoresWithTiesBySmallerID() {
        var top = TopK(3)
        for (id, score) in [(5, 1.0), (3, 2.0), (9, 2.0), (1, 0.5), (2, 2.0), (7, 3.0)] { top.insert(MovieID(id), score: score) }
        #expect(top.sorted().map(\.id) == [7, 2, 3])
    }

    @Test func weightedRatingPullsFewVotesTowardThePrior() {
        #expect(AudienceStatistics.weightedRating(mean: 5, votes: 1, priorMean: 3, priorVotes: 9) == 3.2)
        #expect(AudienceStatistics.weightedRating(mean: 5, votes: 0, priorMean: 3, priorVotes: 0) == 3)
    }
}
