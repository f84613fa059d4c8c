import Foundation
import Glibc
import TestSupport
import Testing

/// What only a real process shows: writes that survive SIGKILL, a bounded SIGTERM drain, and
/// a refusal to start on a database it must not touch.
@Suite(.serialized) struct CrashSafetyTests {
    @Test func everyWriteAnswered2xxSurvivesASIGKILLMidStreamAndEventBatchesAreAllOrNothing() async throws {
        let folder = try makeTemporaryDirectory("reclab-crash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await TemplateDatabase.copy(into: folder)
        try await Self.killMidStream(database: database, folder: folder, crash: {})
    }

    /// On PostgreSQL the database crashes too (an immediate stop: no checkpoint, so the restart
    /// replays the WAL): an acknowledged write is one PostgreSQL committed synchronously.
    @Test func onPostgresEveryWriteAnswered2xxSurvivesASIGKILLOfTheServerAndACrashOfTheDatabase() async throws {
        let folder = try makeTemporaryDirectory("reclab-crash-pg")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try await PostgresCluster.start()
        defer { cluster.remove() }
        let database = try await cluster.movieLensDatabase()
        try await Self.killMidStream(database: database, folder: folder) {
            try await cluster.crash()
            try await cluster.startServer()
        }
    }

    /// Writes preferences and event batches through a server on `database`, SIGKILLs it mid-stream,
    /// runs `crash` (what else goes down with it), restarts the server and checks every
    /// acknowledged write is there and every batch is all or nothing.
    static func killMidStream(database: String, folder: URL, crash: () async throws -> Void) async throws {
        let server = try ServerProcess(database: database, folder: folder)
        try await server.waitUntilReady()
        let popular = try #require(await server.send("GET", "/recommendations/popular?limit=50"))
        let movies = try #require(try JSONSerialization.jsonObject(with: popular.body) as? [String: Any])["recommendations"]
            .flatMap { $0 as? [[String: Any]] }?.compactMap { $0["movie_id"] as? Int } ?? []
        #expect(movies.count == 50)

        // Each (user, movie) is written once, so what an acknowledgement promised cannot be
        // overwritten by a later write that was committed but never answered.
        let acknowledged = LockedBox<[String: [Int: Double]]>([:])
        let batches = LockedBox<(attempted: [Int], acknowledged: Set<Int>)>(([], []))
        let preferenceWriters = (0..<4).map { writer in
            Task {
                for (index, movie) in movies.enumerated() {
                    for round in 0..<20 {
                        let user = "crash-\(writer)-\(round)"
                        let rating = Double((index + round) % 10 + 1) / 2
                        guard let answer = await server.send("POST", "/users/\(user)/preferences", json: #"{"movie_id": \#(movie), "rating": \#(rating)}"#)
                        else { return }
                        if answer.status == 201 { acknowledged.update { $0[user, default: [:]][movie] = rating } }
                    }
                }
            }
        }
        let eventWriters = (0..<2).map { writer in
            Task {
                for batch in stride(from: writer, to: 100_000, by: 2) {
                    batches.update { $0.attempted.append(batch) }
                    guard let answer = await server.send("POST", "/events", json: Self.batch(batch, movies: movies)) else { return }
                    if answer.status == 200 { batches.update { _ = $0.acknowledged.insert(batch) } }
                }
            }
        }
        // Mid-stream: once both kinds of write are well under way (however loaded the machine).
        for _ in 0..<600 {
            let (preferences, events) = (acknowledged.value.values.map(\.count).reduce(0, +), batches.value.acknowledged.count)
            if preferences >= 100 && events >= 10 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.signal(SIGKILL)
        for writer in preferenceWriters { await writer.value }
        for writer in eventWriters { await writer.value }
        #expect(await server.exit(within: .seconds(5)) != nil)
        try await crash()

        let restarted = try ServerProcess(database: database, folder: folder)
        try await restarted.waitUntilReady()
        let promised = acknowledged.value
        #expect(promised.values.map(\.count).reduce(0, +) >= 100, "the writers got going before the kill")
        for (user, ratings) in promised {
            let answer = try #require(await restarted.send("GET", "/users/\(user)/preferences"))
            let stored = (try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["preferences"] as? [[String: Any]] ?? []
            let found = Dictionary(stored.compactMap { row in (row["movie_id"] as? Int).map { ($0, row["rating"] as? Double) } }) { first, _ in first }
            for (movie, rating) in ratings { #expect(found[movie] == rating, "user \(user) movie \(movie)") }
        }
        // Posting a batch again tells what is stored: all of it (25 duplicates) or none (25 stored).
        let (attempted, acknowledgedBatches) = batches.value
        #expect(acknowledgedBatches.count >= 10)
        for batch in attempted {
            let answer = try #require(await restarted.send("POST", "/events", json: Self.batch(batch, movies: movies)))
            let receipt = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Int])
            if acknowledgedBatches.contains(batch) {
                #expect(receipt["duplicates"] == 25, "acknowledged batch \(batch): \(receipt)")
            } else {
                #expect(receipt == ["stored": 25, "duplicates": 0] || receipt == ["stored": 0, "duplicates": 25], "batch \(batch): \(receipt)")
            }
        }
        // The figures scripts/crash.sh records in benchmarks/crash.md.
        print("crash-summary: \(promised.values.map(\.count).reduce(0, +)) preferences and \(acknowledgedBatches.count) event batches (25 events each) "
            + "answered 2xx before SIGKILL, all there after the restart; \(attempted.count - acknowledgedBatches.count) batches in flight, each all or nothing")
    }

    static func batch(_ number: Int, movies: [Int]) -> String {
        let events = (0..<25).map { index in
            #"{"event_id": "crash-\#(number)-\#(index)", "type": "click", "user_id": "crash-events", "movie_id": \#(movies[(number + index) % movies.count]), "timestamp": "2026-11-30T10:00:00Z"}"#
        }
        return #"{"events": [\#(events.joined(separator: ","))]}"#
    }

    @Test func sigtermEndsWithinTheShutdownTimeoutDespiteAStalledClientAndFlushesExposures() async throws {
        let folder = try makeTemporaryDirectory("reclab-sigterm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await TemplateDatabase.copy(into: folder)
        let server = try ServerProcess(database: database, environment: ["SHUTDOWN_TIMEOUT": "2"], folder: folder)
        try await server.waitUntilReady()
        // A body that never comes: without a bound it would hold the shutdown until REQUEST_TIMEOUT.
        let stalled = try RawConnection(port: server.port)
        stalled.send("POST /events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        // About half the MovieLens users are in the shipped running experiment: each of their
        // answers is an exposure, buffered.
        var enrolled = 0
        for user in 1...20 {
            let answer = await server.send("GET", "/users/\(user)/recommendations/personalized?limit=3")
            #expect(answer?.status == 200)
            if let body = answer?.body, String(decoding: body, as: UTF8.self).contains(#""experiment":"personalized-ease-tuning""#) { enrolled += 1 }
        }
        #expect(enrolled > 0)
        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        let status = await server.exit(within: .seconds(15))
        let took = ContinuousClock.now - signalled
        #expect(status == 0, "\(server.printed)")
        #expect(took < .seconds(8), "SHUTDOWN_TIMEOUT 2 s, then at most 5 s of cancellation: took \(took)")

        let restarted = try ServerProcess(database: database, folder: folder)
        try await restarted.waitUntilReady()
        let report = try #require(await restarted.send("GET", "/experiments/personalized-ease-tuning/report"))
        let variants = (try JSONSerialization.jsonObject(with: report.body) as? [String: Any])?["variants"] as? [[String: Any]] ?? []
        #expect(variants.map { $0["exposures"] as? Int ?? 0 }.reduce(0, +) == enrolled, "every exposure served before SIGTERM was written")
    }

    @Test func aSecondServerAFileThatIsNotSQLiteAndATruncatedDatabaseAreRefusedAndLeftAsTheyWere() async throws {
        let folder = try makeTemporaryDirectory("reclab-refusals")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await TemplateDatabase.copy(into: folder)

        let junk = folder.appending(path: "notes.sqlite")
        try Data("these are my notes, not a database\n".utf8).write(to: junk)
        let template = try Data(contentsOf: URL(fileURLWithPath: database))
        let truncated = folder.appending(path: "truncated.sqlite")
        try template.prefix(template.count / 2).write(to: truncated)
        for (path, message) in [(junk.path, "is not a SQLite database"), (truncated.path, "is damaged")] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let refused = try ServerProcess(database: path, folder: folder)
            let status = await refused.exit(within: .seconds(20))
            #expect(status != nil && status != 0)
            #expect(refused.printed.contains(message), "\(refused.printed)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(path) was changed")
            #expect(!FileManager.default.fileExists(atPath: path + "-wal") && !FileManager.default.fileExists(atPath: path + "-shm"))
        }

        let first = try ServerProcess(database: database, folder: folder)
        try await first.waitUntilReady()
        let second = try ServerProcess(database: database, folder: folder)
        let status = await second.exit(within: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(second.printed.contains("is in use by another `reclab serve`"), "\(second.printed)")
        #expect(await first.send("GET", "/health")?.status == 200, "the first server serves on")
    }
}
