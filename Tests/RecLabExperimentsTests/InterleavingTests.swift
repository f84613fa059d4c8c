import Foundation
import RecLabCore
import RecLabExperiments
import RecLabStore
import Testing

@Suite struct InterleavingTests {
    static let experiment = Experiment(
        id: "mix", description: "", status: .running, surface: .personalized, salt: "mix", coverage: 1, namespace: nil, targeting: .init(),
        variants: [
            .init(name: "a", weight: 0.5, isControl: true, strategy: "popularity", parameters: nil),
            .init(name: "b", weight: 0.5, isControl: false, strategy: "popularity", parameters: nil),
        ], kind: .interleaving)

    @Test func teamDraftTakesEachTeamsBestUnshownItemInTurnAndBalancesTheTeams() {
        let a = [1, 2, 3, 4, 5, 6, 7, 8]
        let b = [2, 9, 1, 10, 3, 11, 12, 13]
        for seed in 0..<200 {
            var generator = SeededGenerator(seed: UInt64(seed))
            let picks = TeamDraft.interleave([a, b], limit: 8, using: &generator)
            #expect(picks.count == 8)
            #expect(Set(picks.map(\.item)).count == 8, "no movie twice")
            for (team, ranking) in [a, b].enumerated() {
                let own = picks.filter { $0.team == team }.map(\.item)
                // Each team's picks come in its own order...
                #expect(own == ranking.filter(own.contains))
                // ...and each is the best of its ranking not already in the list when picked.
                for pick in picks.enumerated() where pick.element.team == team {
                    let shownBefore = Set(picks.prefix(pick.offset).map(\.item))
                    #expect(pick.element.item == ranking.first { !shownBefore.contains($0) })
                }
            }
            // After every full round the teams are even (Radlinski et al. 2008).
            for end in stride(from: 2, through: 8, by: 2) {
                #expect(picks.prefix(end).filter { $0.team == 0 }.count == end / 2)
            }
        }
    }

    @Test func eitherTeamPicksFirstHalfTheTimeAndAShortListStopsOnlyItsTeam() {
        var first = 0
        for seed in 0..<2_000 {
            var generator = SeededGenerator(seed: UInt64(seed))
            if TeamDraft.interleave([[1, 2], [3, 4]], limit: 4, using: &generator)[0].team == 0 { first += 1 }
        }
        #expect((900...1_100).contains(first))
        var generator = SeededGenerator(seed: 7)
        let picks = TeamDraft.interleave([[1], [2, 3, 4, 5]], limit: 4, using: &generator)
        #expect(picks.map(\.item).sorted() == [1, 2, 3, 4])
        #expect(picks.filter { $0.team == 1 }.map(\.item) == [2, 3, 4])
        // Three rankers: every round each picks once.
        var three = SeededGenerator(seed: 3)
        let multileaved = TeamDraft.interleave([[1, 2], [3, 4], [5, 6]], limit: 6, using: &three)
        #expect(multileaved.prefix(3).map(\.team).sorted() == [0, 1, 2])
    }

    @Test func theSameUserAndHistoryDealTheSameListAndANewPreferenceDealsAgain() {
        let rankings = [Array(1...20), Array((1...20).reversed())]
        func list(_ user: String, _ size: Int) -> [TeamDraft.Pick<Int>] {
            var coins = TeamDraft.generator(salt: "mix", user: user, historySize: size)
            return TeamDraft.interleave(rankings, limit: 10, using: &coins)
        }
        #expect(list("u1", 5) == list("u1", 5))
        #expect((0..<20).contains { list("u1", $0) != list("u1", 5) })
    }

    /// A fixed log: 30 users served the interleaved lists. 18 clicked more of b's movies, 7
    /// more of a's, 3 as many of each, 2 clicked nothing.
    static func log() -> ExperimentActivity {
        var teams: [TeamUserActivity] = []
        var users: [VariantUserActivity] = []
        func user(_ id: String, a: Int, b: Int) {
            users.append(VariantUserActivity(variant: Experiment.interleavedArm, userID: id, exposures: 1, impressions: 10, clicks: a + b, watches: 0))
            teams.append(TeamUserActivity(userID: id, team: "a", impressions: 5, clicks: a, watches: 0))
            teams.append(TeamUserActivity(userID: id, team: "b", impressions: 5, clicks: b, watches: 0))
        }
        for index in 0..<18 { user("b\(index)", a: index % 2, b: 2) }
        for index in 0..<7 { user("a\(index)", a: 3, b: index % 3) }
        for index in 0..<3 { user("t\(index)", a: 1, b: 1) }
        for index in 0..<2 { user("n\(index)", a: 0, b: 0) }
        return ExperimentActivity(users: users, unattributedEvents: 0, teams: teams)
    }

    @Test func thePreferenceCountsUsersWhoseClicksFavourEachRankerAndTestsThemLikeSciPy() throws {
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: Self.log())
        #expect(report.kind == "interleaving")
        let preference = try #require(report.preferences?.first)
        #expect(report.preferences?.count == 1)
        #expect((preference.a, preference.b) == ("a", "b"))
        #expect(preference.users == 30)
        #expect(preference.usersWithClicks == 28)
        #expect((preference.favourA, preference.favourB, preference.tied) == (7, 18, 3))
        // SciPy: binomtest(7, 25) → p 0.043285250663757324, exact CI 0.12071668850369663–0.49387682180629416.
        #expect(abs((preference.pValue ?? 1) - 0.043285250663757324) < 1e-12)
        #expect(abs((preference.low ?? 0) - 0.12071668850369663) < 1e-9)
        #expect(abs((preference.high ?? 0) - 0.49387682180629416) < 1e-9)
        #expect(preference.shareFavouringA == 7.0 / 25)
        #expect(preference.preferred == "b")
        #expect(report.winner == "b")
        #expect(report.conclusion.hasPrefix("b is preferred to a: 72.0% of the 25 users who favoured one favoured b over a"), "\(report.conclusion)")
        // Each ranker's own clicks and impressions in the merged lists.
        #expect(report.variants.map(\.clicks) == [9 + 21 + 3, 36 + 6 + 3])
        #expect(report.variants.map(\.impressions) == [150, 150])
        #expect(report.variants.allSatisfy { $0.users == 30 && $0.ctrLift == nil })
        let page = ExperimentHTMLReport.render(report)
        #expect(page.contains("RecLab interleaving experiment") && page.contains("Preferences") && page.contains("a vs b"))
    }

    @Test func withoutAClearMajorityThereIsNoPreferenceYet() throws {
        var log = Self.log()
        // Four users of b's majority now favour a: 11 against 14.
        log.teams = log.teams.map { row in
            var row = row
            if ["b0", "b2", "b4", "b6"].contains(row.userID) { row.clicks = row.team == "a" ? 3 : 0 }
            return row
        }
        let report = ExperimentAnalysis.report(experiment: Self.experiment, activity: log)
        let preference = try #require(report.preferences?.first)
        #expect((preference.favourA, preference.favourB) == (11, 14))
        #expect(preference.preferred == nil)
        #expect(report.winner == nil)
        #expect(report.conclusion.hasPrefix("No preference yet"))
        let empty = ExperimentAnalysis.report(experiment: Self.experiment, activity: ExperimentActivity(users: [], unattributedEvents: 0))
        #expect(empty.conclusion.hasPrefix("No exposures yet"))
        #expect(empty.preferences?.first?.pValue == nil)
    }
}
