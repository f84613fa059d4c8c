import Foundation
import GRU4RecStrategy
import RecLabCore
import TestSupport
import Testing

@Suite struct GRU4RecStrategyTests {
    static func fit(_ interactions: [Interaction], _ configure: (inout GRU4RecStrategy.Parameters) -> Void = { _ in }) async throws -> any FittedModel {
        try await GRU4RecStrategy(parameters: parameters(configure)).fit(FitContext(data: TrainingData(catalogue: Catalogue(TinyCatalogue.items), interactions: interactions)))
    }

    static func parameters(_ configure: (inout GRU4RecStrategy.Parameters) -> Void) -> GRU4RecStrategy.Parameters {
        var parameters = GRU4RecStrategy.Parameters()
        parameters.hidden = 8
        parameters.batchSize = 4
        parameters.negatives = 2
        parameters.learningRate = 0.05
        parameters.dropout = 0
        configure(&parameters)
        return parameters
    }

    /// Thirty users who each watch five of the six movies round a circle, from a different
    /// start and one second apart: the movie after k is always k + 1 (after 6, 1).
    static let circles: [Interaction] = (0..<30).flatMap { user in
        (0..<5).map { step in
            Interaction(user: "u\(user)", movie: MovieID((user + step) % 6 + 1), rating: 4, timestamp: Int64(step))
        }
    }

    /// The model's gradient against central differences of its loss, weight by weight.
    static func expectGradientMatchesDifferences(_ loss: GRULoss) {
        var drawing = SeededGenerator(seed: 7)
        let weights = GRUWeights(movies: [1, 2, 3, 4, 5, 6], counts: [1, 1, 1, 1, 1, 1], hidden: 3, generator: &drawing)
        var training = GRUTraining(weights: weights, batchSize: 3, loss: loss, bprRegularization: 0.5)
        let batch = GRUBatch(
            previous: (0..<9).map { _ in Float.random(in: -0.8...0.8, using: &drawing) }, items: [0, 3, 0], targets: [1, 4, 2], samples: [5, 1])
        _ = training.computeGradient(of: batch)
        let analytic = training.gradient
        let keyPaths: [(String, WritableKeyPath<GRUWeights, [Float]>)] = [
            ("input", \.input), ("recurrent", \.recurrent), ("candidate", \.candidate), ("bias", \.bias), ("output", \.output), ("outputBias", \.outputBias),
        ]
        for (name, keyPath) in keyPaths {
            for index in weights[keyPath: keyPath].indices {
                let step: Float = 1e-2
                training.weights[keyPath: keyPath][index] = weights[keyPath: keyPath][index] + step
                let above = training.computeGradient(of: batch)
                training.weights[keyPath: keyPath][index] = weights[keyPath: keyPath][index] - step
                let below = training.computeGradient(of: batch)
                training.weights[keyPath: keyPath][index] = weights[keyPath: keyPath][index]
                let numeric = (above - below) / Double(2 * step)
                let exact = Double(analytic[keyPath: keyPath][index])
                #expect(abs(numeric - exact) <= 2e-3 + 0.02 * abs(numeric), "\(loss) \(name)[\(index)]: \(exact) vs \(numeric)")
            }
        }
    }

    @Test func theCrossEntropyGradientMatchesTheLossWeightByWeight() {
        Self.expectGradientMatchesDifferences(.crossEntropy)
    }

    @Test func theBPRMaxGradientMatchesTheLossWeightByWeight() {
        Self.expectGradientMatchesDifferences(.bprMax)
    }

    @Test(arguments: GRULoss.allCases)
    func trainingLearnsWhatComesNextAndNamesTheMovieThatLedToIt(_ loss: GRULoss) async throws {
        let model = try await Self.fit(Self.circles) { $0.loss = loss; $0.maxEpochs = 60; $0.patience = 60 }
        for last in 1...6 {
            // Two movies back, then `last`: the next is last + 1, whatever came before.
            let before = MovieID((last + 3) % 6 + 1)
            let history = [Interaction(user: "q", movie: before, rating: 4, timestamp: 1), Interaction(user: "q", movie: MovieID(last), rating: 4, timestamp: 2)]
            let answer = try model.recommend(RecommendationRequest(userID: "q", history: history, limit: 1))
            #expect(answer.map(\.movie) == [MovieID(last % 6 + 1)], "after \(last)")
            let title = TinyCatalogue.items[last - 1].title
            #expect(answer.first?.reason.hasPrefix("Because you watched \(title)") == true, "\(answer.first?.reason ?? "")")
        }
    }

    @Test func theSameSeedFitsTheSameModelAndAModelReadBackAnswersAsTheFittedOne() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions + Self.circles) { $0.maxEpochs = 3 }
        let again = try await Self.fit(TinyCatalogue.interactions + Self.circles) { $0.maxEpochs = 3 }
        var writer = ModelWriter()
        try model.write(to: &writer)
        var reader = ModelReader(writer.bytes)
        let read = try GRU4RecStrategy(parameters: Self.parameters { $0.maxEpochs = 3 })
            .readModel(from: &reader, context: ModelContext(catalogue: Catalogue(TinyCatalogue.items)))
        #expect(read.summary == model.summary)
        for movie: MovieID in [1, 2, 3, 4, 5, 6] {
            let request = RecommendationRequest(userID: "q", history: [Interaction(user: "q", movie: movie, rating: 4, timestamp: 1)], limit: 5)
            let scores = try model.recommend(request).map(\.score)
            #expect(try read.recommend(request).map(\.score) == scores)
            #expect(try again.recommend(request).map(\.score) == scores)
        }
    }

    @Test func aUserTheModelKnowsNothingOfGetsTheMostRatedMoviesThatPassTheRequest() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions) { $0.maxEpochs = 2 }
        let answer = try model.recommend(RecommendationRequest(userID: "new", limit: 3, requireTMDBID: true))
        #expect(answer.map(\.movie) == [1, 4, 5])
        #expect(answer.allSatisfy { $0.reason == "Popular with RecLab users" })
    }

    @Test func parametersOutOfRangeAreRefusedNamingTheField() throws {
        for (field, configure) in [
            ("hidden", { (parameters: inout GRU4RecStrategy.Parameters) in parameters.hidden = 0 }),
            ("learning_rate", { $0.learningRate = 0 }), ("dropout", { $0.dropout = 1 }), ("sample_alpha", { $0.sampleAlpha = 2 }),
            ("max_epochs", { $0.maxEpochs = 0 }), ("patience", { $0.patience = 0 }), ("last_items", { $0.lastItems = 0 }),
        ] as [(String, (inout GRU4RecStrategy.Parameters) -> Void)] {
            var parameters = GRU4RecStrategy.Parameters()
            configure(&parameters)
            #expect { try parameters.validate() } throws: { ($0 as? ParameterError)?.field == field }
        }
    }
}
