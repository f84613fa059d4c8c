import Foundation
import PersonalizedStrategy
import RecLabCore
import Testing

/// EASE^R's input settings, `rating_offset` and `recency_half_life_days`: X as documented, the
/// same weights at fit and at request time, and the defaults leaving the model as it was.
@Suite struct EASEInputTests {
    static let day: Int64 = 86_400

    /// 16 users rating a random half of 12 movies (half stars, 0.5–5), each rating on a random
    /// day of a three-year span, so recency weights differ within and between users.
    static func spreadOverTime() -> TrainingData {
        var generator = SeededGenerator(seed: 11)
        var interactions: [Interaction] = []
        for user in 0..<16 {
            for movie in 1...12 where Bool.random(using: &generator) {
                let rating = Float(Int.random(in: 1...10, using: &generator)) / 2
                let time = Int64.random(in: 0..<(3 * 365), using: &generator) * day
                interactions.append(Interaction(user: "u\(user)", movie: MovieID(movie), rating: rating, timestamp: time))
            }
        }
        let catalogue = Catalogue((1...12).map { CatalogueItem(id: MovieID($0), tmdbID: $0, title: "Movie \($0)") })
        return TrainingData(catalogue: catalogue, interactions: interactions)
    }

    static func ease(lambda: Double = 5, offset: Double = 0, halfLife: Double = 0, input: PersonalizedStrategy.Input = .rating) -> PersonalizedStrategy.Parameters {
        var parameters = PersonalizedStrategy.Parameters()
        parameters.lambda = lambda
        parameters.input = input
        parameters.ratingOffset = offset
        parameters.recencyHalfLifeDays = halfLife
        return parameters
    }

    /// EASE^R's scores for `history`, with X and the query row built here by hand from `value`
    /// (an interaction, and its user's latest timestamp).
    static func handScores(
        _ data: TrainingData, lambda: Float, history: [Interaction], value: (Interaction, Int64) -> Float
    ) throws -> [MovieID: Float] {
        let users = Set(data.interactions.map(\.user)).sorted()
        let movies = Set(data.interactions.map(\.movie)).sorted()
        var latest: [String: Int64] = [:]
        for interaction in data.interactions { latest[interaction.user] = max(latest[interaction.user] ?? .min, interaction.timestamp) }
        let entries = data.interactions.map { interaction in
            (row: users.firstIndex(of: interaction.user)!, column: movies.firstIndex(of: interaction.movie)!,
             value: value(interaction, latest[interaction.user]!))
        }
        let weights = try EASEWeights(InteractionMatrix(rows: users.count, columns: movies.count, entries: entries), lambda: lambda)
        let historyLatest = history.map(\.timestamp).max()!
        let row = history.map { (item: movies.firstIndex(of: $0.movie)!, value: value($0, historyLatest)) }
        let scores = weights.scores(for: row)
        return Dictionary(uniqueKeysWithValues: zip(movies, scores))
    }

    /// Checks the model's answer (every eligible movie) against `expected`'s scores.
    func expectScores(_ model: any FittedModel, history: [Interaction], match expected: [MovieID: Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let answer = try model.recommend(RecommendationRequest(history: history, limit: .max))
        let seen = Set(history.map(\.movie))
        #expect(Set(answer.map(\.movie)) == Set(expected.keys).subtracting(seen), sourceLocation: sourceLocation)
        let scale = max(1e-3, expected.values.map(abs).max()!)
        for recommendation in answer {
            expectClose(Float(recommendation.score), expected[recommendation.movie]!, tolerance: 1e-4 * scale, "movie \(recommendation.movie)", sourceLocation: sourceLocation)
        }
    }

    /// A training user's own history as a request.
    static func history(of user: String, in data: TrainingData) -> [Interaction] {
        data.interactions.filter { $0.user == user }
    }

    @Test func defaultsPutTheRatingItselfInX() async throws {
        let data = Self.spreadOverTime()
        let defaults = PersonalizedStrategy.Parameters()
        #expect(defaults.ratingOffset == 0 && defaults.recencyHalfLifeDays == 0)
        var parameters = defaults
        parameters.lambda = 5
        let model = try await fit(data, parameters)
        #expect(model.summary.detail == "EASE lambda=5 input=rating form=dense")
        for user in ["u0", "u7"] {
            let history = Self.history(of: user, in: data)
            try expectScores(model, history: history, match: try Self.handScores(data, lambda: 5, history: history) { interaction, _ in interaction.rating })
        }
    }

    @Test func ratingOffsetPutsTheExcessOverItInXAndZeroAtOrBelowIt() async throws {
        let data = Self.spreadOverTime()
        let model = try await fit(data, Self.ease(offset: 3))
        #expect(model.summary.detail == "EASE lambda=5 input=rating rating_offset=3 form=dense")
        // Users with something above the offset (a history without is answered by popularity).
        let users = Set(data.interactions.filter { $0.rating > 3 }.map(\.user)).sorted().prefix(3)
        #expect(users.count == 3)
        for user in users {
            let history = Self.history(of: user, in: data)
            #expect(history.contains { $0.rating <= 3 }, "\(user) has no rating at or below the offset")
            let expected = try Self.handScores(data, lambda: 5, history: history) { interaction, _ in max(0, interaction.rating - 3) }
            try expectScores(model, history: history, match: expected)
        }
    }

    @Test func binaryInputWithAnOffsetKeepsOnlyTheRatingsAboveIt() async throws {
        let data = Self.spreadOverTime()
        let model = try await fit(data, Self.ease(lambda: 2, offset: 2.5, input: .binary))
        let history = Self.history(of: "u3", in: data)
        try expectScores(model, history: history, match: try Self.handScores(data, lambda: 2, history: history) { interaction, _ in
            interaction.rating > 2.5 ? 1 : 0
        })
    }

    @Test func recencyWeightsAreTheSameAtFitTimeAndAtRequestTime() async throws {
        // Each user's row of X and the request's row are weighted by 2^(−age/half-life), ages
        // from the user's (the request's) latest interaction.
        let data = Self.spreadOverTime()
        let model = try await fit(data, Self.ease(offset: 2, halfLife: 200))
        #expect(model.summary.detail == "EASE lambda=5 input=rating rating_offset=2 recency_half_life_days=200 form=dense")
        let weighted = { (interaction: Interaction, latest: Int64) -> Float in
            max(0, interaction.rating - 2) * Float(pow(2, -Double(latest - interaction.timestamp) / (200 * 86_400)))
        }
        for user in ["u2", "u5", "u12"] {
            let history = Self.history(of: user, in: data)
            try expectScores(model, history: history, match: try Self.handScores(data, lambda: 5, history: history, value: weighted))
        }
        // Only ages count: the same history a year later scores the same.
        let history = Self.history(of: "u5", in: data)
        let later = history.map { Interaction(user: $0.user, movie: $0.movie, rating: $0.rating, timestamp: $0.timestamp + 365 * Self.day) }
        try expectScores(model, history: later, match: try Self.handScores(data, lambda: 5, history: history, value: weighted))
    }

    @Test func recencyWeightingLetsTheLatestTasteLead() async throws {
        // Two years ago the user loved two horror movies; this week they liked two family movies.
        let old = [rating(11, 5, at: 0), rating(12, 5, at: 0)]
        let recent = [rating(1, 4, at: 730 * Self.day), rating(2, 4, at: 730 * Self.day + 60)]
        let plain = try await fit(twoAudiences(), Self.ease(lambda: 1))
        let weighted = try await fit(twoAudiences(), Self.ease(lambda: 1, halfLife: 90))
        let request = RecommendationRequest(history: old + recent, limit: 3)
        let before = try plain.recommend(request)
        #expect(before.prefix(2).map(\.movie) == [13, 14], "\(before)")
        let answer = try weighted.recommend(request)
        #expect(answer.allSatisfy { (3...6).contains($0.movie) }, "\(answer.map(\.movie))")
        #expect(answer.first?.reason.hasPrefix("Because you liked Family") == true, "\(answer)")
    }

    @Test func ratingOffsetStopsDislikesFromLinkingMovies() async throws {
        // Eight users disliked movie 1 and loved 2; three loved both 1 and 3. On ratings, 1 goes
        // with 2 (more co-raters); above an offset of 3, only with 3.
        var interactions: [Interaction] = []
        for user in 0..<8 {
            interactions += [Interaction(user: "a\(user)", movie: 1, rating: 1, timestamp: 0), Interaction(user: "a\(user)", movie: 2, rating: 5, timestamp: 0)]
        }
        for user in 0..<3 {
            interactions += [Interaction(user: "b\(user)", movie: 1, rating: 5, timestamp: 0), Interaction(user: "b\(user)", movie: 3, rating: 5, timestamp: 0)]
        }
        let data = TrainingData(catalogue: Catalogue((1...3).map { CatalogueItem(id: MovieID($0), title: "M\($0)") }), interactions: interactions)
        let request = RecommendationRequest(history: [rating(1, 5)], limit: 1)
        #expect(try await fit(data, Self.ease(lambda: 1)).recommend(request).map(\.movie) == [2])
        #expect(try await fit(data, Self.ease(lambda: 1, offset: 3)).recommend(request).map(\.movie) == [3])
    }

    @Test func aHistoryWithNothingAboveTheOffsetGetsPopularMovies() async throws {
        let model = try await fit(twoAudiences(), Self.ease(lambda: 1, offset: 3))
        let answer = try model.recommend(RecommendationRequest(history: [rating(11, 3), rating(12, 2)], limit: 2))
        #expect(answer.map(\.movie) == [1, 2], "\(answer)")
        #expect(answer.allSatisfy { $0.reason.hasSuffix("rate a few movies for personal picks") })
        // …while one rating above it is enough for personal picks, and the others stay excluded.
        let personal = try model.recommend(RecommendationRequest(history: [rating(11, 3), rating(12, 2), rating(13, 4)], limit: 1))
        #expect(personal.count == 1 && personal.allSatisfy { (14...16).contains($0.movie) && $0.reason == "Because you liked Horror 13" }, "\(personal)")
    }

    @Test func alsReadsTheRatingsAsGiven() async throws {
        var shifted = parameters(.als)
        shifted.ratingOffset = 3
        shifted.recencyHalfLifeDays = 30
        let request = RecommendationRequest(history: [rating(1, 5), rating(12, 2, at: 9_000_000)], limit: 5)
        let plain = try await fit(twoAudiences(), parameters(.als)).recommend(request)
        #expect(try await fit(twoAudiences(), shifted).recommend(request) == plain)
    }

    @Test func validationNamesTheNewFields() {
        let cases: [(String, (inout PersonalizedStrategy.Parameters) -> Void)] = [
            ("rating_offset", { $0.ratingOffset = -0.5 }),
            ("rating_offset", { $0.ratingOffset = 5 }),
            ("rating_offset", { $0.ratingOffset = .nan }),
            ("recency_half_life_days", { $0.recencyHalfLifeDays = -1 }),
            ("recency_half_life_days", { $0.recencyHalfLifeDays = .infinity }),
        ]
        expectValidationNames(cases)
        var valid = PersonalizedStrategy.Parameters()
        valid.ratingOffset = 4.5
        valid.recencyHalfLifeDays = 0.5
        #expect(throws: Never.self) { try valid.validate() }
    }

    @Test func configurationReadsTheNewSnakeCaseKeys() throws {
        var registry = StrategyRegistry()
        registry.register(PersonalizedStrategy.self)
        let configured = try registry.make(
            name: "cf", strategy: "personalized",
            parameters: .object(["lambda": .number(300), "rating_offset": .number(3), "recency_half_life_days": .number(365)]))
        guard case .object(let resolved) = configured.parameters else { Issue.record("parameters are not an object"); return }
        #expect(resolved["rating_offset"] == .number(3) && resolved["recency_half_life_days"] == .number(365) && resolved["lambda"] == .number(300))
        let defaults = try registry.make(name: "cf", strategy: "personalized", parameters: nil)
        guard case .object(let resolvedDefaults) = defaults.parameters else { Issue.record("parameters are not an object"); return }
        #expect(resolvedDefaults["rating_offset"] == .number(0) && resolvedDefaults["recency_half_life_days"] == .number(0))
        #expect {
            try registry.make(name: "cf", strategy: "personalized", parameters: .object(["rating_offset": .number(7)]))
        } throws: { error in
            ((error as? ConfigurationError)?.description ?? "").contains("'rating_offset'")
        }
    }

    /// `history_recency_weight`: at answer time only, each history item weighs
    /// (1 − β) + β · 2^(−position / h), position 0 the newest; the fit is the same.
    @Test func historyRecencyWeightingWeighsTheNewestItemsMostAtAnswerTimeOnly() async throws {
        let data = Self.spreadOverTime()
        let plain = try await PersonalizedStrategy(parameters: Self.ease()).fit(FitContext(data: data))
        var weighted = Self.ease()
        weighted.historyRecencyWeight = 0.5
        weighted.historyHalfLifeItems = 1
        let model = try await PersonalizedStrategy(parameters: weighted).fit(FitContext(data: data))
        let history = [1, 2, 3].map { Interaction(user: "q", movie: MovieID($0), rating: 4, timestamp: Int64($0) * Self.day) }
        // Newest (3) weighs 1, then 0.75, then 0.625: the same as rating them 4, 3 and 2.5 unweighted.
        let byHand = [(3, 4.0), (2, 3.0), (1, 2.5)].map { Interaction(user: "q", movie: MovieID($0.0), rating: Float($0.1), timestamp: 5) }
        let asked = try model.recommend(RecommendationRequest(userID: "q", history: history, limit: 9))
        let expected = try plain.recommend(RecommendationRequest(userID: "q", history: byHand, limit: 9))
        #expect(asked.map(\.movie) == expected.map(\.movie))
        for (a, b) in zip(asked, expected) { #expect(abs(a.score - b.score) < 1e-5) }
        // Ratings of one second share position 0: no weighting at all, whatever the list order.
        let sameSecond = history.map { Interaction(user: "q", movie: $0.movie, rating: 4, timestamp: 7) }
        let tied = try model.recommend(RecommendationRequest(userID: "q", history: sameSecond, limit: 9))
        let unweighted = try plain.recommend(RecommendationRequest(userID: "q", history: sameSecond, limit: 9))
        #expect(tied.map(\.movie) == unweighted.map(\.movie))
        for (a, b) in zip(tied, unweighted) { #expect(abs(a.score - b.score) < 1e-5) }
    }
}
