import RecLabCore
import RecLabExperiments
import Testing

@Suite struct ServingRulesTests {
    static let experiment = Experiment(
        id: "exp", description: "", status: .running, surface: .personalized, salt: "exp", coverage: 1, namespace: nil,
        targeting: .init(), variants: [
            .init(name: "a", weight: 0.5, isControl: true, strategy: "popularity", parameters: nil),
            .init(name: "b", weight: 0.5, isControl: false, strategy: "popularity", parameters: nil),
        ])

    @Test func aRequestLeavesOutTheHistoryTheSeedAndMoviesWithoutATMDBID() {
        let history = [Interaction(user: "u", movie: 3, rating: 4, timestamp: 1), Interaction(user: "u", movie: 5, rating: 2, timestamp: 2)]
        let request = ServingRules.request(limit: 7, user: "u", history: history, seed: 11, excluding: [13])
        #expect(request.excluded == [3, 5, 11, 13])
        #expect(request.requireTMDBID)
        #expect(request.limit == 7)
        #expect(request.history == history)
    }

    @Test func anExperimentServesOnlyItsOwnSurface() throws {
        #expect(try ServingRules.arm(for: "u", on: .hybrid, interactions: 0, forced: nil, among: [Self.experiment]) == nil)
        let served = try #require(try ServingRules.arm(for: "u", on: .personalized, interactions: 0, forced: nil, among: [Self.experiment]))
        #expect(served.arm == Self.experiment.assign(userID: "u", interactions: 0).map { .variant($0.variant) })
    }

    @Test func aForcedVariantTheExperimentLacksIsRefusedNamingTheVariants() {
        #expect(throws: ServingError.unknownVariant(experiment: "exp", variant: "c", known: ["a", "b"])) {
            try ServingRules.arm(for: "u", on: .personalized, interactions: 0, forced: "c", among: [Self.experiment])
        }
    }

    @Test func anInterleavingExperimentServesEveryVariantToTheCoveredShareAndAssignsNone() throws {
        var experiment = Self.experiment
        experiment.kind = .interleaving
        experiment.coverage = 0.5
        let arms = (0..<2_000).map { experiment.arm(userID: "u\($0)", interactions: 0) }
        #expect(arms.allSatisfy { $0 == nil || $0 == .interleaved(experiment.variants) })
        let enrolled = arms.filter { $0 != nil }.count
        #expect((900...1_100).contains(enrolled))
        #expect((0..<100).allSatisfy { experiment.assign(userID: "u\($0)", interactions: 0) == nil })
        // A forced variant is that variant's own list, for QA.
        let forced = try #require(try ServingRules.arm(for: "u", on: .personalized, interactions: 0, forced: "b", among: [experiment]))
        #expect(forced.arm == .variant(experiment.variants[1]))
    }
}
