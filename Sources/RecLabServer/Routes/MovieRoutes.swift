import Foundation
import Hummingbird
import RecLabCore
import RecLabStore

/// `/movies`: search and details.
struct MovieRoutes {
    static let pageSize = 20
    static let maximumPage = 500

    let movies: any MovieRepository
    let cacheControl: CacheControlHeader

    func register(on router: Router<RecLabRequestContext>) {
        let group = router.group("movies")
        group.get("search") { request, context in try await search(request) }
        group.get(":tmdb_id") { request, context in try await details(context.parameters.positiveInteger("tmdb_id")) }
    }

    /// The seed's search answer.
    struct SearchPage: ResponseEncodable {
        let movies: [Movie]
        let totalResults: Int
        let totalPages: Int
        let currentPage: Int

        enum CodingKeys: String, CodingKey {
            case movies
            case totalResults = "total_results"
            case totalPages = "total_pages"
            case currentPage = "current_page"
        }
    }

    func search(_ request: Request) async throws -> Response {
        let query = try request.requiredQuery("query")
        let page = try request.integerQuery("page", default: 1, in: 1...Self.maximumPage)
        let results = try await movies.movies(matching: query, page: page, pageSize: Self.pageSize)
        let body = SearchPage(
            movies: results.movies, totalResults: results.totalResults,
            totalPages: (results.totalResults + Self.pageSize - 1) / Self.pageSize, currentPage: page)
        return try cacheControl.json(body)
    }

    func details(_ tmdbID: Int) async throws -> Response {
        guard let movie = try await movies.movie(tmdbID: tmdbID) else {
            throw APIError.notFound("no movie with tmdb_id \(tmdbID)", code: "movie_not_found")
        }
        return try cacheControl.json(movie)
    }
}

/// `/genres`: TMDB's genres with their ids.
struct GenreRoutes {
    let movies: any MovieRepository
    let cacheControl: CacheControlHeader

    struct GenreList: Codable {
        let genres: [Genre]
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("genres") { _, _ in try cacheControl.json(GenreList(genres: try await movies.genres())) }
    }
}

/// Catalogue answers change only on import, so clients and proxies may keep them for
/// `CACHE_TTL` seconds.
struct CacheControlHeader: Sendable {
    let maxAge: Int

    func json(_ value: some Encodable) throws -> Response {
        let data = try RecLabRequestContext.encoder.encode(value)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[.cacheControl] = maxAge > 0 ? "public, max-age=\(maxAge)" : "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
