import Foundation
import RecLabCore
import SLISTStrategy
import TestSupport
import Testing

@Suite struct SLISTStrategyTests {
    static func fit(_ interactions: [Interaction], _ configure: (inout SLISTStrategy.Parameters) -> Void = { _ in }) async throws -> any FittedModel {
        var parameters = SLISTStrategy.Parameters()
        configure(&parameters)
        let data = TrainingData(catalogue: Catalogue(TinyCatalogue.items), interactions: interactions)
        return try await SLISTStrategy(parameters: parameters).fit(FitContext(data: data))
    }

    static func rating(_ user: String, _ movie: MovieID, at time: Int64) -> Interaction {
        Interaction(user: user, movie: movie, rating: 4, timestamp: time)
    }

    /// The answer to a user whose only movie is `movie`: B's row, above the popular fill.
    static func row(_ model: any FittedModel, from movie: MovieID) throws -> [Recommendation] {
        try model.recommend(RecommendationRequest(userID: "q", history: [rating("q", movie, at: 1)], limit: 5)).filter { $0.score > 0 }
    }

    @Test func theTransitionObjectiveAloneIsRidgeRegressionFromAStepToTheNext() async throws {
        // a: 1 → 2 → 3. With α = 0, one input and one target, SᵀS = diag(1, 1) on 1 and 2 and
        // SᵀT puts 1 → 2 and 2 → 3: B[1][2] = B[2][3] = 1 / (1 + λ), and nothing else.
        let history = [1, 2, 3].map { Self.rating("a", $0, at: $0) }
        let model = try await Self.fit(history) { $0.alpha = 0; $0.window = 1; $0.targets = 1; $0.lambda = 1 }
        let fromOne = try Self.row(model, from: 1)
        #expect(fromOne.map(\.movie) == [2])
        #expect(abs(fromOne[0].score - 0.5) < 1e-5)
        #expect(fromOne[0].reason == "Because you watched Space One")
        #expect(try Self.row(model, from: 2).map(\.movie) == [3])
        #expect(try Self.row(model, from: 3).isEmpty, "nothing came after 3")
    }

    @Test func theWholeHistoryObjectiveAloneLinksMoviesWatchedTogetherBothWays() async throws {
        // 1 and 4 share two users, 1 and 5 one: from 1, 4 ranks first, and 4 leads back to 1.
        let history = [Self.rating("a", 1, at: 1), Self.rating("a", 4, at: 2), Self.rating("b", 4, at: 1), Self.rating("b", 1, at: 2),
                       Self.rating("c", 1, at: 1), Self.rating("c", 5, at: 2)]
        let model = try await Self.fit(history) { $0.alpha = 1; $0.lambda = 1 }
        #expect(try Self.row(model, from: 1).map(\.movie) == [4, 5])
        #expect(try Self.row(model, from: 4).first?.movie == 1)
    }

    @Test func theNewestMovieWeighsMostAndANewRatingChangesTheAnswerAtOnce() async throws {
        let history = [Self.rating("a", 1, at: 1), Self.rating("a", 2, at: 2), Self.rating("b", 4, at: 1), Self.rating("b", 5, at: 2)]
        let model = try await Self.fit(history) { $0.alpha = 0; $0.window = 1; $0.targets = 1; $0.lambda = 1; $0.historyHalfLife = 1 }
        let earlier = try model.recommend(RecommendationRequest(userID: "u", history: [Self.rating("u", 1, at: 100)], limit: 1))
        #expect(earlier.map(\.movie) == [2])
        let later = try model.recommend(RecommendationRequest(userID: "u", history: [Self.rating("u", 1, at: 100), Self.rating("u", 4, at: 200)], limit: 2))
        #expect(later.map(\.movie) == [5, 2])
        #expect(later[0].reason == "Because you watched Toon One")
    }

    @Test func aUserTheModelKnowsNothingOfGetsTheMostRatedMoviesThatPassTheRequest() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions)
        let answer = try model.recommend(RecommendationRequest(userID: "new", limit: 3, requireTMDBID: true))
        #expect(answer.map(\.movie) == [1, 4, 5])
        #expect(answer.allSatisfy { $0.reason == "Popular with RecLab users" })
    }

    @Test func aModelReadBackAnswersAsTheFittedOne() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions) { $0.lambda = 2 }
        var writer = ModelWriter()
        try model.write(to: &writer)
        var reader = ModelReader(writer.bytes)
        let strategy = SLISTStrategy(parameters: { var parameters = SLISTStrategy.Parameters(); parameters.lambda = 2; return parameters }())
        let read = try strategy.readModel(from: &reader, context: ModelContext(catalogue: Catalogue(TinyCatalogue.items)))
        for movie: MovieID in [1, 2, 3, 4, 5, 6] {
            let request = RecommendationRequest(userID: "q", history: [Self.rating("q", movie, at: 1)], limit: 5)
            #expect(try read.recommend(request).map(\.movie) == model.recommend(request).map(\.movie))
            #expect(try read.recommend(request).map(\.score) == model.recommend(request).map(\.score))
        }
    }

    @Test func moviesRatedTooRarelyAreLeftOutOfB() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions) { $0.minRatings = 3 }
        #expect(model.summary.items == 3, "movies 1, 4 and 5 have three ratings or more")
    }

    @Test func aCapKeepsTheMostRatedMoviesInBEqualCountsBySmallerID() async throws {
        // Ratings: 1 has four, 4 and 5 three each, 2 two, 6 one. Capped at two, B holds 1 and 4.
        let model = try await Self.fit(TinyCatalogue.interactions) { $0.maxItems = 2 }
        #expect(model.summary.items == 2)
        #expect(try Self.row(model, from: 1).map(\.movie) == [4], "5 is outside B, so B's row of 1 reaches 4 alone")
        #expect(try Self.row(model, from: 5).isEmpty, "a history outside B gets only the most-rated fill")
    }

    @Test func parametersOutOfRangeAreRefusedNamingTheField() throws {
        for (field, configure) in [
            ("alpha", { (parameters: inout SLISTStrategy.Parameters) in parameters.alpha = 1.5 }),
            ("lambda", { $0.lambda = 0 }), ("window", { $0.window = 0 }), ("targets", { $0.targets = 0 }),
            ("target_decay", { $0.targetDecay = 0 }), ("min_ratings", { $0.minRatings = 0 }), ("max_items", { $0.maxItems = -1 }),
        ] as [(String, (inout SLISTStrategy.Parameters) -> Void)] {
            var parameters = SLISTStrategy.Parameters()
            configure(&parameters)
            #expect { try parameters.validate() } throws: { ($0 as? ParameterError)?.field == field }
        }
    }
}
