import Foundation
import Hummingbird
import NIOCore
import RecLabStore
import Synchronization
import TestSupport

/// A stand-in for TMDB v3 on 127.0.0.1, for tests: it answers `/3/…` in TMDB's documented
/// shapes with the movies of `shared/datasets/tmdb-5000` (that data set came from TMDB: its
/// columns are TMDB's field names), plus movies a test adds. A test can make it refuse the
/// credential, fail, rate limit, hang or be slow, and reads back every request it got.
public final class FakeTMDB: Sendable {
    /// How the fake answers, until told otherwise.
    public enum Behaviour: Sendable {
        case normal
        /// Every request gets this status with TMDB's error body (and `Retry-After` on a 429).
        case status(Int, code: Int, message: String, retryAfter: Int? = nil)
        /// The next `count` requests get this status, then `normal` again.
        case failing(count: Int, status: Int)
        /// No answer for a minute.
        case hang
    }

    /// One request as received.
    public struct Received: Sendable {
        public let path: String
        public let query: [String: String]
        public let authorization: String?
    }

    public static let apiKey = "fake-key"
    public static let token = "fake-token"

    public let port: Int
    private let state = Mutex(State())
    private let movies: [Int: [String: JSONValue]]
    private let popularity: [Int]
    private let server = Mutex<Task<Void, any Error>?>(nil)

    private struct State {
        var behaviour = Behaviour.normal
        var delay = Duration.zero
        /// Paths answered only after a delay of their own.
        var pathDelays: [(prefix: String, delay: Duration)] = []
        var received: [Received] = []
        var extra: [Int: [String: JSONValue]] = [:]
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/3" }
    public var received: [Received] { state.withLock { $0.received } }

    public func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }
    /// Answers only after `delay`, so concurrent callers overlap.
    public func delay(_ delay: Duration) { state.withLock { $0.delay = delay } }
    /// Answers paths starting with `prefix` (`/movie/`) only after `delay`.
    public func delay(_ delay: Duration, pathsStartingWith prefix: String) { state.withLock { $0.pathDelays.append((prefix, delay)) } }

    /// A movie only the fake knows, first on trending and found by search.
    public func add(id: Int, title: String, popularity: Double = 999, releaseDate: String = "2026-11-20") {
        let movie: [String: JSONValue] = [
            "id": .integer(id), "title": .string(title), "original_title": .string(title), "overview": .string("Only the fake knows it."),
            "release_date": .string(releaseDate), "popularity": .number(popularity), "vote_average": .number(7.5), "vote_count": .integer(100),
            "poster_path": .string("/\(id).jpg"), "backdrop_path": .null, "original_language": .string("en"),
            "genres": .array([.object(["id": .integer(878), "name": .string("Science Fiction")])]),
        ]
        state.withLock { $0.extra[id] = movie }
    }

    /// tmdb-5000's movies as TMDB answers them, by id, and their ids by popularity: read once.
    private static let catalogue = Task { () throws -> (movies: [Int: [String: JSONValue]], popularity: [Int]) in
        let table = try CSVTable(
            CSVReader(contentsOf: try SharedFolder.datasets().appending(path: "tmdb-5000/tmdb_5000_movies.csv")), requiredColumns: ["id", "title"])
        var movies: [Int: [String: JSONValue]] = [:]
        for index in table.rows.indices {
            let row = table.row(index)
            guard let id = try? row.int("id") else { continue }
            var movie: [String: JSONValue] = ["id": .integer(id), "poster_path": .string("/p\(id).jpg"), "backdrop_path": .string("/b\(id).jpg")]
            for column in ["title", "original_title", "overview", "release_date", "original_language", "tagline", "status", "homepage"] {
                movie[column] = .string(row.string(column))
            }
            for column in ["popularity", "vote_average"] { movie[column] = .number((try? row.optionalDouble(column)) ?? 0) }
            for column in ["vote_count", "runtime", "budget", "revenue"] { movie[column] = .integer(Int((try? row.optionalDouble(column)) ?? 0)) }
            for column in ["genres", "keywords", "production_companies", "production_countries", "spoken_languages"] {
                movie[column] = (try? JSONValue.parse(Data(row.string(column).utf8))) ?? .array([])
            }
            movies[id] = movie
        }
        let order = movies.values.sorted { ($0["popularity"]?.numeric ?? 0) > ($1["popularity"]?.numeric ?? 0) }.compactMap { if case .integer(let id)? = $0["id"] { id } else { nil } }
        return (movies, order)
    }

    /// Starts a fake on a free port; stop it with `stop()`. A port taken between being found
    /// free and being bound (another process's test) is given up for another, never waited on.
    public static func start() async throws -> FakeTMDB {
        let (movies, order) = try await catalogue.value
        for _ in 0..<5 {
            let fake = FakeTMDB(port: try freeTCPPort(), movies: movies, popularity: order)
            let router = Router()
            router.get("/3/**") { request, _ in try await fake.answer(request) }
            let (ready, running) = AsyncStream<Bool>.makeStream()
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: fake.port)), onServerRunning: { _ in running.yield(true) })
            fake.server.withLock {
                $0 = Task {
                    do { try await app.runService() } catch { running.yield(false) }
                }
            }
            for await started in ready {
                if started { return fake }
                break
            }
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "the fake TMDB found no port to listen on"])
    }

    private init(port: Int, movies: [Int: [String: JSONValue]], popularity: [Int]) {
        self.port = port
        self.movies = movies
        self.popularity = popularity
    }

    public func stop() { server.withLock { $0?.cancel() } }

    private func answer(_ request: Request) async throws -> Response {
        let path = String(request.uri.path.dropFirst(2))
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { _, last in last })
        let (behaviour, delay) = state.withLock { state in
            state.received.append(Received(path: path, query: query, authorization: request.headers[.authorization]))
            let behaviour = state.behaviour
            if case .failing(let count, let status) = behaviour {
                state.behaviour = count > 1 ? .failing(count: count - 1, status: status) : .normal
            }
            return (behaviour, state.pathDelays.first { path.hasPrefix($0.prefix) }?.delay ?? state.delay)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        switch behaviour {
        case .hang:
            try await Task.sleep(for: .seconds(60))
            return Self.json(504, .object([:]))
        case .status(let status, let code, let message, let retryAfter):
            var response = Self.error(status, code: code, message: message)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .failing(_, let status):
            var response = Self.error(status, code: status == 429 ? 25 : 11, message: status == 429
                ? "Your request count (51) is over the allowed limit of 50." : "Internal error: Something went wrong, contact TMDb.")
            if status == 429 { response.headers[.retryAfter] = "1" }
            return response
        case .normal:
            break
        }
        guard query["api_key"] == Self.apiKey || request.headers[.authorization] == "Bearer \(Self.token)" else {
            return Self.error(401, code: 7, message: "Invalid API key: You must be granted a valid key.")
        }
        let page = Int(query["page"] ?? "1") ?? 1
        guard (1...500).contains(page) else { return Self.error(400, code: 22, message: "Invalid page: Pages start at 1 and max at 500.") }
        let extra = state.withLock { $0.extra }
        switch path {
        case "/trending/movie/day", "/trending/movie/week":
            let ids = path.hasSuffix("day") ? popularity[5..<45] : popularity[50..<90]
            return Self.json(200, Self.page(Array(extra.values) + ids.compactMap { movies[$0] }, page))
        case "/search/movie":
            let term = (query["query"] ?? "").lowercased()
            let found = (Array(extra.values) + popularity.compactMap { movies[$0] }).filter { movie in
                guard !term.isEmpty, case .string(let title)? = movie["title"] else { return false }
                return title.lowercased().contains(term)
            }
            return Self.json(200, Self.page(found, page))
        case "/genre/movie/list":
            return Self.json(200, .object(["genres": .array([(28, "Action"), (18, "Drama"), (878, "Science Fiction")].map {
                .object(["id": .integer($0.0), "name": .string($0.1)])
            })]))
        case "/configuration":
            return Self.json(200, .object(["images": .object([
                "base_url": .string("http://image.example/t/p/"), "secure_base_url": .string("https://image.example/t/p/"),
                "poster_sizes": .array(["w92", "w500", "original"].map { .string($0) }), "backdrop_sizes": .array(["w300", "original"].map { .string($0) }),
            ]), "change_keys": .array([])]))
        default:
            let parts = path.split(separator: "/")
            if parts.count == 2, parts[0] == "movie", let id = Int(parts[1]), let movie = extra[id] ?? movies[id] {
                var details = movie
                details["credits"] = .object(["cast": .array([.object(["id": .integer(1), "name": .string("Ann Actor"), "character": .string("Lead"), "order": .integer(0)])]),
                                              "crew": .array([.object(["id": .integer(2), "name": .string("Dee Rector"), "job": .string("Director"), "department": .string("Directing")])])])
                details["keywords"] = .object(["keywords": movie["keywords"] ?? .array([])])
                return Self.json(200, .object(details))
            }
            return Self.error(404, code: 34, message: "The resource you requested could not be found.")
        }
    }

    /// A list item: a movie's list fields, with `genre_ids` for its genres.
    private static func listed(_ movie: [String: JSONValue]) -> JSONValue {
        var item = movie.filter { ["id", "title", "original_title", "overview", "release_date", "popularity", "vote_average", "vote_count", "poster_path", "backdrop_path", "original_language"].contains($0.key) }
        if case .array(let genres)? = movie["genres"] {
            item["genre_ids"] = .array(genres.compactMap { if case .object(let genre) = $0 { genre["id"] } else { nil } })
        }
        return .object(item)
    }

    private static func page(_ movies: [[String: JSONValue]], _ page: Int) -> JSONValue {
        let slice = movies.dropFirst((page - 1) * 20).prefix(20)
        return .object([
            "page": .integer(page), "results": .array(slice.map(listed)),
            "total_pages": .integer(max(1, (movies.count + 19) / 20)), "total_results": .integer(movies.count),
        ])
    }

    private static func error(_ status: Int, code: Int, message: String) -> Response {
        json(status, .object(["status_code": .integer(code), "status_message": .string(message), "success": .bool(false)]))
    }

    private static func json(_ status: Int, _ body: JSONValue) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json;charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data())))
    }
}
