import RecLabCore
import RecLabEvaluation
import TestSupport
import Testing

@Suite struct TemporalHoldoutTests {
    @Test func theLastFifthOfEachUsersRatingsIsHeldOutRoundingHalfAwayFromZero() {
        // Five ratings hold out one; thirteen (2.6) hold out three; two (0.4) still hold out one.
        let a: [Interaction] = (0..<5).map { Interaction(user: "a", movie: MovieID($0), rating: 4, timestamp: Int64(10 - $0)) }
        let b: [Interaction] = (0..<13).map { Interaction(user: "b", movie: MovieID($0), rating: 4, timestamp: Int64($0)) }
        let c: [Interaction] = (0..<2).map { Interaction(user: "c", movie: MovieID($0), rating: 4, timestamp: 7) }
        let interactions = a + b + c
        let split = TemporalHoldout(interactions) { Int($0) }
        #expect(split.heldOut.filter { $0.user == "a" }.map(\.movie) == [0])  // the newest
        #expect(split.heldOut.filter { $0.user == "b" }.map(\.movie) == [10, 11, 12])
        #expect(split.heldOut.filter { $0.user == "c" }.map(\.movie) == [1])  // equal times: larger movie id last
        #expect(split.kept.count + split.heldOut.count == interactions.count)
    }

    @Test func mlLatestSmallSplitsIntoTheReferenceCounts() async throws {
        let data = try await RealCatalogue.trainingData()
        let order = Dictionary(uniqueKeysWithValues: data.catalogue.items.map { ($0.id, $0.movieLensID ?? Int.max) })
        let split = TemporalHoldout(data.interactions) { order[$0]! }
        #expect(split.kept.count == 80_672)
        #expect(split.heldOut.count == 20_164)
        #expect(Set(split.kept.map(\.movie)).count == 8_239)
        let validation = TemporalHoldout(split.kept) { order[$0]! }
        #expect(validation.kept.count == 64_549)
        #expect(validation.heldOut.count == 16_123)
        #expect(Set(validation.kept.map(\.movie)).count == 7_151)
    }
}
