import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import RecLabCore
import RecLabObservability
import Synchronization

/// How TMDB has answered lately, for `/health/detailed`: its last call's outcome decides.
public enum TMDBHealth: Sendable, Equatable {
    case ok
    case degraded(lastError: String, at: Date)
}

/// A TMDB v3 client: typed answers, a deadline per call, retries with jittered backoff on 5xx
/// and network errors, `Retry-After` on 429, its own pace under TMDB's limit, and one request
/// in flight per resource (callers asking for the same one at once share its answer).
///
/// Built on AsyncHTTPClient rather than URLSession: it runs on SwiftNIO's event loops beside the
/// server, keeps connections to TMDB alive in a pool, and bounds each request by a deadline;
/// Linux's URLSession hands every request to libcurl on threads of its own.
public final class TMDBClient: Sendable {
    public let configuration: TMDBConfiguration
    private let http: HTTPClient
    private let logger: Logger
    /// When the next request may leave, for the client's own pace.
    private let nextSlot = Mutex(ContinuousClock.now)
    private let flights = Mutex<[String: Task<Data, any Error>]>([:])
    private let state = Mutex(State())
    private let images = Mutex<(TMDBImageConfiguration, ContinuousClock.Instant)?>(nil)
    private let requests = HandleCache<[String], Counter> { key in
        Counter(label: Metric.tmdbRequests.name, dimensions: [("endpoint", key[0]), ("outcome", key[1])])
    }
    private let durations = HandleCache<String, Timer> { Timer(label: Metric.tmdbRequestDuration.name, dimensions: [("endpoint", $0)]) }
    private let imageCache = CacheLookups(cache: "tmdb_configuration")

    private struct State {
        var health = TMDBHealth.ok
        /// Set by a 401: until then, calls fail with it at once.
        var refused: (until: ContinuousClock.Instant, error: TMDBError)?
        /// Set by a call that failed for good: until then, calls fail with its error at once.
        var coolingDown: (until: ContinuousClock.Instant, error: TMDBError)?
        /// Calls failed for good in a row, which lengthen the cool-down.
        var failuresInARow = 0

        /// The error a call fails with at once, if TMDB is paused or cooling down at `now`.
        func pause(at now: ContinuousClock.Instant) -> TMDBError? {
            for case let (until, error)? in [refused, coolingDown] where until > now { return error }
            return nil
        }

        mutating func answered() {
            health = .ok
            coolingDown = nil
            failuresInARow = 0
        }
    }

    /// How long the image configuration is kept: TMDB changes it rarely.
    static let imageConfigurationLifetime = Duration.seconds(24 * 3600)

    /// The time pauses and cool-downs are reckoned in; a test moves it on rather than wait.
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        configuration: TMDBConfiguration, http: HTTPClient = .shared, logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.now = now
    }

    public var health: TMDBHealth { state.withLock { $0.health } }

    /// Which of TMDB's trending lists.
    public enum TrendingWindow: String, Sendable { case day, week }

    /// `/trending/movie/{day|week}`.
    public func trending(_ window: TrendingWindow, page: Int = 1) async throws -> TMDBPage<TMDBMovie> {
        try await get("/trending/movie/\(window.rawValue)", [("page", try Self.checked(page))], endpoint: "trending")
    }

    /// `/movie/{id}` with its credits and keywords; throws `TMDBError.notFound` for an unknown id.
    public func movie(id: Int) async throws -> TMDBMovieDetails {
        try await get("/movie/\(id)", [("append_to_response", "credits,keywords")], endpoint: "movie")
    }

    /// `/search/movie`, adult titles left out.
    public func searchMovies(_ query: String, page: Int = 1) async throws -> TMDBPage<TMDBMovie> {
        try await get("/search/movie", [("query", query), ("page", try Self.checked(page)), ("include_adult", "false")], endpoint: "search")
    }

    /// `/genre/movie/list`.
    public func genres() async throws -> [TMDBGenre] {
        struct List: Decodable { let genres: [TMDBGenre] }
        let list: List = try await get("/genre/movie/list", [], endpoint: "genres")
        return list.genres
    }

    /// `/configuration`'s images, kept for a day.
    public func imageConfiguration() async throws -> TMDBImageConfiguration {
        if let (kept, at) = images.withLock({ $0 }), ContinuousClock.now - at < Self.imageConfigurationLifetime {
            imageCache.hit.increment()
            return kept
        }
        imageCache.miss.increment()
        struct Answer: Decodable { let images: TMDBImageConfiguration }
        let answer: Answer = try await get("/configuration", [], endpoint: "configuration")
        images.withLock { $0 = (answer.images, .now) }
        return answer.images
    }

    private static func checked(_ page: Int) throws -> String {
        guard (1...TMDBPage<TMDBMovie>.maximumPage).contains(page) else { throw TMDBError.pageOutOfRange(page) }
        return String(page)
    }

    // MARK: Requests

    private func get<Answer: Decodable>(_ path: String, _ query: [(String, String)], endpoint: String) async throws -> Answer {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        let resource = path + (query.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? ""))
        let data = try await shared(resource) { try await self.fetch(resource, endpoint: endpoint) }
        do {
            return try JSONDecoder.snakeCase.decode(Answer.self, from: data)
        } catch {
            let failure = TMDBError.malformed("\(endpoint): \(error)")
            requests([endpoint, "malformed"]).increment()
            throw failed(failure, endpoint: endpoint)
        }
    }

    /// The one fetch of `resource` under way, started by the first caller; later callers wait
    /// for it. It runs to its own deadline whoever waits for it.
    private func shared(_ resource: String, _ fetch: @escaping @Sendable () async throws -> Data) async throws -> Data {
        let (flight, started) = flights.withLock { flights in
            if let flight = flights[resource] { return (flight, false) }
            let flight = Task { try await fetch() }
            flights[resource] = flight
            return (flight, true)
        }
        defer { if started { flights.withLock { _ = $0.removeValue(forKey: resource) } } }
        return try await flight.value
    }

    private func fetch(_ resource: String, endpoint: String) async throws -> Data {
        let deadline = ContinuousClock.now + configuration.timeout
        var attempt = 0
        while true {
            attempt += 1
            if let paused = state.withLock({ $0.pause(at: now()) }) {
                requests([endpoint, "skipped"]).increment()
                throw paused
            }
            let slot = nextSlot.withLock { next in
                defer { next = max(next, .now) + .seconds(1 / configuration.requestsPerSecond) }
                return max(next, .now)
            }
            guard slot < deadline else { throw failed(.timedOut, endpoint: endpoint) }
            if slot > .now { try await Task.sleep(until: slot) }
            do {
                let data = try await send(resource, endpoint: endpoint, deadline: deadline)
                state.withLock { $0.answered() }
                return data
            } catch let error as TMDBError {
                if error == .notFound {
                    // An answer, not a failure: TMDB is working.
                    state.withLock { $0.answered() }
                    throw error
                }
                guard let wait = retryDelay(after: error, attempt: attempt), ContinuousClock.now + wait < deadline else {
                    throw failed(error, endpoint: endpoint)
                }
                logger.debug("TMDB \(endpoint): \(error); retrying in \(wait)")
                try await Task.sleep(for: wait)
            }
        }
    }

    /// One HTTP request; every outcome but a 2xx thrown as a `TMDBError`.
    private func send(_ resource: String, endpoint: String, deadline: ContinuousClock.Instant) async throws -> Data {
        var request = HTTPClientRequest(url: configuration.baseURL + resource)
        request.headers.add(name: "Accept", value: "application/json")
        switch configuration.credential {
        case .apiKey(let key): request.url += (resource.contains("?") ? "&" : "?") + "api_key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
        case .bearer(let token): request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let started = ContinuousClock.now
        defer { durations(endpoint).recordNanoseconds((ContinuousClock.now - started).nanoseconds) }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            let remaining = deadline - ContinuousClock.now
            response = try await http.execute(request, deadline: .now() + .nanoseconds(remaining.nanoseconds))
            body = try await response.body.collect(upTo: 16 << 20)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            requests([endpoint, "timeout"]).increment()
            throw TMDBError.timedOut
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            requests([endpoint, "unreachable"]).increment()
            throw TMDBError.unreachable("\(error)")
        }
        let status = Int(response.status.code)
        if (200..<300).contains(status) {
            requests([endpoint, "ok"]).increment()
            return Data(body.readableBytesView)
        }
        let detail = try? JSONDecoder.snakeCase.decode(TMDBStatus.self, from: Data(body.readableBytesView))
        switch status {
        case 401:
            requests([endpoint, "refused"]).increment()
            throw TMDBError.refusedCredential(detail)
        case 404:
            requests([endpoint, "not_found"]).increment()
            throw TMDBError.notFound
        case 429:
            requests([endpoint, "rate_limited"]).increment()
            throw TMDBError.rateLimited(retryAfter: response.headers.first(name: "Retry-After").flatMap { Int($0) }.map { max(0, $0) } ?? 1)
        default:
            requests([endpoint, status >= 500 ? "server_error" : "client_error"]).increment()
            throw TMDBError.failed(status: status, detail)
        }
    }

    /// How long to wait before trying again, or nil when the error is final or tries are spent.
    private func retryDelay(after error: TMDBError, attempt: Int) -> Duration? {
        guard attempt < configuration.maxAttempts else { return nil }
        switch error {
        case .rateLimited(let seconds):
            return .seconds(seconds)
        case .failed(let status, _) where status >= 500:
            return jitter(attempt)
        case .unreachable:
            return jitter(attempt)
        default:
            return nil
        }
    }

    /// Full jitter: anywhere up to the attempt's exponential step, so retrying clients spread out.
    private func jitter(_ attempt: Int) -> Duration {
        let ceiling = min(Duration.seconds(2), configuration.backoff * (1 << min(attempt - 1, 10)))
        return .nanoseconds(Int64.random(in: 0...max(1, ceiling.nanoseconds)))
    }

    /// Records a call's final failure (health, the log, and for a refused credential the
    /// pause) and returns it to be thrown.
    private func failed(_ error: TMDBError, endpoint: String) -> TMDBError {
        let firstRefusal = state.withLock { state in
            state.health = .degraded(lastError: error.description, at: Date())
            switch error {
            case .timedOut, .unreachable, .rateLimited, .failed(status: 500..., _):
                state.failuresInARow += 1
                var coolDown = min(configuration.maximumCoolDown, configuration.coolDown * (1 << min(state.failuresInARow - 1, 16)))
                if case .rateLimited(let seconds) = error { coolDown = max(coolDown, .seconds(seconds)) }
                state.coolingDown = (now() + coolDown, error)
            default:
                break
            }
            guard case .refusedCredential = error else { return false }
            let first = state.refused.map { $0.until <= now() } ?? true
            state.refused = (now() + configuration.refusedCredentialPause, error)
            return first
        }
        if case .refusedCredential = error {
            // Once per refusal, not once per call: the calls in between fail without asking TMDB.
            if firstRefusal {
                logger.error("TMDB refused the credential; TMDB calls stop for \(configuration.refusedCredentialPause). Check TMDB_API_KEY or TMDB_READ_ACCESS_TOKEN", metadata: ["error": "\(error)"])
            }
        } else {
            logger.warning("TMDB \(endpoint) failed", metadata: ["error": "\(error)"])
        }
        return error
    }
}

extension JSONDecoder {
    /// TMDB's snake_case keys onto Swift's camelCase properties.
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
