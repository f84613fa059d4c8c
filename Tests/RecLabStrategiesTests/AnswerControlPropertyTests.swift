import RecLabCore
import RecLabStrategies
import TestSupport
import Testing

/// Every registered strategy under random combinations of the list controls, each answer
/// taken as the server takes it (through `CandidateRules`): nothing excluded, withheld, outside
/// the genres or years or under the rating appears, a genre cap holds, and the list is full
/// whenever the strategy ranks enough movies that pass.
@Suite struct AnswerControlPropertyTests {
    let registry = StrategyRegistry.standard

    /// Random controls drawn from the catalogue's own genres and years, and exclusions and
    /// withheld movies drawn from `unfiltered` (what the model answers without controls), so
    /// that they bite.
    static func randomControls(
        _ request: RecommendationRequest, unfiltered: [MovieID], catalogue: Catalogue, genres: [Int], using random: inout SeededGenerator
    ) -> RecommendationRequest {
        var request = request
        var filter = ListFilter()
        if Bool.random(using: &random) { filter.genres = Set(genres.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))) }
        if Bool.random(using: &random) {
            filter.excludedGenres = Set(genres.filter { !filter.genres.contains($0) }.shuffled(using: &random).prefix(1))
        }
        if Bool.random(using: &random) { filter.yearFrom = Int.random(in: 1960...2005, using: &random) }
        if Bool.random(using: &random) { filter.yearTo = (filter.yearFrom ?? 1930) + Int.random(in: 5...40, using: &random) }
        if Int.random(in: 0..<3, using: &random) == 0 { filter.minimumRating = Double.random(in: 5...7.5, using: &random) }
        request.filter = filter
        let pool = unfiltered.shuffled(using: &random)
        let excluded = Int.random(in: 0...min(10, pool.count), using: &random)
        request.excluded.formUnion(pool.prefix(excluded))
        request.withheld = Set(pool.dropFirst(excluded).prefix(Int.random(in: 0...5, using: &random)).compactMap { catalogue.item($0)?.tmdbID })
        switch Int.random(in: 0..<4, using: &random) {
        case 0: request.diversification = .mmr(diversity: [0.3, 0.7, 1][Int.random(in: 0..<3, using: &random)])
        case 1: request.diversification = .genreCap(Int.random(in: 1...3, using: &random))
        default: request.diversification = nil
        }
        return request
    }

    @Test func noStrategyShowsWhatTheControlsLeaveOutAndEachFillsItsListWhenEnoughPass() async throws {
        try await offThePool {
            let data = try await RealCatalogue.trainingData()
            let instances = try registry.oneOfEach()
            #expect(Set(instances.map(\.strategyID)) == Set(registry.ids), "an instance of every registered strategy")
            let models = try await instances.fitInOrder(on: data)
            let similarity = models["content"] as? any ItemSimilarity
            #expect(similarity != nil, "the content model measures likeness")
            let catalogue = data.catalogue
            let genres = Set(catalogue.items.flatMap(\.genres).map(\.id)).sorted()
            var random = SeededGenerator(seed: 26)
            var answers = 0
            var filled = 0
            for instance in instances {
                let model = models[instance.name]!
                for plain in RecommendationRequest.everyKind(on: data, limit: 10) {
                    guard let unfiltered = try? CandidateRules.answer(model, plain, catalogue: catalogue) else { continue }
                    for _ in 0..<6 {
                        let request = Self.randomControls(
                            plain, unfiltered: unfiltered.map(\.movie), catalogue: catalogue, genres: genres, using: &random)
                        let answer = try CandidateRules.answer(model, request, catalogue: catalogue, similarity: similarity)
                        answers += 1
                        let context = "\(instance.name), \(request.filter), \(request.diversification.map { "\($0)" } ?? "-")"
                        #expect(Set(answer.map(\.movie)).count == answer.count, "each movie once: \(context)")
                        #expect(answer.count <= request.limit, "\(context)")
                        for movie in answer.map(\.movie) {
                            let item = catalogue.item(movie)!
                            #expect(!request.excluded.contains(movie), "excluded \(movie) shown: \(context)")
                            #expect(item.tmdbID.map { !request.withheld.contains($0) } ?? true, "withheld \(movie) shown: \(context)")
                            #expect(request.filter.admits(item), "\(item.title) (\(item.year ?? 0)) passes no filter: \(context)")
                        }
                        if case .genreCap(let cap) = request.diversification {
                            let counts = Dictionary(grouping: answer.flatMap { catalogue.item($0.movie)!.genres.map(\.id) }, by: { $0 })
                            #expect(counts.values.allSatisfy { $0.count <= cap }, "more than \(cap) of a genre: \(context)")
                        } else {
                            // What the strategy ranks that passes, however deep it must look.
                            var everything = request
                            everything.limit = catalogue.count
                            everything.diversification = nil
                            let passing = try CandidateRules.answer(model, everything, catalogue: catalogue).count
                            #expect(answer.count == min(request.limit, passing), "\(passing) pass but \(answer.count) shown: \(context)")
                            if passing >= request.limit { filled += 1 }
                        }
                    }
                }
            }
            // The draws must leave room to fill most lists, or the fill check proves little.
            #expect(answers > 500 && filled > answers / 4, "\(answers) answers, \(filled) of them full under controls")
        }
    }
}
