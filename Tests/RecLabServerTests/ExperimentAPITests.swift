import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabCore
import RecLabExperiments
import RecLabServer
import RecLabEvaluation
import RecLabServing
import RecLabSQLite
import RecLabStore
import ServiceLifecycle
import TestSupport
import Testing

/// A server whose experiments folder holds one experiment on `personalized`, enrolling
/// everyone with five or more interactions.
struct ExperimentServer {
    static let experiment = """
        id: tuning
        status: running
        surface: personalized
        salt: tuning-salt
        targeting: { min_ratings: 5 }
        variants:
          - { name: tuned, control: true, weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 300, rating_offset: 3 } }
          - { name: plain, weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 12000 } }
        """

    let folder: URL
    let configuration: ServerConfiguration
    let services: RecLabServices

    /// Starts services from the folder's files, as `reclab serve` does.
    /// `simulating`: an evaluation config whose data offline simulations run on, over a private
    /// copy of the catalogue (its start-up evaluation then writes there, not in the shared one).
    static func start(folder: URL? = nil, experiment: String = experiment, simulating config: URL? = nil) async throws -> ExperimentServer {
        let folder = try folder ?? {
            let folder = try makeTemporaryDirectory("experiments")
            try experiment.write(to: folder.appending(path: "experiment.yaml"), atomically: true, encoding: .utf8)
            return folder
        }()
        let configuration = try testConfiguration(["EXPERIMENTS_DIR": folder.path, "EVALUATION_CONFIG": config?.path ?? "none"])
        let store: SQLiteStore = config == nil ? try await RealCatalogue.store() : try await RealCatalogue.privateCopy()
        var scratch: EvaluationJob.ScratchStore?
        if config != nil { scratch = { folder -> any Repositories in try SQLiteStore(path: folder.appending(path: "scratch.sqlite").path) } }
        let services = RecLabServices(
            configuration: configuration, store: store, registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies),
            experiments: try ExperimentReloader.load(configuration, registry: testStrategies), scratch: scratch, logger: testLogger)
        try await services.start()
        return ExperimentServer(folder: folder, configuration: configuration, services: services)
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await buildApplication(configuration: configuration, services: services, logger: testLogger).test(.live, test)
    }
}

@Suite(.serialized) struct ExperimentAPITests {
    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key"]

    @Test func eachUserIsServedTheVariantGrowthBooksAlgorithmGivesAndTheAnswerSaysSo() async throws {
        let server = try await ExperimentServer.start()
        let experiment = try #require(server.services.models.generation?.experiments.first)
        try await server.run { client in
            for user in 1...12 {
                let expected = experiment.assign(userID: "\(user)", interactions: 20)?.variant.name
                let body = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
                #expect(body["experiment"] as? String == "tuning")
                #expect(body["variant"] as? String == expected)
                #expect(body["strategy_instance"] as? String == "tuning/\(expected!)")
                let abTest = try await client.execute(uri: "/recommendations/ab-test/\(user)?limit=5", method: .get).json()
                #expect(abTest["variant"] as? String == expected)
                #expect((abTest["recommendations"] as? [Any])?.count == 5)
            }
            let listed = try #require(try await client.execute(uri: "/experiments", method: .get).json()["experiments"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == ["tuning"])
            #expect((listed.first?["variants"] as? [[String: Any]])?.map { $0["name"] as? String } == ["tuned", "plain"])
            // No history: outside the targeting, served by the surface's own strategy.
            let newcomer = try await client.execute(uri: "/recommendations/ab-test/newcomer-\(UUID().uuidString.prefix(6))", method: .get).json()
            #expect(newcomer["experiment"] is NSNull || newcomer["experiment"] == nil)
        }
    }

    @Test func theSameUsersGetTheSameVariantsAfterARestart() async throws {
        func variants(_ server: ExperimentServer) async throws -> [String] {
            let collected = LockedBox<[String]>([])
            try await server.run { client in
                for user in 1...20 {
                    let body = try await client.execute(uri: "/recommendations/ab-test/\(user)", method: .get).json()
                    collected.append(body["variant"] as? String ?? "-")
                }
            }
            return collected.value
        }
        let first = try await ExperimentServer.start()
        let before = try await variants(first)
        let restarted = try await ExperimentServer.start(folder: first.folder)
        #expect(try await variants(restarted) == before)
        #expect(Set(before) == ["tuned", "plain"])
    }

    @Test func aForcedVariantNeedsTheAdminKey() async throws {
        let server = try await ExperimentServer.start()
        try await server.run { client in
            #expect(try await client.execute(uri: "/recommendations/ab-test/1?force_variant=plain", method: .get).status == .forbidden)
            for variant in ["plain", "tuned"] {
                let body = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=\(variant)", method: .get, headers: Self.admin).json()
                #expect(body["variant"] as? String == variant)
            }
            let unknown = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=nope", method: .get, headers: Self.admin)
            #expect(unknown.status == .badRequest)
        }
    }

    @Test func anInvalidReloadIsRefusedAndTheOldExperimentsKeepServing() async throws {
        let server = try await ExperimentServer.start()
        try await server.run { client in
            try ExperimentServer.experiment.replacingOccurrences(of: "weight: 0.5, strategy: personalized, parameters: { algorithm: ease, lambda: 12000 }", with: "weight: 0.7, strategy: personalized")
                .write(to: server.folder.appending(path: "experiment.yaml"), atomically: true, encoding: .utf8)
            let refused = try await client.execute(uri: "/admin/experiments/reload", method: .post, headers: Self.admin)
            #expect(refused.status == .unprocessableContent)
            let message = try #require((try refused.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("experiment.yaml: variants: weights sum to 1.2, not 1"))
            let body = try await client.execute(uri: "/recommendations/ab-test/1", method: .get).json()
            #expect(body["experiment"] as? String == "tuning")
            // A valid change goes live.
            try ExperimentServer.experiment.replacingOccurrences(of: "status: running", with: "status: stopped")
                .write(to: server.folder.appending(path: "experiment.yaml"), atomically: true, encoding: .utf8)
            let accepted = try await client.execute(uri: "/admin/experiments/reload", method: .post, headers: Self.admin)
            #expect(accepted.status == .accepted)
            #expect(try accepted.json()["experiments"] as? [String] == ["tuning"])
            // Live once the variants are refitted; until then the old set serves.
            let deadline = ContinuousClock.now + .seconds(300)
            var after: [String: Any]
            repeat {
                after = try await client.execute(uri: "/users/1/recommendations/personalized", method: .get).json()
                if after["experiment"] is NSNull || after["experiment"] == nil { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            #expect(after["experiment"] is NSNull || after["experiment"] == nil)
        }
    }
}

/// Reports over the exposures the server logged and the events clients posted. Every test
/// names its experiment uniquely, because the real catalogue's database is shared.
@Suite(.serialized) struct ExperimentReportAPITests {
    static func experiment(_ id: String, weights: (Double, Double) = (0.5, 0.5), salt: String? = nil) -> String {
        """
        id: \(id)
        status: running
        surface: personalized
        salt: \(salt ?? id)
        variants:
          - { name: tuned, control: true, weight: \(weights.0), strategy: personalized, parameters: { algorithm: ease, lambda: 300, rating_offset: 3 } }
          - { name: plain, weight: \(weights.1), strategy: personalized, parameters: { algorithm: ease, lambda: 12000 } }
        """
    }

    @Test func anInterleavedAnswerMergesBothVariantsListsCreditsATeamPerMovieAndTheReportTestsThePreference() async throws {
        let id = "mix-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: """
            id: \(id)
            kind: interleaving
            status: running
            surface: personalized
            salt: \(id)
            variants:
              - { name: tuned, control: true, strategy: personalized, parameters: { algorithm: ease, lambda: 300, rating_offset: 3 } }
              - { name: plain, strategy: personalized, parameters: { algorithm: ease, lambda: 12000 } }
            """)
        try await server.run { client in
            let listing = try await client.execute(uri: "/experiments", method: .get).json()
            #expect((listing["experiments"] as? [[String: Any]])?.first?["kind"] as? String == "interleaving")
            var events: [String] = []
            for user in 1...24 {
                let answer = try await client.execute(uri: "/recommendations/ab-test/\(user)?limit=10", method: .get).json()
                #expect(answer["experiment"] as? String == id)
                #expect(answer["variant"] as? String == "interleaved")
                let items = try #require(answer["recommendations"] as? [[String: Any]])
                let teams = items.compactMap { $0["team"] as? String }
                #expect(items.count == 10 && teams.count == 10, "a team for every movie")
                #expect(abs(teams.filter { $0 == "tuned" }.count - teams.filter { $0 == "plain" }.count) <= 1)
                // Each team's movies come in the order of that variant's own list (QA's forced look).
                for team in ["tuned", "plain"] {
                    let own = try await client.execute(uri: "/recommendations/ab-test/\(user)?limit=10&force_variant=\(team)", method: .get, headers: ExperimentAPITests.admin).json()
                    let ranking = try #require(own["recommendations"] as? [[String: Any]]).compactMap { $0["movie_id"] as? Int }
                    #expect(own["recommendations"].map { ($0 as? [[String: Any]])?.allSatisfy { $0["team"] == nil } } == true)
                    let picked = items.filter { $0["team"] as? String == team }.compactMap { $0["movie_id"] as? Int }
                    #expect(picked == ranking.filter(picked.contains), "user \(user), \(team)")
                }
                // The user clicks the first movie plain placed: plain should be preferred.
                let requestID = try #require(answer["request_id"] as? String)
                let clicked = try #require(items.first { $0["team"] as? String == "plain" }?["movie_id"] as? Int)
                for movie in items.compactMap({ $0["movie_id"] as? Int }) {
                    events.append(#"{"event_id": "\#(requestID)-\#(movie)-seen", "type": "impression", "user_id": "\#(user)", "movie_id": \#(movie), "request_id": "\#(requestID)", "timestamp": "2026-11-30T10:00:00Z"}"#)
                }
                events.append(#"{"event_id": "\#(requestID)-click", "type": "click", "user_id": "\#(user)", "movie_id": \#(clicked), "request_id": "\#(requestID)", "timestamp": "2026-11-30T10:00:00Z"}"#)
            }
            #expect(try await client.post("/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#).status == .ok)
            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            #expect(report["kind"] as? String == "interleaving")
            let preference = try #require((report["preferences"] as? [[String: Any]])?.first)
            #expect(preference["users"] as? Int == 24)
            #expect(preference["favour_b"] as? Int == 24 && preference["favour_a"] as? Int == 0)
            #expect(preference["preferred"] as? String == "plain")
            #expect(report["winner"] as? String == "plain")
            let variants = try #require(report["variants"] as? [[String: Any]])
            #expect(variants.map { $0["clicks"] as? Int } == [0, 24])
        }
    }

    @Test func theConfiguredWeightsHoldEndToEndOverAThousandUsers() async throws {
        let id = "split-\(UUID().uuidString.prefix(8).lowercased())"
        // A fixed salt and fixed user ids: the chi-square below is the same every run, not a
        // test that fails one run in a thousand.
        let server = try await ExperimentServer.start(experiment: Self.experiment(id, weights: (0.2, 0.8), salt: "split-salt"))
        let experiment = try #require(server.services.models.generation?.experiments.first)
        try await server.run { client in
            for user in 0..<1_000 {
                #expect(try await client.execute(uri: "/users/split-user-\(user)/recommendations/personalized?limit=3", method: .get).status == .ok)
            }
            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let variants = try #require(report["variants"] as? [[String: Any]])
            let users = variants.map { $0["users"] as? Int ?? -1 }
            let expected = (0..<1_000).reduce(into: [0, 0]) { counts, user in
                counts[experiment.assign(userID: "split-user-\(user)", interactions: 0)!.variant.name == "tuned" ? 0 : 1] += 1
            }
            #expect(users == expected)
            let ratio = try #require(report["sample_ratio"] as? [String: Any])
            #expect(ratio["mismatch"] as? Bool == false, "users \(users), p \(ratio["p_value"] ?? "-")")
            #expect((ratio["p_value"] as? Double ?? 0) > 0.001)
        }
    }

    @Test func exposuresStillBufferedAtShutdownAreWrittenAsTheApplicationStops() async throws {
        let id = "shutdown-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: Self.experiment(id))
        try await server.run { client in
            for user in 1...5 { _ = try await client.execute(uri: "/users/\(user)/recommendations/personalized", method: .get) }
        }
        // The exposure log is the application's first service, so the last to stop: whatever
        // the 1 s flush had not written yet is written then.
        #expect(try await server.services.store.activity(experiment: id, attributionWindow: nil).users.map(\.exposures).reduce(0, +) == 5)
    }

    @Test func onlyTheSameUsersEventsAboutAShownMovieWithinTheWindowAreCreditedTheRestShowAsUnattributed() async throws {
        let id = "credit-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: Self.experiment(id))
        // An answer shown two days ago, outside the 24-hour window.
        try await server.services.store.record([Exposure(
            requestID: "\(id)-old", experiment: id, variant: "tuned", userID: "\(id)-old-user", surface: "personalized",
            exposedAt: Date().addingTimeInterval(-2 * 86_400), movies: [27205])])
        try await server.run { client in
            let user = "\(id)-user"
            let answer = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
            let requestID = try #require(answer["request_id"] as? String)
            let shown = try #require(answer["recommendations"] as? [[String: Any]]).compactMap { $0["movie_id"] as? Int }
            let notShown = try #require([27205, 155, 603, 13, 680].first { !shown.contains($0) })
            func click(_ name: String, user: String, movie: Int, request: String) -> String {
                #"{"event_id": "\#(id)-\#(name)", "type": "click", "user_id": "\#(user)", "movie_id": \#(movie), "request_id": "\#(request)", "timestamp": "2026-11-30T10:00:00Z"}"#
            }
            let events = [
                click("real", user: user, movie: shown[0], request: requestID),
                click("impression", user: user, movie: shown[0], request: requestID).replacingOccurrences(of: "\"click\"", with: "\"impression\""),
                click("forged-user", user: "\(id)-someone-else", movie: shown[1], request: requestID),
                click("not-shown", user: user, movie: notShown, request: requestID),
                click("stale", user: "\(id)-old-user", movie: 27205, request: "\(id)-old"),
            ]
            #expect(try await client.post("/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#).status == .ok)
            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let variants = try #require(report["variants"] as? [[String: Any]])
            #expect(variants.map { $0["clicks"] as? Int ?? -1 }.reduce(0, +) == 1, "only the user's own click on a shown movie")
            #expect(report["unattributed_events"] as? Int == 3)
            #expect((report["warnings"] as? [String])?.contains { $0.hasPrefix("3 events named this experiment's answers but were not credited") } == true)
        }
    }

    @Test func clicksWithoutAnImpressionOfTheirMovieAreNotCreditedSoCTRCannotPassOne() async throws {
        let id = "shown-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: Self.experiment(id))
        try await server.run { client in
            let user = "\(id)-user"
            let answer = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
            let requestID = try #require(answer["request_id"] as? String)
            let shown = try #require(answer["recommendations"] as? [[String: Any]]).compactMap { $0["movie_id"] as? Int }
            func event(_ name: String, _ type: String, _ movie: Int) -> String {
                #"{"event_id": "\#(id)-\#(name)", "type": "\#(type)", "user_id": "\#(user)", "movie_id": \#(movie), "request_id": "\#(requestID)", "timestamp": "2026-11-30T10:00:00Z"}"#
            }
            // One movie shown and clicked six times; the others clicked without ever being shown.
            let events = (1...6).map { event("click-\($0)", "click", shown[0]) } + [event("seen", "impression", shown[0])]
                + shown.dropFirst().map { event("unseen-\($0)", "click", $0) }
            #expect(try await client.post("/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#).status == .ok)
            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let variants = try #require(report["variants"] as? [[String: Any]])
            #expect(variants.map { $0["impressions"] as? Int ?? -1 }.reduce(0, +) == 1)
            #expect(variants.map { $0["clicks"] as? Int ?? -1 }.reduce(0, +) == 1, "six clicks on one shown movie are one")
            #expect(variants.compactMap { ($0["ctr"] as? [String: Any])?["value"] as? Double }.max() == 1.0)
            #expect(report["unattributed_events"] as? Int == shown.count - 1, "the clicks on movies never shown")
        }
    }

    @Test func aSkewedExposureLogIsFlaggedAsASampleRatioMismatch() async throws {
        let id = "skewed-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try await ExperimentServer.start(experiment: Self.experiment(id))
        // A 50/50 experiment whose log lost a fifth of plain's exposures: 1,000 against 800.
        let served = Date()
        let exposures = (0..<1_800).map { user in
            Exposure(requestID: "\(id)-\(user)", experiment: id, variant: user < 1_000 ? "tuned" : "plain", userID: "\(id)-user-\(user)",
                     surface: "personalized", exposedAt: served, movies: [])
        }
        try await server.services.store.record(exposures)
        _ = try await server.services.store.record([FeedbackEvent(
            eventID: "\(id)-other-user", kind: .impression, userID: "someone-else", tmdbID: 27205, requestID: "\(id)-0", rating: nil, occurredAt: served)])
        try await server.run { client in
            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let ratio = try #require(report["sample_ratio"] as? [String: Any])
            #expect(ratio["mismatch"] as? Bool == true)
            #expect((ratio["p_value"] as? Double ?? 1) < 0.001)
            #expect(ratio["observed_users"] as? [Int] == [1_000, 800])
            #expect(report["winner"] is NSNull || report["winner"] == nil)
            #expect((report["warnings"] as? [String])?.first?.hasPrefix("Sample ratio mismatch") == true)
            // An event naming the answer but sent for another user is not credited to it.
            let variants = try #require(report["variants"] as? [[String: Any]])
            #expect(variants.map { $0["impressions"] as? Int } == [0, 0])
            let page = String(buffer: try await client.execute(uri: "/experiments/\(id)/report?format=html", method: .get).body)
            #expect(page.contains("class=\"warning\"") && page.contains("mismatch"))
        }
    }

    @Test func eventsAreCreditedToTheVariantThatServedTheAnswer() async throws {
        let id = "credit-\(UUID().uuidString.prefix(8).lowercased())"
        // A fixed salt: the same split of the 40 users every run.
        let server = try await ExperimentServer.start(experiment: Self.experiment(id, salt: "credit-salt"))
        try await server.run { client in
            var events: [String] = []
            var requestIDs: Set<String> = []
            var clicks: [String: Int] = [:]
            for user in 1...40 {
                // Asked twice: the cached answer comes back under a new request id, a second exposure.
                for round in 0..<2 {
                    let answer = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=5", method: .get).json()
                    let requestID = try #require(answer["request_id"] as? String)
                    requestIDs.insert(requestID)
                    let movies = try #require(answer["recommendations"] as? [[String: Any]]).compactMap { $0["movie_id"] as? Int }
                    for (position, movie) in movies.enumerated() {
                        func event(_ type: String) -> String {
                            #"{"event_id": "\#(requestID)-\#(movie)-\#(type)", "type": "\#(type)", "user_id": "\#(user)", "movie_id": \#(movie), "request_id": "\#(requestID)", "timestamp": "2026-11-25T10:00:00Z"}"#
                        }
                        events.append(event("impression"))
                        // Plain's users click their first movie every time and every third user
                        // the second too; tuned's users click once in their two answers.
                        let variant = answer["variant"] as? String ?? "-"
                        let clicked = variant == "plain"
                            ? position == 0 || (position == 1 && user % 3 == 0)
                            : position == 0 && round == 0
                        if clicked {
                            events.append(event("click"))
                            clicks[variant, default: 0] += 1
                        }
                    }
                }
            }
            #expect(requestIDs.count == 80)
            #expect(try await client.post("/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#).status == .ok)
            // A QA look at a forced variant is no exposure.
            _ = try await client.execute(uri: "/recommendations/ab-test/1?force_variant=plain", method: .get, headers: ExperimentAPITests.admin)

            let report = try await client.execute(uri: "/experiments/\(id)/report", method: .get).json()
            let variants = try #require(report["variants"] as? [[String: Any]])
            let plain = try #require(variants.first { $0["name"] as? String == "plain" })
            let tuned = try #require(variants.first { $0["name"] as? String == "tuned" })
            let plainUsers = try #require(plain["users"] as? Int)
            #expect(plainUsers + (tuned["users"] as? Int ?? 0) == 40)
            #expect(plain["exposures"] as? Int == 2 * plainUsers)
            #expect(plain["impressions"] as? Int == 10 * plainUsers)
            #expect(plain["clicks"] as? Int == clicks["plain"])
            #expect(tuned["clicks"] as? Int == clicks["tuned"])
            let ctr = try #require((plain["ctr"] as? [String: Any])?["value"] as? Double)
            #expect(abs(ctr - Double(clicks["plain"]!) / Double(10 * plainUsers)) < 1e-12)
            #expect(report["winner"] as? String == "plain")

            let page = try await client.execute(uri: "/experiments/\(id)/report?format=html", method: .get)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains(id) && html.contains("plain wins on CTR"))
            let browser = try await client.execute(uri: "/experiments/\(id)/report", method: .get, headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(String(buffer: browser.body).hasPrefix("<!DOCTYPE html>"))
            #expect(try await client.execute(uri: "/experiments/\(id)/report?format=pdf", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/experiments/no-such-experiment/report", method: .get).status == .notFound)
        }
    }
}

/// A value tests collect into from inside a `@Sendable` closure.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
