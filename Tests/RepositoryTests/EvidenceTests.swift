import Foundation
import RecLabCore
import RecLabStore
import TestSupport
import Testing

/// Events, exposures and evaluation reports, on every backend: what experiment reports and
/// the report pages are computed from.
@Suite struct EvidenceTests {
    static func event(_ id: String, _ kind: FeedbackEvent.Kind, user: String = "ann", movie: Int = 27205, request: String? = "r1") -> FeedbackEvent {
        FeedbackEvent(eventID: id, kind: kind, userID: user, tmdbID: movie, requestID: request, rating: kind == .rating ? 4.5 : nil, occurredAt: Date())
    }

    @Test(arguments: Backend.allCases)
    func anEventBatchStoresOnceAndAnUnknownMovieRefusesTheWholeBatch(_ backend: Backend) async throws {
        let store = try await PreferenceTests.store(backend)
        let receipt = try await store.record([Self.event("e1", .click), Self.event("e2", .rating), Self.event("e1", .click)])
        #expect(receipt.stored == 2 && receipt.duplicates == 1)
        #expect(receipt.storedByKind == [.click: 1, .rating: 1])
        await #expect(throws: StoreError.unknownMovies(tmdbIDs: [998, 999])) {
            _ = try await store.record([Self.event("e3", .click), Self.event("e4", .click, movie: 999), Self.event("e5", .click, movie: 998)])
        }
        #expect(try await store.record([Self.event("e3", .click)]).stored == 1, "nothing of the refused batch was stored")
    }

    @Test(arguments: Backend.allCases)
    func anExperimentsActivityCreditsOnlyTheUsersEventsOnShownMoviesWithinTheWindow(_ backend: Backend) async throws {
        let store = try await PreferenceTests.store(backend)
        try await store.record([
            Exposure(requestID: "r1", experiment: "x", variant: "a", userID: "ann", surface: "personalized", exposedAt: Date(), movies: [27205, 155]),
            Exposure(requestID: "r2", experiment: "x", variant: "b", userID: "bob", surface: "personalized", exposedAt: Date(), movies: [155]),
            Exposure(requestID: "r3", experiment: "other", variant: "a", userID: "ann", surface: "personalized", exposedAt: Date(), movies: [155]),
        ])
        try await store.record([Exposure(requestID: "r1", experiment: "x", variant: "b", userID: "zed", surface: "personalized", exposedAt: Date(), movies: [])])
        _ = try await store.record([
            Self.event("i1", .impression), Self.event("i2", .impression, movie: 155), Self.event("c1", .click), Self.event("c2", .click),
            Self.event("w1", .watch),
            Self.event("c3", .click, user: "bob", request: "r1"),  // another user's
            Self.event("c4", .click, movie: 155, request: "r2"),  // ann, on bob's answer
            Self.event("c5", .click, user: "bob", movie: 27205, request: "r2"),  // a movie r2 did not show
            Self.event("c6", .click, user: "bob", movie: 155, request: "r2"), Self.event("i3", .impression, user: "bob", movie: 155, request: "r2"),
        ])
        let activity = try await store.activity(experiment: "x", attributionWindow: .seconds(3600))
        #expect(activity.users.allSatisfy { abs($0.firstExposedAt?.timeIntervalSinceNow ?? .infinity) < 60 })
        #expect(activity.users.map { var user = $0; user.firstExposedAt = nil; return user } == [
            VariantUserActivity(variant: "a", userID: "ann", exposures: 1, impressions: 2, clicks: 1, watches: 1),
            VariantUserActivity(variant: "b", userID: "bob", exposures: 1, impressions: 1, clicks: 1, watches: 0),
        ])
        #expect(activity.unattributedEvents == 3)
        let exposedLongAgo = Date().addingTimeInterval(-7200)
        try await store.record([Exposure(requestID: "old", experiment: "y", variant: "a", userID: "ann", surface: "personalized", exposedAt: exposedLongAgo, movies: [27205])])
        _ = try await store.record([Self.event("late", .click, request: "old"), Self.event("late-seen", .impression, request: "old")])
        #expect(try await store.activity(experiment: "y", attributionWindow: .seconds(3600)).users.first?.clicks == 0)
        #expect(try await store.activity(experiment: "y", attributionWindow: nil).users.first?.clicks == 1, "no window: replays on the data's clock")
    }

    /// Random answers, random events about them (impressions, clicks, watches, repeats, clicks
    /// on movies never shown), sent in random orders and batches: whatever the order, a click
    /// or watch counts exactly when its (answer, movie) has an impression, so CTR stays within 1.
    @Test(arguments: Backend.allCases)
    func inWhateverOrderEventsArriveOnlyClicksOnShownMoviesCountSoCTRNeverPassesOne(_ backend: Backend) async throws {
        let store = try await PreferenceTests.store(backend)
        let movies = [27205, 155]
        let kinds: [FeedbackEvent.Kind] = [.impression, .click, .click, .watch]
        for trial in 0..<12 {
            let experiment = "orders-\(trial)"
            let users = ["ann", "bob", "cat"]
            let answers = (0..<8).map { "\(experiment)-r\($0)" }
            try await store.record(answers.enumerated().map { index, answer in
                Exposure(requestID: answer, experiment: experiment, variant: index % 2 == 0 ? "a" : "b", userID: users[index % users.count],
                         surface: "personalized", exposedAt: Date(), movies: movies)
            })
            var events: [FeedbackEvent] = []
            var shown: Set<String> = [], clicked: Set<String> = [], watched: Set<String> = []
            for (index, answer) in answers.enumerated() {
                for movie in movies {
                    for kind in kinds where Bool.random() {
                        let pair = "\(answer):\(movie)"
                        switch kind {
                        case .impression: shown.insert(pair)
                        case .click: clicked.insert(pair)
                        default: watched.insert(pair)
                        }
                        events.append(Self.event("\(pair):\(kind):\(events.count)", kind, user: users[index % users.count], movie: movie, request: answer))
                    }
                }
            }
            events.shuffle()
            var order: [String] = []
            var rest = events[...]
            while !rest.isEmpty {
                let batch = rest.prefix(Int.random(in: 1...5))
                rest = rest.dropFirst(batch.count)
                order.append(batch.map(\.eventID).joined(separator: ","))
                _ = try await store.record(Array(batch))
            }
            let activity = try await store.activity(experiment: experiment, attributionWindow: .seconds(3600))
            let sent = "events in batches: \(order.joined(separator: " | "))"
            #expect(activity.users.map(\.impressions).reduce(0, +) == shown.count, "\(sent)")
            #expect(activity.users.map(\.clicks).reduce(0, +) == clicked.intersection(shown).count, "\(sent)")
            #expect(activity.users.map(\.watches).reduce(0, +) == watched.intersection(shown).count, "\(sent)")
            #expect(activity.users.allSatisfy { $0.clicks <= $0.impressions && $0.watches <= $0.impressions }, "\(sent)")
            #expect(activity.unattributedEvents == events.filter { $0.kind != .impression && !shown.contains("\($0.requestID!):\($0.tmdbID)") }.count, "\(sent)")
        }
    }

    @Test(arguments: Backend.allCases)
    func aClickOnAnInterleavedAnswerCreditsTheTeamOfTheClickedMovieAndTheTeamsGoWithTheExposure(_ backend: Backend) async throws {
        let store = try await PreferenceTests.store(backend)
        let now = Date()
        try await store.record([
            Exposure(requestID: "i1", experiment: "mix", variant: "interleaved", userID: "ann", surface: "personalized", exposedAt: now,
                     movies: [27205, 155], teams: ["a", "b"]),
            Exposure(requestID: "i2", experiment: "mix", variant: "interleaved", userID: "bob", surface: "personalized", exposedAt: now,
                     movies: [155, 27205], teams: ["b", "a"]),
        ])
        _ = try await store.record([
            Self.event("m1", .impression, request: "i1"), Self.event("m2", .impression, movie: 155, request: "i1"),
            Self.event("m3", .click, movie: 155, request: "i1"), Self.event("m4", .click, movie: 155, request: "i1"),  // twice: once
            Self.event("m5", .click, request: "i1"), Self.event("m6", .watch, request: "i1"),
            Self.event("m7", .click, user: "bob", movie: 27205, request: "i2"), Self.event("m8", .impression, user: "bob", movie: 27205, request: "i2"),
        ].map { var event = $0; event.eventID += "-\(backend)"; return event })
        let activity = try await store.activity(experiment: "mix", attributionWindow: .seconds(3600))
        #expect(activity.teams == [
            TeamUserActivity(userID: "ann", team: "a", impressions: 1, clicks: 1, watches: 1),
            TeamUserActivity(userID: "ann", team: "b", impressions: 1, clicks: 1, watches: 0),
            TeamUserActivity(userID: "bob", team: "a", impressions: 1, clicks: 1, watches: 0),
            TeamUserActivity(userID: "bob", team: "b", impressions: 0, clicks: 0, watches: 0),
        ])
        #expect(activity.users.map(\.clicks) == [2, 1])
        // An A/B experiment's activity has no teams; and deleting the exposures takes theirs.
        #expect(try await store.activity(experiment: "x", attributionWindow: nil).teams.isEmpty)
        _ = try await store.deleteEvidence(before: now.addingTimeInterval(60))
        try await store.record([Exposure(requestID: "i1", experiment: "mix", variant: "interleaved", userID: "ann", surface: "personalized",
                                         exposedAt: now, movies: [27205], teams: ["b"])])
        #expect(try await store.activity(experiment: "mix", attributionWindow: nil).teams.map(\.team) == ["b"])
    }

    @Test(arguments: Backend.allCases)
    func evidenceOlderThanTheCutoffIsDeleted(_ backend: Backend) async throws {
        let store = try await PreferenceTests.store(backend)
        try await store.record([
            Exposure(requestID: "old", experiment: "x", variant: "a", userID: "ann", surface: "personalized", exposedAt: Date().addingTimeInterval(-86_400 * 40), movies: [27205]),
            Exposure(requestID: "new", experiment: "x", variant: "a", userID: "ann", surface: "personalized", exposedAt: Date(), movies: [27205]),
        ])
        _ = try await store.record([Self.event("e1", .click)])
        let deleted = try await store.deleteEvidence(before: Date().addingTimeInterval(-86_400 * 30))
        #expect(deleted.events == 0 && deleted.exposures == 1)
        #expect(try await store.deleteEvidence(before: Date().addingTimeInterval(60)) == (events: 1, exposures: 1))
    }

    @Test(arguments: Backend.allCases)
    func evaluationReportsAreKeptNewestFirstAndSavingAnIdAgainReplacesIt(_ backend: Backend) async throws {
        let store = try await backend.emptyStore()
        let older = StoredEvaluation(id: "e-1", name: "first", protocolVersion: "v1", createdAt: Date(timeIntervalSince1970: 1_000), json: Data("{}".utf8), html: "<p>1</p>")
        let newer = StoredEvaluation(id: "e-2", name: "second", protocolVersion: "v1", createdAt: Date(timeIntervalSince1970: 2_000), json: Data("{\"a\":1}".utf8), html: "<p>2</p>")
        try await store.save(older)
        try await store.save(newer)
        #expect(try await store.evaluationIDs() == ["e-2", "e-1"])
        #expect(try await store.evaluations() == [newer, older])
        var renamed = older
        renamed.name = "first, again"
        try await store.save(renamed)
        #expect(try await store.evaluation(id: "e-1") == renamed)
        #expect(try await store.evaluation(id: "missing") == nil)
    }
}
