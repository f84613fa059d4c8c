import PersonalizedStrategy
import RecLabCore
import Testing

@Suite struct ParameterTests {
    @Test func defaultsAreEASEOnRatingValuesWithLambda12000AndImplicitsALSSettings() {
        let defaults = PersonalizedStrategy.Parameters()
        #expect(defaults.algorithm == .ease && defaults.lambda == 12000 && defaults.input == .rating)
        #expect(defaults.factors == 32 && defaults.regularization == 1 && defaults.alpha == 1)
        #expect(defaults.iterations == 15 && defaults.seed == 42)
        #expect(throws: Never.self) { try defaults.validate() }
    }

    @Test func validationNamesTheFieldOutOfRange() {
        let cases: [(String, (inout PersonalizedStrategy.Parameters) -> Void)] = [
            ("lambda", { $0.lambda = 0 }),
            ("lambda", { $0.lambda = -5 }),
            ("density", { $0.density = 0 }),
            ("density", { $0.density = 1.5 }),
            ("form", { $0.form = .pruned }),
            ("factors", { $0.factors = 0 }),
            ("regularization", { $0.regularization = 0 }),
            ("alpha", { $0.alpha = -1 }),
            ("iterations", { $0.iterations = 0 }),
        ]
        expectValidationNames(cases)
    }

    @Test func configurationUsesSnakeCaseKeysOverTheDefaults() throws {
        var registry = StrategyRegistry()
        registry.register(PersonalizedStrategy.self)
        let configured = try registry.make(
            name: "als", strategy: "personalized",
            parameters: .object(["algorithm": .string("als"), "factors": .number(64), "input": .string("binary")]))
        guard case .object(let resolved) = configured.parameters else { Issue.record("parameters are not an object"); return }
        #expect(resolved["algorithm"] == .string("als") && resolved["factors"] == .number(64) && resolved["input"] == .string("binary"))
        #expect(resolved["lambda"] == .number(12000) && resolved["iterations"] == .number(15))
    }

    @Test func unknownAlgorithmIsRejectedNamingTheFieldAndTheChoices() {
        var registry = StrategyRegistry()
        registry.register(PersonalizedStrategy.self)
        #expect {
            try registry.make(name: "cf", strategy: "personalized", parameters: .object(["algorithm": .string("svd")]))
        } throws: { error in
            let message = (error as? ConfigurationError)?.description ?? ""
            return message.contains("'algorithm'") && message.contains("svd") && message.contains("ease, als")
        }
    }
}

@Suite struct RecommendationTests {
    static let algorithms: [PersonalizedStrategy.Algorithm] = [.ease, .als]

    @Test(arguments: algorithms)
    func usersWithDisjointTastesGetMoviesOfTheirOwnAudience(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let model = try await fit(twoAudiences(), parameters(algorithm))
        let family = try model.recommend(RecommendationRequest(history: [rating(1, 5), rating(2, 4)], limit: 3))
        let horror = try model.recommend(RecommendationRequest(history: [rating(11, 5), rating(12, 4)], limit: 3))
        #expect(family.count == 3 && horror.count == 3)
        #expect(family.allSatisfy { (3...6).contains($0.movie) }, "\(family.map(\.movie))")
        #expect(horror.allSatisfy { (13...16).contains($0.movie) }, "\(horror.map(\.movie))")
    }

    @Test(arguments: algorithms)
    func historyExcludedAndInadmissibleMoviesNeverComeBack(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let model = try await fit(twoAudiences(), parameters(algorithm))
        let answer = try model.recommend(RecommendationRequest(
            history: [rating(11, 5), rating(12, 4), rating(13, 2)], limit: 20, excluded: [14], requireTMDBID: true))
        let movies = Set(answer.map(\.movie))
        #expect(movies.isDisjoint(with: [11, 12, 13, 14, 16]), "\(answer.map(\.movie))")
        // Everything else the model knows is still eligible, so the list runs to the end.
        #expect(movies == [1, 2, 3, 4, 5, 6, 15])
        #expect(answer.map(\.score) == answer.map(\.score).sorted(by: >))
    }

    @Test func equalScoresAreOrderedByMovieID() async throws {
        // Movies 5 and 3 are rated identically by the same users, so they score the same.
        let catalogue = Catalogue((1...5).map { CatalogueItem(id: MovieID($0), title: "M\($0)") })
        var interactions: [Interaction] = []
        for user in ["u", "v", "w"] {
            for movie: MovieID in [1, 3, 5] { interactions.append(Interaction(user: user, movie: movie, rating: 4, timestamp: 0)) }
        }
        interactions.append(Interaction(user: "x", movie: 2, rating: 3, timestamp: 0))
        interactions.append(Interaction(user: "x", movie: 4, rating: 3, timestamp: 0))
        let model = try await fit(TrainingData(catalogue: catalogue, interactions: interactions), parameters(.ease))
        let answer = try model.recommend(RecommendationRequest(history: [rating(1, 5)], limit: 2))
        #expect(answer.map(\.movie) == [3, 5])
        #expect(answer[0].score == answer[1].score)
    }

    @Test(arguments: algorithms)
    func reasonsNameTheLikedMoviesThatContributedMost(algorithm: PersonalizedStrategy.Algorithm) async throws {
        // Everyone who rated movie 4 also rated 1 and 2; 3 goes with 5 instead, 6 with no one in particular.
        let catalogue = Catalogue((1...6).map { CatalogueItem(id: MovieID($0), title: ["Toy Story", "Up", "Cars", "Coco", "Brave", "Heat"][$0 - 1]) })
        var interactions: [Interaction] = []
        for user in 0..<6 {
            for movie: MovieID in [1, 2, 4] { interactions.append(Interaction(user: "a\(user)", movie: movie, rating: 5, timestamp: 0)) }
            for movie: MovieID in [3, 5] { interactions.append(Interaction(user: "b\(user)", movie: movie, rating: 5, timestamp: 0)) }
        }
        interactions.append(Interaction(user: "c", movie: 6, rating: 5, timestamp: 0))
        let model = try await fit(TrainingData(catalogue: catalogue, interactions: interactions), parameters(algorithm))
        let answer = try model.recommend(RecommendationRequest(history: [rating(1, 5), rating(2, 4.5), rating(3, 4)], limit: 1))
        #expect(answer.map(\.movie) == [4])
        #expect(["Because you liked Toy Story and Up", "Because you liked Up and Toy Story"].contains(answer.first?.reason))
    }

    @Test(arguments: algorithms)
    func scoresAloneRankTheSameAndReasonsAskedForAfterwardsAreTheAnswersOwn(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let model = try await fit(twoAudiences(), parameters(algorithm))
        for history in [[rating(1, 5), rating(2, 4), rating(11, 2, at: 1)], [rating(99, 5)]] {  // known movies; a cold start
            var request = RecommendationRequest(history: history, limit: 4)
            let full = try model.recommend(request)
            request.wantsReasons = false
            let bare = try model.recommend(request)
            #expect(bare.map(\.movie) == full.map(\.movie) && bare.map(\.score) == full.map(\.score))
            let deferred = try model.recommendExplainingLater(request)
            #expect(deferred.recommendations.map(\.movie) == full.map(\.movie) && deferred.recommendations.map(\.score) == full.map(\.score))
            let asked = try deferred.reasons(full.map(\.movie))
            #expect(full.allSatisfy { asked[$0.movie] == $0.reason && !$0.reason.isEmpty }, "\(asked) against \(full)")
        }
    }

    @Test func reasonsFallBackToRatedMoviesWhenNoLikedMovieContributes() async throws {
        let model = try await fit(twoAudiences(), parameters(.ease))
        let answer = try model.recommend(RecommendationRequest(history: [rating(11, 2), rating(12, 3)], limit: 1))
        #expect(answer.first?.reason.hasPrefix("Because you rated Horror 1") == true, "\(answer)")
    }

    @Test(arguments: algorithms)
    func aNewRatingChangesTheNextAnswerWithoutARefit(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let model = try await fit(twoAudiences(), parameters(algorithm))
        let before = try model.recommend(RecommendationRequest(history: [rating(1, 5)], limit: 3))
        let after = try model.recommend(RecommendationRequest(history: [rating(1, 5), rating(11, 5, at: 1), rating(12, 5, at: 2)], limit: 3))
        #expect(before.allSatisfy { (2...6).contains($0.movie) })
        #expect(after.contains { (13...16).contains($0.movie) }, "\(after.map(\.movie))")
    }

    @Test func theLatestOfRepeatedRatingsCounts() async throws {
        let model = try await fit(twoAudiences(), parameters(.ease))
        let answer = try model.recommend(RecommendationRequest(history: [rating(11, 5, at: 1), rating(12, 5, at: 2), rating(11, 1, at: 3)], limit: 1))
        #expect(answer.first?.reason == "Because you liked Horror 12", "\(answer)")
    }

    @Test(arguments: algorithms)
    func aModelFittedWithoutInteractionsAnswersEmpty(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let model = try await fit(TrainingData(catalogue: twoAudiences().catalogue, interactions: []), parameters(algorithm))
        #expect(try model.recommend(RecommendationRequest(history: [rating(1, 5)], limit: 5)).isEmpty)
        #expect(model.summary.items == 0 && model.summary.users == 0)
    }

    @Test func aLimitBeyondTheCatalogueReturnsEveryEligibleMovie() async throws {
        let model = try await fit(twoAudiences(), parameters(.ease))
        #expect(try model.recommend(RecommendationRequest(history: [rating(1, 5)], limit: 0)).isEmpty)
        #expect(try model.recommend(RecommendationRequest(history: [rating(1, 5)], limit: .max)).count == 11)
    }

    @Test(arguments: algorithms)
    func summaryReportsTheModelSize(algorithm: PersonalizedStrategy.Algorithm) async throws {
        let summary = try await fit(twoAudiences(), parameters(algorithm)).summary
        #expect(summary.items == 12 && summary.users == 12)
        #expect(summary.factors == (algorithm == .als ? 4 : nil))
        #expect(summary.detail.hasPrefix(algorithm == .als ? "ALS factors=4 regularization=0.1" : "EASE lambda=1 input=rating"), "\(summary.detail)")
    }
}

@Suite struct ColdStartTests {
    @Test func unknownLikedMoviesBringPopularMoviesOfTheirGenres() async throws {
        // Movie 7 (Animation, Family) is in the catalogue but unknown to the model.
        let model = try await fit(twoAudiences(), parameters(.ease))
        let answer = try model.recommend(RecommendationRequest(history: [rating(7, 5)], limit: 3))
        // Family movies by rating count: 1, 2 and 3 have five each (ties by id), 4 and 5 four.
        #expect(answer.map(\.movie) == [1, 2, 3])
        #expect(answer.map(\.reason) == [
            "Popular in Animation — rate a few movies for personal picks",
            "Popular in Animation and Family — rate a few movies for personal picks",
            "Popular in Animation — rate a few movies for personal picks",
        ])
    }

    @Test func noLikedGenreMeansPopularWithEveryone() async throws {
        let model = try await fit(twoAudiences(), parameters(.als))
        for history in [[], [rating(7, 2)], [rating(17, 5)]] {
            let answer = try model.recommend(RecommendationRequest(history: history, limit: 2))
            #expect(answer.map(\.movie) == [1, 2], "\(history)")
            #expect(answer.allSatisfy { $0.reason == "Popular with everyone — rate a few movies for personal picks" })
        }
    }

    @Test func genreMatchesRankAboveMorePopularMovies() async throws {
        var data = twoAudiences()
        // Horror 15 becomes the most rated movie of all, yet a Family fan sees Family movies first.
        let extra = (0..<8).map { Interaction(user: "fan\($0)", movie: 15, rating: 4, timestamp: 0) }
        data = TrainingData(catalogue: data.catalogue, interactions: data.interactions + extra)
        let model = try await fit(data, parameters(.ease))
        let answer = try model.recommend(RecommendationRequest(history: [rating(7, 4.5)], limit: 7))
        #expect(answer.map(\.movie) == [1, 2, 3, 4, 5, 6, 15])
        #expect(answer.last?.reason == "Popular with everyone — rate a few movies for personal picks")
    }
}
