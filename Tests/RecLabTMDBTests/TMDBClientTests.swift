import FakeTMDB
import Foundation
import Logging
import RecLabObservability
import RecLabTMDB
import TestSupport
import Testing

/// The TMDB client against a fake TMDB over real HTTP: shapes, retries, waits, refusals,
/// deadlines, shared requests, its pace and its metrics.
@Suite struct TMDBClientTests {
    // The default deadline is far above a real call's so that a test machine loaded by the other
    // suites does not time out tests that are not about deadlines; those set their own.
    static func client(_ fake: FakeTMDB, credential: TMDBConfiguration.Credential = .apiKey(FakeTMDB.apiKey), timeout: Duration = .seconds(60),
                       requestsPerSecond: Double = 1000, coolDown: Duration = .seconds(1), clock: TestClock = TestClock()) -> TMDBClient {
        TMDBClient(
            configuration: TMDBConfiguration(credential: credential, baseURL: fake.baseURL, timeout: timeout, requestsPerSecond: requestsPerSecond,
                                             backoff: .milliseconds(20), coolDown: coolDown),
            logger: Logger(label: "tmdb-test"), now: { clock.now })
    }

    static func with(_ body: (FakeTMDB) async throws -> Void) async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        try await body(fake)
    }

    @Test func trendingDetailsSearchGenresAndImagesDecodeFromTMDBsShapes() async throws {
        try await Self.with { fake in
            let tmdb = Self.client(fake)
            let trending = try await tmdb.trending(.day)
            #expect(trending.page == 1 && trending.results.count == 20 && trending.totalResults == 40 && trending.totalPages == 2)
            #expect(trending.results.allSatisfy { !$0.title.isEmpty && $0.genreIds != nil })
            let inception = try await tmdb.movie(id: 27205)
            #expect(inception.title == "Inception" && inception.runtime == 148)
            #expect(inception.genres.contains(TMDBGenre(id: 28, name: "Action")))
            #expect(inception.keywords?.keywords.contains { $0.name == "dream" } == true)
            #expect(inception.credits?.crew.first?.job == "Director")
            #expect(inception.productionCountries?.contains { $0.iso31661 == "US" } == true)
            let found = try await tmdb.searchMovies("avatar")
            #expect(found.results.contains { $0.id == 19995 })
            #expect(try await tmdb.genres().contains(TMDBGenre(id: 18, name: "Drama")))
            let images = try await tmdb.imageConfiguration()
            #expect(images.secureBaseUrl == "https://image.example/t/p/" && images.posterSizes.contains("w500"))
            _ = try await tmdb.imageConfiguration()
            #expect(fake.received.filter { $0.path == "/configuration" }.count == 1, "the image configuration is kept")
            #expect(fake.received.allSatisfy { $0.query["api_key"] == FakeTMDB.apiKey && $0.authorization == nil })
            #expect(tmdb.health == .ok)
        }
    }

    @Test func aReadAccessTokenGoesInTheAuthorizationHeaderNotTheQuery() async throws {
        try await Self.with { fake in
            _ = try await Self.client(fake, credential: .bearer(FakeTMDB.token)).movie(id: 27205)
            #expect(fake.received.map(\.authorization) == ["Bearer \(FakeTMDB.token)"])
            #expect(fake.received.first?.query["api_key"] == nil)
        }
    }

    @Test func anUnknownMovieIsNotFoundAndLeavesTMDBHealthy() async throws {
        try await Self.with { fake in
            let tmdb = Self.client(fake)
            await #expect(throws: TMDBError.notFound) { try await tmdb.movie(id: 999_999_999) }
            #expect(fake.received.count == 1, "a 404 is an answer, not retried")
            #expect(tmdb.health == .ok)
        }
    }

    @Test func aRefusedKeyIsReportedWithTMDBsMessageAndLaterCallsDoNotAskAgain() async throws {
        try await Self.with { fake in
            let tmdb = Self.client(fake, credential: .apiKey("wrong"))
            let error = await #expect(throws: TMDBError.self) { try await tmdb.trending(.week) }
            guard case .refusedCredential(let status)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(status?.statusCode == 7 && status?.statusMessage.hasPrefix("Invalid API key") == true)
            guard case .degraded(let lastError, _) = tmdb.health else { Issue.record("health \(tmdb.health)"); return }
            #expect(lastError.contains("Invalid API key"))
            for _ in 0..<5 { await #expect(throws: TMDBError.self) { try await tmdb.movie(id: 27205) } }
            #expect(fake.received.count == 1, "one refusal, then no retry storm")
        }
    }

    @Test func serverErrorsAreRetriedAndAnAnswerAfterThemCounts() async throws {
        try await Self.with { fake in
            fake.behave(.failing(count: 2, status: 500))
            let tmdb = Self.client(fake)
            let title = try await tmdb.movie(id: 27205).title
            #expect(title == "Inception")
            #expect(fake.received.count == 3)
            #expect(tmdb.health == .ok)
        }
    }

    @Test func persistentServerErrorsFailWithTMDBsStatusAfterTheLastTry() async throws {
        try await Self.with { fake in
            fake.behave(.status(503, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
            let tmdb = Self.client(fake)
            await #expect(throws: TMDBError.failed(status: 503, TMDBStatus(statusCode: 11, statusMessage: "Internal error: Something went wrong, contact TMDb."))) {
                try await tmdb.genres()
            }
            #expect(fake.received.count == tmdb.configuration.maxAttempts)
            guard case .degraded = tmdb.health else { Issue.record("health \(tmdb.health)"); return }
        }
    }

    @Test func afterACallFailsForGoodCallsFailAtOnceUntilTheCoolDownEndsThenAnAnswerClosesIt() async throws {
        try await Self.with { fake in
            fake.behave(.status(500, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
            // A minute by the test's clock: however loaded the machine, the second call comes within it.
            let clock = TestClock()
            let tmdb = Self.client(fake, coolDown: .seconds(60), clock: clock)
            await #expect(throws: TMDBError.self) { try await tmdb.genres() }
            let asked = fake.received.count
            #expect(asked == tmdb.configuration.maxAttempts)
            fake.behave(.normal)
            await #expect(throws: TMDBError.self, "cooling down: TMDB is not asked") { try await tmdb.movie(id: 27205) }
            #expect(fake.received.count == asked)
            clock.advance(by: .seconds(61))
            let inception = try await tmdb.movie(id: 27205)
            #expect(inception.title == "Inception")
            #expect(tmdb.health == .ok)
            #expect(try await tmdb.movie(id: 155).title == "The Dark Knight", "an answer ended the cool-down")
        }
    }

    @Test func a429IsRetriedOnlyAfterItsRetryAfter() async throws {
        try await Self.with { fake in
            fake.behave(.failing(count: 1, status: 429))
            let started = ContinuousClock.now
            let title = try await Self.client(fake).movie(id: 155).title
            #expect(title == "The Dark Knight")
            #expect(ContinuousClock.now - started >= .milliseconds(950), "Retry-After: 1 was honoured")
            #expect(fake.received.count == 2)
        }
    }

    @Test func a429WaitLongerThanTheCallsTimeFailsAtOnceAsRateLimited() async throws {
        try await Self.with { fake in
            fake.behave(.status(429, code: 25, message: "Your request count (51) is over the allowed limit of 50.", retryAfter: 30))
            let started = ContinuousClock.now
            // Failing as rate limited (not as timed out) before the deadline shows it did not wait;
            // the deadline leaves a loaded test machine room, and stays below the 30 s asked for.
            await #expect(throws: TMDBError.rateLimited(retryAfter: 30)) { try await Self.client(fake, timeout: .seconds(20)).trending(.day) }
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func aHangingTMDBTimesOutAtTheCallsDeadline() async throws {
        try await Self.with { fake in
            fake.behave(.hang)
            let started = ContinuousClock.now
            await #expect(throws: TMDBError.timedOut) { try await Self.client(fake, timeout: .seconds(1)).trending(.day) }
            // The fake hangs a minute; a bound, not a speed (the full suite starves timers on two
            // cores: a 2 s deadline has been seen to end after 44 s there).
            #expect(ContinuousClock.now - started < .seconds(50))
        }
    }

    @Test func anUnreachableTMDBFailsWithinTheCallsTime() async throws {
        let closed = TMDBClient(
            configuration: TMDBConfiguration(
                credential: .apiKey("x"), baseURL: "http://127.0.0.1:\(try freeTCPPort())/3", timeout: .seconds(2), backoff: .milliseconds(10)),
            logger: Logger(label: "tmdb-test"))
        let started = ContinuousClock.now
        let error = await #expect(throws: TMDBError.self) { try await closed.genres() }
        // A bound, not a speed: the full suite starves timers on two cores (44 s seen there for
        // this 2 s deadline); a client that ignored the deadline would retry until the test ends.
        #expect(ContinuousClock.now - started < .seconds(90))
        // Refused connections are retried by the HTTP client until the deadline cuts them.
        #expect(error == .timedOut || { if case .unreachable? = error { true } else { false } }(), "\(String(describing: error))")
        guard case .degraded = closed.health else { Issue.record("health \(closed.health)"); return }
    }

    @Test func concurrentCallersForOneResourceShareOneRequest() async throws {
        try await Self.with { fake in
            fake.delay(.milliseconds(300))
            let tmdb = Self.client(fake)
            let titles = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 { group.addTask { try await tmdb.movie(id: 27205).title } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(titles == Array(repeating: "Inception", count: 10))
            #expect(fake.received.count == 1)
        }
    }

    @Test func theClientKeepsItsOwnPaceBelowTMDBsLimit() async throws {
        try await Self.with { fake in
            let tmdb = Self.client(fake, requestsPerSecond: 10)
            let started = ContinuousClock.now
            for id in [27205, 155, 19995, 862, 13, 603] { _ = try await tmdb.movie(id: id) }
            // Six requests at ten a second: the last leaves half a second after the first.
            #expect(ContinuousClock.now - started >= .milliseconds(490))
        }
    }

    @Test func pagesOutsideTMDBsRangeAreRefusedWithoutARequest() async throws {
        try await Self.with { fake in
            let tmdb = Self.client(fake)
            await #expect(throws: TMDBError.pageOutOfRange(501)) { try await tmdb.searchMovies("a", page: 501) }
            await #expect(throws: TMDBError.pageOutOfRange(0)) { try await tmdb.trending(.week, page: 0) }
            #expect(fake.received.isEmpty)
        }
    }

    @Test func requestsAreCountedByEndpointAndOutcomeAndTimed() async throws {
        Observability.bootstrapMetrics()
        try await Self.with { fake in
            let tmdb = Self.client(fake)
            _ = try await tmdb.movie(id: 27205)
            _ = try? await tmdb.movie(id: 999_999_999)
            let exposition = Observability.exposition()
            #expect(exposition.contains(#"reclab_tmdb_requests_total{endpoint="movie",outcome="ok"}"#))
            #expect(exposition.contains(#"reclab_tmdb_requests_total{endpoint="movie",outcome="not_found"}"#))
            #expect(exposition.contains(#"reclab_tmdb_request_duration_seconds_count{endpoint="movie"}"#))
        }
    }

}
