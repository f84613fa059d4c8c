import Foundation
import RecLabCore
import SequentialStrategy
import TestSupport
import Testing

@Suite struct SequentialStrategyTests {
    static func fit(_ interactions: [Interaction], _ configure: (inout SequentialStrategy.Parameters) -> Void = { _ in }) async throws -> any FittedModel {
        var parameters = SequentialStrategy.Parameters()
        configure(&parameters)
        return try await SequentialStrategy(parameters: parameters).fit(FitContext(data: TrainingData(catalogue: Catalogue(TinyCatalogue.items), interactions: interactions)))
    }

    static func rating(_ user: String, _ movie: MovieID, at time: Int64, _ value: Float = 4) -> Interaction {
        Interaction(user: user, movie: movie, rating: value, timestamp: time)
    }

    /// Scores of a user whose only history is `movie` (one step, weight 1): T's row.
    static func row(_ model: any FittedModel, from movie: MovieID) throws -> [MovieID: Double] {
        let answer = try model.recommend(RecommendationRequest(userID: "q", history: [rating("q", movie, at: 1)], limit: 6))
        return Dictionary(uniqueKeysWithValues: answer.filter { $0.score > 0.001 }.map { ($0.movie, $0.score) })
    }

    @Test func whatFollowsWithinTheWindowIsCountedAndEachRowSumsToOne() async throws {
        // a: 1 → 2 → 3 → 4; b: 1 → 4. Window 2: 1 is followed by 2, 3 (a) and 4 (b).
        let history = [1, 2, 3, 4].map { Self.rating("a", $0, at: $0 * 10) } + [Self.rating("b", 1, at: 5), Self.rating("b", 4, at: 6)]
        let model = try await Self.fit(history) { $0.window = 2 }
        let row = try Self.row(model, from: 1)
        #expect(row.keys.sorted() == [2, 3, 4])
        #expect(abs(row.values.reduce(0, +) - 1) < 1e-6)
        #expect(abs(row[2]! - 1.0 / 3) < 1e-6)
        // Forward only by default: nothing leads from 4 (its row is empty; popular movies fill in).
        #expect(try Self.row(model, from: 4).isEmpty)
        // Distance decay: the second step weighs half the first.
        let decayed = try Self.row(try await Self.fit(history) { $0.window = 2; $0.distanceDecay = 0.5 }, from: 1)
        #expect(abs(decayed[3]! / decayed[2]! - 0.5) < 1e-6)
        // Backward: 4 now leads back to what came before it.
        let backward = try Self.row(try await Self.fit(history) { $0.window = 2; $0.backwardWeight = 1 }, from: 4)
        #expect(backward.keys.sorted() == [1, 2, 3])
    }

    @Test func aFollowerCapKeepsTheHeaviestEachStillItsShareOfTheWholeRowTiesBySmallerID() async throws {
        // 1 is followed by 2 three times, by 3 and 5 twice, by 4 once: eight in all.
        let followers: [MovieID] = [2, 2, 2, 3, 3, 4, 5, 5]
        let history = followers.enumerated().flatMap { index, next in
            [Self.rating("u\(index)", 1, at: 1), Self.rating("u\(index)", next, at: 2)]
        }
        let all = try Self.row(try await Self.fit(history) { $0.window = 1 }, from: 1)
        #expect(all.keys.sorted() == [2, 3, 4, 5])
        let capped = try Self.row(try await Self.fit(history) { $0.window = 1; $0.maxFollowers = 2 }, from: 1)
        #expect(capped.keys.sorted() == [2, 3])
        #expect(abs(capped[2]! - 3.0 / 8) < 1e-6 && abs(capped[3]! - 2.0 / 8) < 1e-6)
        #expect(try Self.row(try await Self.fit(history) { $0.window = 1; $0.maxFollowers = 4 }, from: 1) == all)
    }

    @Test func ratingsOfOneSecondAreCountedBothWaysAndNeverByID() async throws {
        // 4 and 2 in the same second, after 1: the same counts whichever order the data lists them.
        let forward = [Self.rating("a", 1, at: 1), Self.rating("a", 2, at: 2), Self.rating("a", 4, at: 2)]
        let one = try await Self.fit(forward) { $0.window = 1 }
        let other = try await Self.fit(forward.reversed()) { $0.window = 1 }
        for movie: MovieID in [1, 2, 4] { #expect(try Self.row(one, from: movie) == Self.row(other, from: movie)) }
        #expect(try Self.row(one, from: 1).keys.sorted() == [2, 4], "both are one step after 1")
        #expect(try Self.row(one, from: 2).keys.sorted() == [4])
        #expect(try Self.row(one, from: 4).keys.sorted() == [2])
        // A bulk import (more movies in one second than the window holds) says nothing of order.
        let bulk = [1, 2, 3, 4, 5].map { Self.rating("a", $0, at: 7) }
        #expect(try Self.row(try await Self.fit(bulk) { $0.window = 2 }, from: 1).isEmpty)
    }

    @Test func theNewestMoviesWeighMostAndANewFavouriteChangesTheAnswerAtOnce() async throws {
        let history = [Self.rating("a", 1, at: 1), Self.rating("a", 2, at: 2), Self.rating("b", 4, at: 1), Self.rating("b", 5, at: 2)]
        let model = try await Self.fit(history) { $0.window = 1; $0.historyHalfLife = 1 }
        // The user watched 1, then 4: 4's follower (5) outranks 1's (2), and says why.
        let user = [Self.rating("u", 1, at: 100), Self.rating("u", 4, at: 200)]
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: user, limit: 2))
        #expect(answer.map(\.movie) == [5, 2])
        #expect(answer[0].reason == "Often watched after Toon One")
        #expect(abs(answer[0].score / answer[1].score - 2) < 1e-6, "one step older: half the weight")
        // A favourite posted now is the newest movie.
        let after = try model.recommend(RecommendationRequest(userID: "u", history: user + [Self.rating("u", 1, at: 300)], limit: 2))
        #expect(after.first?.movie == 2)
    }

    @Test func recencyCountsRatingsNotSecondsAndMoviesTheModelDoesNotKnow() async throws {
        // 1 leads to 2 and 4 to 5. The user rated 1, then 4 and 3 in one second, then 6; the
        // model knows neither 3 nor 6. Positions: 6 is 0, 4 and 3 are 1 (one second, no order),
        // 1 is 3 (three ratings are newer), not 2 as a count of seconds would have it.
        let training = [Self.rating("a", 1, at: 1), Self.rating("a", 2, at: 2), Self.rating("b", 4, at: 1), Self.rating("b", 5, at: 2)]
        let user = [Self.rating("u", 1, at: 50), Self.rating("u", 4, at: 100), Self.rating("u", 3, at: 100), Self.rating("u", 6, at: 200)]
        func scores(lastItems: Int) async throws -> [MovieID: Double] {
            let model = try await Self.fit(training) { $0.window = 1; $0.historyHalfLife = 1; $0.lastItems = lastItems }
            let answer = try model.recommend(RecommendationRequest(userID: "u", history: user, limit: 4))
            return Dictionary(uniqueKeysWithValues: answer.filter { $0.score > 0.001 }.map { ($0.movie, $0.score) })
        }
        #expect(try await scores(lastItems: 3) == [5: 0.5], "1 is beyond the last three ratings")
        let four = try await scores(lastItems: 4)
        #expect(four.keys.sorted() == [2, 5])
        #expect(abs(four[5]! / four[2]! - 4) < 1e-6, "2^-1 against 2^-3")
    }

    @Test func scoresAloneRankTheSameAndReasonsAskedForAfterwardsAreTheAnswersOwn() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions) { $0.window = 2 }
        var request = RecommendationRequest(userID: "q", history: [Self.rating("q", 1, at: 1), Self.rating("q", 2, at: 2)], limit: 4)
        let full = try model.recommend(request)
        request.wantsReasons = false
        let bare = try model.recommend(request)
        #expect(bare.map(\.movie) == full.map(\.movie) && bare.map(\.score) == full.map(\.score))
        #expect(bare.contains { $0.reason.isEmpty }, "the transitions' picks come without reasons")
        let deferred = try model.recommendExplainingLater(request)
        #expect(deferred.recommendations.map(\.movie) == full.map(\.movie) && deferred.recommendations.map(\.score) == full.map(\.score))
        let asked = try deferred.reasons(full.map(\.movie))
        #expect(full.allSatisfy { asked[$0.movie] == $0.reason }, "\(asked) against \(full)")
    }

    @Test func aUserTheModelKnowsNothingOfGetsTheMostRatedMovies() async throws {
        let model = try await Self.fit(TinyCatalogue.interactions)
        let answer = try model.recommend(RecommendationRequest(userID: "new", limit: 3))
        #expect(answer.map(\.movie) == [1, 4, 5])
        #expect(answer.allSatisfy { $0.reason == "Popular with RecLab users" })
    }

    @Test func aStoredModelAnswersAsTheFittedOneAndDamagedBytesThrow() async throws {
        let strategy = SequentialStrategy(parameters: .init())
        let model = try await strategy.fit(FitContext(data: TinyCatalogue.data))
        var writer = ModelWriter()
        try model.write(to: &writer)
        var reader = ModelReader(writer.bytes)
        let read = try strategy.readModel(from: &reader, context: ModelContext(catalogue: Catalogue(TinyCatalogue.items)))
        for user in ["a", "b", "c", "d"] {
            let history = TinyCatalogue.interactions.filter { $0.user == user }
            let request = RecommendationRequest(userID: user, history: Array(history.prefix(1)), limit: 4)
            #expect(try read.recommend(request) == model.recommend(request))
        }
        var truncated = ModelReader(Array(writer.bytes.prefix(writer.bytes.count - 9)))
        #expect(throws: (any Error).self) { _ = try strategy.readModel(from: &truncated, context: ModelContext(catalogue: Catalogue(TinyCatalogue.items))) }
    }

    @Test func anOutOfRangeParameterIsRefusedByName() {
        let cases: [(String, (inout SequentialStrategy.Parameters) -> Void)] = [
            ("window", { $0.window = 0 }), ("distance_decay", { $0.distanceDecay = 0 }), ("backward_weight", { $0.backwardWeight = 2 }),
            ("last_items", { $0.lastItems = 0 }), ("history_half_life", { $0.historyHalfLife = 0 }), ("min_rating", { $0.minRating = 6 }),
            ("max_followers", { $0.maxFollowers = -1 }),
        ]
        for (field, spoil) in cases {
            var parameters = SequentialStrategy.Parameters()
            spoil(&parameters)
            #expect(throws: ParameterError.self) { try parameters.validate() }
            do { try parameters.validate() } catch let error as ParameterError { #expect(error.field == field) } catch {}
        }
    }
}
