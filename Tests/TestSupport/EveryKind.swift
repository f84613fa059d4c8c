import RecLabCore

extension RecommendationRequest {
    /// Requests of every kind the API asks, for `limit` movies: six users' histories, a user
    /// with none, seeds, genres, trending windows.
    public static func everyKind(on data: TrainingData, limit: Int = 20) -> [RecommendationRequest] {
        let byUser = Dictionary(grouping: data.interactions, by: \.user)
        let users = byUser.keys.sorted().prefix(6)
        var requests = users.map { RecommendationRequest(userID: $0, history: byUser[$0]!, limit: limit) }
        requests.append(RecommendationRequest(userID: "new", limit: limit))
        let rated = Array(Set(data.interactions.map(\.movie))).sorted().prefix(5)
        requests += rated.map { RecommendationRequest(seedMovie: $0, limit: limit) }
        let genres = Set(data.catalogue.items.flatMap(\.genres)).sorted { $0.id < $1.id }.prefix(4)
        requests += genres.map { RecommendationRequest(genre: $0, limit: limit, requireTMDBID: true) }
        requests += TimeWindow.allCases.map { RecommendationRequest(timeWindow: $0, limit: limit) }
        return requests
    }
}

extension StrategyRegistry {
    /// One instance of every shipped strategy and ranking, as a strategies file would name
    /// them (a variant's model as `experiment/variant`), the blend over four of them.
    public func oneOfEach() throws -> [ConfiguredStrategy] {
        try [
            make(name: "content", strategy: "content", parameters: nil),
            make(name: "genre", strategy: "genre", parameters: nil),
            make(name: "popular", strategy: "popularity", parameters: .object(["ranking": .string("popular")])),
            make(name: "top-rated", strategy: "popularity", parameters: .object(["ranking": .string("top-rated")])),
            make(name: "trending", strategy: "popularity", parameters: .object(["ranking": .string("trending")])),
            make(name: "personalized", strategy: "personalized", parameters: .object([
                "rating_offset": .number(3), "recency_half_life_days": .number(365),
            ])),
            make(name: "exp/als", strategy: "personalized", parameters: .object([
                "algorithm": .string("als"), "factors": .number(16), "iterations": .number(3),
            ])),
            make(name: "sequential", strategy: "sequential", parameters: nil),
            // B is dense: the movies rated ten times or more keep the fit to seconds.
            make(name: "slist", strategy: "slist", parameters: .object(["min_ratings": .number(10)])),
            // One epoch of a small GRU with few negatives: trained, read back and answering, in seconds.
            make(name: "gru4rec", strategy: "gru4rec", parameters: .object([
                "hidden": .number(8), "max_epochs": .number(1), "patience": .number(1), "negatives": .number(16),
            ])),
            make(name: "hybrid", strategy: "hybrid", parameters: .object([
                "components": .object([
                    "personalized": .number(0.5), "sequential": .number(0.2), "content": .number(0.2), "popular": .number(0.1),
                ]),
            ])),
        ]
    }
}
