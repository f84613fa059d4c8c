import Foundation
import RecLabCore
import RecLabServing
import TestSupport
import Testing

/// The candidate rules, on every strategy the registry knows: whatever is asked, no answer
/// holds a movie the request excludes (the user's own, the seed, the caller's list), a movie
/// twice, a movie without a TMDB id when one is required, or more than `limit`; and the
/// models fill their lists from what the request admits, so the rules have nothing to drop.
@Suite struct CandidateRulesTests {
    @Test func everyRegisteredStrategyKeepsTheCandidateRulesOnTheSameQuestions() async throws {
        let generation = try #require(try await LiveServices.shared().models.generation)
        let data = try await RealCatalogue.trainingData()
        // The served instances, and one of each registered strategy the strategies file leaves out.
        let served = Set(generation.strategies.map(\.strategyID))
        let extra = try testStrategies.oneOfEach().filter { !served.contains($0.strategyID) }
        let unserved = try await extra.fitInOrder(on: data)
        let instances = generation.strategies.map { ($0.name, $0.strategyID, generation.models[$0.name]) }
            + extra.map { ($0.name, $0.strategyID, unserved[$0.name]) }
        #expect(Set(testStrategies.ids).isSubset(of: Set(instances.map(\.1))), "every registered strategy is fitted and asked")
        let catalogue = generation.catalogue
        let history = data.interactions.filter { $0.user == "414" }.sorted { $0.timestamp < $1.timestamp }.suffix(200)
        // The most popular movies: every strategy would name some of them if it could.
        let popular = Dictionary(grouping: data.interactions, by: \.movie).sorted { $0.value.count > $1.value.count }.prefix(40).map(\.key)
        let inception = try await RealCatalogue.movie(tmdbID: 27205)
        let comedy = try #require(GenreCatalog.tmdb.first { $0.name == "Comedy" })
        let questions: [(String, RecommendationRequest)] = [
            ("a user with history, the popular excluded", RecommendationRequest(userID: "414", history: Array(history), limit: 10, excluded: Set(popular))),
            ("similar to a seed, with TMDB ids", RecommendationRequest(seedMovie: inception, limit: 10, excluded: Set(popular.prefix(10)), requireTMDBID: true)),
            ("a genre, a long list", RecommendationRequest(genre: comedy, limit: 50, excluded: Set(popular.prefix(20)))),
            ("trending this week", RecommendationRequest(timeWindow: .week, limit: 10, excluded: Set(popular.prefix(20)))),
            ("one movie for a new user", RecommendationRequest(userID: "nobody-yet", limit: 1, excluded: Set(popular))),
        ]
        for (name, strategyID, fitted) in instances {
            let model = try #require(fitted)
            for (what, request) in questions {
                let answer: [Recommendation]
                do {
                    answer = try model.recommend(request)
                } catch is RecommendationError {
                    continue  // a strategy that cannot answer this kind of question says so
                }
                let label = "\(name) (\(strategyID)), \(what)"
                #expect(answer.count <= request.limit, "\(label)")
                #expect(Set(answer.map(\.movie)).count == answer.count, "\(label): a movie twice")
                #expect(answer.allSatisfy { !request.excluded.contains($0.movie) }, "\(label): an excluded movie")
                #expect(answer.allSatisfy { !history.map(\.movie).contains($0.movie) || request.userID != "414" }, "\(label): the user's own movie")
                if request.requireTMDBID {
                    #expect(answer.allSatisfy { catalogue.item($0.movie)?.tmdbID != nil }, "\(label): a movie without a TMDB id")
                }
                #expect(try CandidateRules.answer(model, request, catalogue: catalogue) == answer, "\(label): nothing for the rules to drop")
            }
        }
    }
}
