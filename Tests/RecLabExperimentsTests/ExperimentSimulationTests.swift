import Foundation
import RecLabCore
import RecLabExperiments
import RecLabStore
import TestSupport
import Testing

@Suite struct ExperimentSimulationTests {
    /// The committed draft: most popular against the tuned EASE^R, simulated before it runs.
    @Test func aSimulatedExperimentIsWonByTheVariantWithTheBetterOfflineNDCG() async throws {
        let experiment = try #require(try ExperimentFileTests.committed().first { $0.id == "popular-vs-ease" })
        #expect(experiment.status == .draft)
        let data = try await RealCatalogue.trainingData()
        let outcome = try await ExperimentSimulation(registry: ExperimentFileTests.registry).run(
            experiment, data: data, store: try await RealCatalogue.store(), ratingsFile: "ratings.csv", sha256: "-")
        let report = outcome.report

        // Every MovieLens user is enrolled once, split as the weights say.
        #expect(report.variants.map(\.users).reduce(0, +) == 610)
        #expect(report.variants.map(\.exposures).reduce(0, +) == 610)
        #expect(report.sampleRatio?.mismatch == false)
        #expect(report.variants.allSatisfy { $0.impressions == 10 * $0.users })
        // The offline scores are the same variants on the same split.
        let offline = report.variants.compactMap(\.offline)
        #expect(offline.count == 2)
        #expect(offline.allSatisfy { $0.evaluation == outcome.evaluation.id })
        let bestOffline = report.variants.max { $0.offline!.ndcg < $1.offline!.ndcg }!.name
        let bestOnline = report.variants.max { $0.ctr.value! < $1.ctr.value! }!.name
        #expect(bestOffline == "ease")
        #expect(bestOnline == bestOffline)
        #expect(report.winner == bestOffline, "\(report.conclusion)")
        #expect(report.variants[1].ctrLift?.verdict == .better)
    }

    /// The committed interleaving draft: each simulated user sees tuned and plain EASE^R
    /// merged, and on the same traffic interleaving needs far fewer users than A/B.
    @Test func aSimulatedInterleavingExperimentTestsThePreferenceAndNeedsFewerUsersThanAB() async throws {
        let experiment = try #require(try ExperimentFileTests.committed().first { $0.id == "personalized-ease-interleaving" })
        #expect(experiment.kind == .interleaving && experiment.status == .draft)
        let data = try await RealCatalogue.trainingData()
        let outcome = try await offThePool {
            try await ExperimentSimulation(registry: ExperimentFileTests.registry).run(
                experiment, data: data, store: try await RealCatalogue.store(), ratingsFile: "ratings.csv", sha256: "-")
        }
        let report = outcome.report
        #expect(report.kind == "interleaving")
        // Its namespace half of the users, every one shown ten movies split between the teams.
        let users = try #require(report.variants.first?.users)
        #expect((250...360).contains(users))
        #expect(report.variants.map(\.impressions).reduce(0, +) == 10 * users)
        let preference = try #require(report.preferences?.first)
        #expect(preference.users == users)
        #expect(preference.favourA + preference.favourB + preference.tied == preference.usersWithClicks)
        // The better offline model (tuned, the control) collects more of the clicks.
        #expect(preference.favourA > preference.favourB)
        let curve = try #require(outcome.power.first)
        #expect((curve.control, curve.challenger) == ("tuned", "plain"))
        let interleaving = try #require(curve.interleavingUsersNeeded)
        #expect(interleaving < (curve.abUsersNeeded ?? Int.max) / 4, "interleaving \(interleaving), A/B \(String(describing: curve.abUsersNeeded))")
        #expect(curve.points.map(\.users) == PowerCurve.userCounts)
    }
}
