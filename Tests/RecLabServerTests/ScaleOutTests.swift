import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import RecLabModelStore
import TestSupport
import Testing

/// `nginx` running deploy/nginx/reclab.conf (and the proxy.conf it includes), with the test's
/// replica ports and its own.
final class NginxProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let prefix: URL

    init(upstreams: [Int], folder: URL) throws {
        port = try freeTCPPort()
        prefix = folder.appending(path: "nginx")
        let temporary = prefix.appending(path: "tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        // Workers run as nobody when the tests run as root.
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: temporary.path)
        var lines: [String] = []
        var upstreamWritten = false
        for line in try String(contentsOfFile: repositoryFile("deploy/nginx/reclab.conf"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("server 127.0.0.1:") {
                guard !upstreamWritten else { continue }
                upstreamWritten = true
                let options = line.split(separator: " ").dropFirst(2).joined(separator: " ")
                lines += upstreams.map { "        server 127.0.0.1:\($0) \(options)" }
            } else if line.trimmingCharacters(in: .whitespaces).hasPrefix("listen ") {
                lines.append("        listen 127.0.0.1:\(port);")
            } else {
                lines.append(String(line))
            }
        }
        let configuration = prefix.appending(path: "reclab.conf")
        try lines.joined(separator: "\n").write(to: configuration, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: repositoryFile("deploy/nginx/proxy.conf"), toPath: prefix.appending(path: "proxy.conf").path)
        FileManager.default.createFile(atPath: prefix.appending(path: "nginx.log").path, contents: nil)
        let handle = try FileHandle(forWritingTo: prefix.appending(path: "nginx.log"))
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", prefix.path, "-c", configuration.path, "-g", "daemon off;"]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var printed: String { (try? String(contentsOf: prefix.appending(path: "nginx.log"), encoding: .utf8)) ?? "" }

    func waitUntilAnswering() async throws {
        for _ in 0..<100 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("nginx did not answer: \(printed)")
    }

    deinit {
        // The master takes its workers down with it on SIGTERM (SIGKILL would orphan them).
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }
}

/// The scale-out issue's proof: PostgreSQL, three `reclab serve` replicas and nginx on
/// 127.0.0.1, as an operator runs them.
@Suite(.serialized) struct ScaleOutTests {
    static func json(_ answer: (status: Int, body: Data)?) -> [String: Any] {
        answer.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] } ?? [:]
    }

    static func personalized(_ replica: ServerProcess, _ user: String) async -> [Int] {
        let answer = json(await replica.send("GET", "/users/\(user)/recommendations/personalized?limit=20"))
        return (answer["recommendations"] as? [[String: Any]] ?? []).compactMap { $0["movie_id"] as? Int }
    }

    static func fittedAt(_ replica: ServerProcess) async -> String {
        let detailed = json(await replica.send("GET", "/health/detailed"))
        return ((detailed["services"] as? [String: [String: Any]])?["ml_models"]?["detail"] as? String) ?? ""
    }

    @Test func threeReplicasBehindNginxOnOnePostgresAgreeFollowARefitAndSurviveLosingOne() async throws {
        let folder = try makeTemporaryDirectory("reclab-scale-out")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await PostgresCluster.shared().movieLensDatabase()
        let models = folder.appending(path: "models")
        let environment = ["ADMIN_API_KEY": "scale-admin", "TRUSTED_PROXIES": "127.0.0.1", "MODELS_DIR": models.path]
        let replicas = try (0..<3).map { _ in try ServerProcess(database: database, environment: environment, folder: folder) }
        for replica in replicas { try await replica.waitUntilReady() }
        // Started together, one fitted (holding the folder's lock) and the others loaded its generation.
        var started: [String] = []
        for replica in replicas { started.append(await Self.fittedAt(replica)) }
        #expect(Set(started).count == 1 && started[0].contains("shared generation"), "\(started)")
        #expect(try ModelGenerationStore(folder: models).manifests().count == 1, "the models were fitted once")
        let nginx = try NginxProcess(upstreams: replicas.map(\.port), folder: folder)
        try await nginx.waitUntilAnswering()
        let (a, b, c) = (replicas[0], replicas[1], replicas[2])

        // A preference posted through A changes the next personalized answer read through B.
        let user = "scale-\(UUID().uuidString.prefix(8))"
        let before = await Self.personalized(b, user)
        #expect(!before.isEmpty)
        for movie in [27205, 157336] {
            #expect(await a.send("POST", "/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": 5.0}"#)?.status == 201)
        }
        var after = before
        for _ in 0..<50 where after == before {
            try await Task.sleep(for: .milliseconds(100))
            after = await Self.personalized(b, user)
        }
        #expect(after != before, "B's answer changed within 5 s")
        #expect(!after.contains(27205) && !after.contains(157336))

        // The same user gets the same variant from all three (the shipped experiment enrols
        // half the users; "none" for the others).
        var enrolled = 0
        for probe in 1...10 {
            var variants: [String] = []
            for replica in replicas {
                variants.append(Self.json(await replica.send("GET", "/recommendations/ab-test/\(probe)"))["variant"] as? String ?? "none")
            }
            #expect(Set(variants).count == 1, "user \(probe): \(variants)")
            if variants[0] != "none" { enrolled += 1 }
        }
        #expect(enrolled > 0)

        // A refit asked of C is followed by A and B.
        var fitted: [String] = []
        for replica in replicas { fitted.append(await Self.fittedAt(replica)) }
        try await Task.sleep(for: .seconds(1))  // fitting times are shown to the second
        var refit = URLRequest(url: URL(string: "\(c.base)/admin/refit")!)
        refit.httpMethod = "POST"
        refit.setValue("scale-admin", forHTTPHeaderField: "X-API-Key")
        let (_, refitAnswer) = try await URLSession.shared.data(for: refit)
        #expect((refitAnswer as? HTTPURLResponse)?.statusCode == 202)
        var refitted = Array(repeating: false, count: 3)
        for _ in 0..<1800 where refitted.contains(false) {
            try await Task.sleep(for: .milliseconds(100))
            for (index, replica) in replicas.enumerated() where !refitted[index] {
                let now = await Self.fittedAt(replica)
                refitted[index] = !now.isEmpty && now != fitted[index]
            }
        }
        #expect(refitted == [true, true, true], "every replica serves new models after C's refit")
        var refittedTo: [String] = []
        for replica in replicas { refittedTo.append(await Self.fittedAt(replica)) }
        #expect(Set(refittedTo).count == 1, "all three serve the generation C fitted: \(refittedTo)")
        #expect(try ModelGenerationStore(folder: models).manifests().count == 2, "C's refit was the only other fit")

        // B dies under load through nginx: no acknowledged write is lost and nginx answers on.
        let acknowledged = LockedBox<[String: [Int: Double]]>([:])
        let answers = LockedBox<[(sentAt: ContinuousClock.Instant, status: Int?)]>([])
        let front = ServerProcessAddress(port: nginx.port)
        let popular = Self.json(await front.send("GET", "/recommendations/popular?limit=50"))["recommendations"] as? [[String: Any]] ?? []
        let movies = popular.compactMap { $0["movie_id"] as? Int }
        #expect(movies.count == 50)
        let stop = LockedBox(false)
        let load = (0..<6).map { worker in
            Task {
                var round = 0
                while !stop.value {
                    let sentAt = ContinuousClock.now
                    let answer: (status: Int, body: Data)?
                    if worker < 4 {
                        let (user, movie, rating) = ("load-\(worker)-\(round / movies.count)", movies[round % movies.count], Double(round % 10 + 1) / 2)
                        answer = await front.send("POST", "/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": \#(rating)}"#)
                        if answer?.status == 201 { acknowledged.update { $0[user, default: [:]][movie] = rating } }
                    } else {
                        answer = await front.send("GET", worker == 4 ? "/movies/search?query=star" : "/users/\(round % 600 + 1)/recommendations/personalized?limit=10")
                    }
                    answers.update { $0.append((sentAt, answer?.status)) }
                    round += 1
                }
            }
        }
        for _ in 0..<300 where acknowledged.value.values.map(\.count).reduce(0, +) < 200 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let killedAt = ContinuousClock.now
        b.signal(SIGKILL)
        try await Task.sleep(for: .seconds(4))
        stop.update { $0 = true }
        for worker in load { await worker.value }
        #expect(await b.exit(within: .seconds(5)) != nil)

        let settled = answers.value.filter { $0.sentAt > killedAt + .seconds(1) }
        #expect(settled.count > 50, "load went on after the kill")
        #expect(settled.allSatisfy { $0.status.map { (200..<300).contains($0) } ?? false },
                "every request sent a second after the kill was answered: \(settled.filter { !($0.status.map { (200..<300).contains($0) } ?? false) }.count) were not")
        let promised = acknowledged.value
        #expect(promised.values.map(\.count).reduce(0, +) >= 200)
        for (user, ratings) in promised {
            let stored = Self.json(await front.send("GET", "/users/\(user)/preferences"))["preferences"] as? [[String: Any]] ?? []
            let found = Dictionary(stored.compactMap { row in (row["movie_id"] as? Int).map { ($0, row["rating"] as? Double) } }) { first, _ in first }
            for (movie, rating) in ratings { #expect(found[movie] == rating, "user \(user) movie \(movie)") }
        }
        print("scale-out-summary: \(promised.values.map(\.count).reduce(0, +)) preferences acknowledged through nginx, all stored; "
            + "\(answers.value.count) requests, \(answers.value.filter { !($0.status.map { (200..<300).contains($0) } ?? false) }.count) not answered 2xx "
            + "(all while replica B went down); \(settled.count) sent after the kill settled, all 2xx")
    }
}

/// A server reached by port only (nginx), with `ServerProcess`'s way of sending requests.
struct ServerProcessAddress {
    let port: Int

    func send(_ method: String, _ path: String, json: String? = nil) async -> (status: Int, body: Data)? {
        await HTTPSend.send(method, URL(string: "http://127.0.0.1:\(port)\(path)")!, json: json)
    }
}
