import RecLabCore
import Testing

@Suite struct RankingTests {
    /// 200 movies, every third without a TMDB id, scores with ties.
    static let catalogue = Catalogue((1...200).map { id in
        CatalogueItem(id: MovieID(id), tmdbID: id % 3 == 0 ? nil : id, title: "Movie \(id)")
    })
    static func score(_ id: MovieID) -> Double { Double((id * 37) % 50) }

    @Test func bestAdmittedIsTheTopOfEveryAdmittedMovieWhateverTheExclusionsCost() {
        // The user's history holds most of the best-scored movies, so the leaders must widen.
        let history = (1...200).filter { Self.score(MovieID($0)) >= 30 }.map { Interaction(user: "u", movie: MovieID($0), rating: 4, timestamp: 0) }
        for limit in [1, 5, 20, 500] {
            let request = RecommendationRequest(history: history, seedMovie: 7, limit: limit, excluded: [11, 12], requireTMDBID: true)
            let expected = Self.catalogue.items.filter(request.admits)
                .map { (movie: $0.id, score: Self.score($0.id)) }
                .sorted { ($0.score, -$0.movie) > ($1.score, -$1.movie) }
                .prefix(limit)
            let best = request.bestAdmitted(Self.catalogue.items, movie: \.id, score: { Self.score($0.id) }) { request.admits($0, in: Self.catalogue) }
            #expect(best.map(\.movie) == expected.map(\.movie), "limit \(limit)")
            #expect(best.map(\.score) == expected.map(\.score), "limit \(limit)")
        }
    }

    /// The score-array form gives what the general one gives for the same scores: positions
    /// not offered (−∞, NaN) never appear, ties go to the smaller position, and the leaders
    /// widen when the history and the exclusions turn most of them away.
    @Test func bestAdmittedOverAScoreArrayMatchesTheGeneralSelection() {
        let history = (1...200).filter { Self.score(MovieID($0)) >= 30 }.map { Interaction(user: "u", movie: MovieID($0), rating: 4, timestamp: 0) }
        let items = Self.catalogue.items
        let scores = items.map { item -> Float in
            item.id % 17 == 0 ? -.infinity : item.id % 19 == 0 ? .nan : Float(Self.score(item.id))
        }
        for limit in [1, 5, 20, 500] {
            let request = RecommendationRequest(history: history, seedMovie: 7, limit: limit, excluded: [11, 12], requireTMDBID: true)
            let expected = request.bestAdmitted(
                items.indices, movie: { items[$0].id }, score: { scores[$0].isFinite ? Double(scores[$0]) : nil }) {
                request.admits($0, in: Self.catalogue)
            }
            let best = scores.withUnsafeBufferPointer { request.bestAdmitted(scores: $0) { request.admits(items[$0]) } }
            #expect(best.map { items[$0.position].id } == expected.map(\.movie), "limit \(limit)")
            #expect(best.map { Double($0.score) } == expected.map(\.score), "limit \(limit)")
        }
    }

    @Test func firstAdmittedKeepsTheListsOrderAndStopsAtTheLimit() {
        var walked = 0
        let request = RecommendationRequest(seedMovie: 2, limit: 3, excluded: [4])
        let answer = request.firstAdmitted(Self.catalogue.items.map(\.id), admitted: { walked += 1; return request.admits($0, in: Self.catalogue) }) { id in
            Recommendation(movie: id, score: 0, reason: "")
        }
        #expect(answer.map(\.movie) == [1, 3, 5])
        #expect(walked == 5)
    }

    @Test func theHistoryAndTheSeedAreNeverAdmittedHoweverTheRequestIsBuilt() {
        var request = RecommendationRequest(limit: 10)
        request.history = [Interaction(user: "u", movie: 5, rating: 1, timestamp: 0)]
        request.seedMovie = 6
        #expect(!request.admits(Self.catalogue.item(5)!))
        #expect(!request.admits(Self.catalogue.item(6)!))
        #expect(request.admits(Self.catalogue.item(7)!))
    }
}
