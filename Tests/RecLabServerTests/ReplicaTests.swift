import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import RecLabServer
import RecLabServing
import RecLabModelStore
import RecLabPostgres
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

/// Two servers on one database, as replicas run: a write through one reaches the other's
/// answers through the store's change feed, not after a cache lifetime.
@Suite struct ReplicaTests {
    static func serve(
        _ store: any Repositories, environment: [String: String] = [:], _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await serveWithServices(store, environment: environment) { client, _ in try await test(client) }
    }

    /// `serve`, with the serving core the server runs on, to look inside.
    static func serveWithServices(
        _ store: any Repositories, environment: [String: String] = [:],
        _ test: @escaping @Sendable (any TestClientProtocol, RecLabServices) async throws -> Void
    ) async throws {
        let configuration = try testConfiguration(environment)
        let services = RecLabServices(
            configuration: configuration, store: store, registry: testStrategies,
            strategies: try StrategyConfiguration.load(path: configuration.strategiesFile, registry: testStrategies),
            sharing: try ModelHost.Sharing.configured(configuration, feed: store), logger: testLogger)
        try await services.start()
        try await buildApplication(configuration: configuration, services: services, logger: testLogger).test(.live) { client in
            try await test(client, services)
        }
    }

    /// A store holding ml-latest-small.
    static func movieLensStore(_ backend: Backend) async throws -> any Repositories {
        switch backend {
        case .sqlite:
            let store = try await backend.emptyStore()
            _ = try await CatalogueImport.run(paths: [SharedFolder.datasets().appending(path: "ml-latest-small")], into: store)
            return store
        case .postgres:
            return try await PostgresStore(url: try await PostgresCluster.shared().movieLensDatabase())
        }
    }

    /// Two stores on one database holding ml-latest-small, as two processes open it.
    static func twoStoresOnOneDatabase(_ backend: Backend) async throws -> (any Repositories, any Repositories) {
        let first = try await movieLensStore(backend)
        return (first, try await backend.sameData(as: first))
    }

    /// Waits until the server reads histories from memory: its change feed followed.
    static func waitUntilHistoriesAreCurrent(_ client: some TestClientProtocol) async throws {
        for _ in 0..<300 {
            let detailed = try await client.execute(uri: "/health/detailed", method: .get).json()
            if ((detailed["services"] as? [String: [String: Any]])?["user_histories"]?["status"] as? String) == "ok" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the server never read histories from memory")
    }

    static func post(_ client: some TestClientProtocol, _ user: String, movie: Int) async throws {
        #expect(try await client.post("/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": 5.0}"#).status == .created)
    }

    /// With the answer cache off, a replica answers from the histories it holds; a preference
    /// posted through another reaches its next answer as soon as the store's announcement
    /// (NOTIFY, SQLite's signal file) reaches it, not at the feed's next poll.
    @Test(arguments: Backend.allCases)
    func aPreferencePostedThroughOneReplicaChangesTheOthersNextUncachedAnswer(_ backend: Backend) async throws {
        let (first, second) = try await Self.twoStoresOnOneDatabase(backend)
        let uncached = ["ENABLE_CACHE": "false"]
        try await Self.serve(first, environment: uncached) { a in
            try await Self.serveWithServices(second, environment: uncached) { b, services in
                try await Self.waitUntilHistoriesAreCurrent(b)
                let user = "held-\(UUID().uuidString.prefix(8))"
                try await Self.post(b, user, movie: 155)
                try await Self.post(b, user, movie: 680)
                // B's own writes come back through its feed and drop the history once more: ask
                // until the history read after that echo is held.
                var before = try await Self.personalized(b, user)
                for _ in 0..<50 where services.users.histories.held(user) == nil {
                    try await Task.sleep(for: .milliseconds(20))
                    before = try await Self.personalized(b, user)
                }
                #expect(services.users.histories.held(user)?.count == 2, "B holds the history it answered from")
                #expect(try await Self.personalized(b, user) == before)
                try await Self.post(a, user, movie: 27205)
                // The announcement travels beside A's answer to the client: allow it a moment,
                // far inside the feed's one-second poll.
                var after = try await Self.personalized(b, user)
                var asked = 1
                while after == before, asked < 10 {
                    try await Task.sleep(for: .milliseconds(20))
                    after = try await Self.personalized(b, user)
                    asked += 1
                }
                #expect(after != before && !after.contains(27205), "B's answer follows A's write (asked \(asked) times)")
            }
        }
    }

    static func personalized(_ client: some TestClientProtocol, _ user: String) async throws -> [Int] {
        let answer = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=20", method: .get).json()
        return (answer["recommendations"] as? [[String: Any]] ?? []).compactMap { $0["movie_id"] as? Int }
    }

    @Test(arguments: Backend.allCases)
    func aPreferencePostedThroughOneServerChangesTheOthersCachedAnswerWithinSeconds(_ backend: Backend) async throws {
        let (first, second) = try await Self.twoStoresOnOneDatabase(backend)
        try await Self.serve(first) { a in
            try await Self.serve(second) { b in
                let user = "replica-\(UUID().uuidString.prefix(8))"
                let before = try await Self.personalized(b, user)
                #expect(try await Self.personalized(b, user) == before, "B keeps its answer in its cache")
                for movie in [27205, 157336] {
                    let posted = try await a.execute(
                        uri: "/users/\(user)/preferences", method: .post, headers: [.contentType: "application/json"],
                        body: ByteBuffer(string: #"{"movie_id": \#(movie), "rating": 5.0}"#))
                    #expect(posted.status == .created)
                }
                var after = before
                for _ in 0..<100 where after == before {
                    try await Task.sleep(for: .milliseconds(100))
                    after = try await Self.personalized(b, user)
                }
                #expect(after != before, "B dropped its cached answer when A's write reached the feed")
                #expect(!after.contains(27205) && !after.contains(157336), "B reads the user's rows: never what they rated on A")
            }
        }
    }

    /// When the models `/health/detailed` says the server answers with were fitted.
    static func fittedAt(_ client: some TestClientProtocol) async throws -> String {
        let detailed = try await client.execute(uri: "/health/detailed", method: .get).json()
        return ((detailed["services"] as? [String: [String: Any]])?["ml_models"]?["detail"] as? String) ?? ""
    }

    @Test(arguments: Backend.allCases)
    func aRefitAskedOfOneServerIsFollowedByTheOther(_ backend: Backend) async throws {
        let (first, second) = try await Self.twoStoresOnOneDatabase(backend)
        try await Self.serve(first) { a in
            try await Self.serve(second) { b in
                let (aBefore, bBefore) = (try await Self.fittedAt(a), try await Self.fittedAt(b))
                try await Task.sleep(for: .seconds(1))  // fitting times are shown to the second
                let asked = try await a.execute(uri: "/admin/refit", method: .post, headers: [HTTPField.Name("X-API-Key")!: "test-admin-key"])
                #expect(asked.status == .accepted)
                var (aAfter, bAfter) = (aBefore, bBefore)
                // Two fits one after the other: up to minutes on a loaded 2-core machine.
                for _ in 0..<1800 where aAfter == aBefore || bAfter == bBefore {
                    try await Task.sleep(for: .milliseconds(100))
                    (aAfter, bAfter) = (try await Self.fittedAt(a), try await Self.fittedAt(b))
                }
                #expect(aAfter != aBefore, "A refitted")
                #expect(bAfter != bBefore, "B followed A's announcement and swapped in new models")
            }
        }
    }

    /// The shared generation `/health/detailed` says the server answers with.
    static func generation(_ client: some TestClientProtocol) async throws -> String? {
        try await fittedAt(client).components(separatedBy: "shared generation ").dropFirst().first
    }

    /// How many shared generations failed to load in this test process, by `/metrics`.
    static func failedLoads(_ client: some TestClientProtocol) async throws -> Double {
        let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
        let line = text.split(separator: "\n").first { $0.hasPrefix(#"reclab_model_generations_total{outcome="failed"}"#) }
        return line.flatMap { Double($0.split(separator: " ").last!) } ?? 0
    }

    // One case at a time: the failed-load counter is the test process's.
    @Test(.serialized, arguments: Backend.allCases)
    func replicasSharingAModelsFolderFitOnceAdoptARefitAndKeepServingPastADamagedGeneration(_ backend: Backend) async throws {
        let (first, second) = try await Self.twoStoresOnOneDatabase(backend)
        let folder = try makeTemporaryDirectory("reclab-models")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["MODELS_DIR": folder.path]
        try await Self.serve(first, environment: environment) { a in
            try await Self.serve(second, environment: environment) { b in
                let started = try await Self.generation(a)
                #expect(started != nil)
                #expect(try await Self.generation(b) == started, "B loaded A's generation at start instead of fitting its own")

                let asked = try await a.execute(uri: "/admin/refit", method: .post, headers: [HTTPField.Name("X-API-Key")!: "test-admin-key"])
                #expect(asked.status == .accepted)
                var (aNow, bNow) = (started, started)
                for _ in 0..<1200 where aNow == started || bNow != aNow {
                    try await Task.sleep(for: .milliseconds(100))
                    (aNow, bNow) = (try await Self.generation(a), try await Self.generation(b))
                }
                #expect(aNow != started, "A fitted and wrote a new generation")
                #expect(bNow == aNow, "B adopted A's new generation once announced")
                let store = try ModelGenerationStore(folder: folder)
                #expect(store.manifests().count == 2, "one fit at start, one refit: nothing fitted twice")

                // A newer generation whose model file is damaged after writing: announced, it
                // is refused, and both keep serving the one they have.
                let instances = try StrategyConfiguration.load(path: repositoryFile("experiments/strategies.yaml"), registry: testStrategies).instances
                let newest = try #require(store.manifests().first)
                let loaded = try store.load(newest, instances: instances)
                let damaged = try store.write(
                    models: loaded.models, instances: instances, catalogue: loaded.catalogue, dataPosition: newest.dataPosition,
                    interactions: newest.interactions, fitSeconds: [:])
                let file = folder.appending(path: damaged.id).appending(path: damaged.instances.last!.file.name)
                var bytes = try [UInt8](Data(contentsOf: file))
                bytes[bytes.count / 2] ^= 0xFF
                try Data(bytes).write(to: file)
                let failedBefore = try await Self.failedLoads(b)
                try await first.announceRefit(by: "test")
                var failed = failedBefore
                // Each load reads and hashes every model file: long on a loaded 2-core machine.
                for _ in 0..<1200 where failed < failedBefore + 2 {
                    try await Task.sleep(for: .milliseconds(100))
                    failed = try await Self.failedLoads(b)
                }
                #expect(failed >= failedBefore + 2, "both servers tried the damaged generation")
                let (aLast, bLast) = (try await Self.generation(a), try await Self.generation(b))
                #expect(aLast == aNow && bLast == aNow, "and still serve the one they had")
                let answer = try await b.execute(uri: "/users/1/recommendations/personalized?limit=5", method: .get)
                #expect(answer.status == .ok)
            }
        }
    }

    /// Replicas on PostgreSQL split a rate limit: a client whose requests alternate between
    /// two of them gets the configured 10 per window in all, not 10 from each.
    @Test func aClientSpreadOverTwoReplicasGetsTheConfiguredLimitInAll() async throws {
        let url = try await PostgresCluster.shared().movieLensDatabase()
        let (first, second) = (try await PostgresStore(url: url), try await PostgresStore(url: url))
        let environment = ["DATABASE_URL": url, "RATE_LIMIT_REQUESTS": "10", "RATE_LIMIT_WINDOW": "3600", "TRUSTED_PROXIES": "127.0.0.1"]
        try await Self.serve(first, environment: environment) { a in
            try await Self.serve(second, environment: environment) { b in
                // Both check in at start; the first learns of the second at its next check-in.
                // Polled as another client (another address, through the trusted proxy), sparing the test's quota.
                let poller = forwarded(for: "203.0.113.9")
                var shared = false
                for _ in 0..<60 where !shared {
                    try await Task.sleep(for: .milliseconds(250))
                    let answers = [try await a.execute(uri: "/genres", method: .get, headers: poller), try await b.execute(uri: "/genres", method: .get, headers: poller)]
                    shared = answers.allSatisfy { $0.headers[HTTPField.Name("RateLimit-Policy")!] == #""default";q=5;w=3600"# }
                }
                #expect(shared, "each replica grants half the limit once both have checked in")
                var allowed = 0
                for request in 0..<30 {
                    let answer = try await (request % 2 == 0 ? a : b).execute(uri: "/genres", method: .get)
                    if answer.status == .ok { allowed += 1 }
                }
                #expect(allowed == 10, "\(allowed) requests let through, against a limit of 10 in all")
            }
        }
    }
}
