import Foundation
import Hummingbird
import RecLabCore
import RecLabServing
import RecLabStore

/// `/movies`: search and details, answered from the catalogue in memory; with a TMDB key,
/// movies the catalogue lacks are taken from TMDB and stored.
struct MovieRoutes {
    static let pageSize = 20
    static let maximumPage = 500

    let catalogue: CatalogueHost
    /// The movies an operator withholds, which search never finds.
    let withheld: WithheldMovies
    let tmdb: TMDBCatalogue?
    let cacheControl: CacheControlHeader

    func register(on router: Router<RecLabRequestContext>) {
        let group = router.group("movies")
        group.get("search") { request, context in try await search(request) }
        group.get(":tmdb_id") { request, context in try await details(context.parameters.positiveInteger("tmdb_id")) }
    }

    /// The seed's search answer (total_results exact, 20 movies a page). When the local index
    /// has less than a page, TMDB's results fill the first page after the local ones, which
    /// keep their ranking; that page is then the whole answer.
    func search(_ request: Request) async throws -> Response {
        let query = try request.requiredQuery("query")
        let page = try request.integerQuery("page", default: 1, in: 1...Self.maximumPage)
        let withheld = withheld.current()
        var hits = try catalogue.ready().search(query, page: page, pageSize: Self.pageSize, withheld: withheld)
        if let tmdb, page == 1, hits.total < Self.pageSize {
            let more = await tmdb.search(
                query, excluding: withheld.union(hits.tmdbIDs.compactMap { $0 }), limit: Self.pageSize - hits.movies.count)
            hits.movies += more
            hits.total = hits.movies.count
        }
        return cacheControl.json(bytes: CatalogueSnapshot.searchPage(hits, page: page, pageSize: Self.pageSize))
    }

    func details(_ tmdbID: Int) async throws -> Response {
        guard let movie = try catalogue.details(tmdbID: tmdbID) else {
            guard let tmdb else { throw APIError.notFound("no movie with tmdb_id \(tmdbID)", code: "movie_not_found") }
            guard let fetched = try await tmdb.details(tmdbID: tmdbID) else {
                throw APIError.notFound("no movie with tmdb_id \(tmdbID), here or on TMDB", code: "movie_not_found")
            }
            return cacheControl.json(bytes: fetched)
        }
        return cacheControl.json(bytes: movie)
    }
}

/// `/genres`: TMDB's genres with their ids.
struct GenreRoutes {
    let catalogue: CatalogueHost
    let cacheControl: CacheControlHeader

    func register(on router: Router<RecLabRequestContext>) {
        router.get("genres") { _, _ in cacheControl.json(bytes: try catalogue.ready().genres) }
    }
}

/// Catalogue answers change only on import, so clients and proxies may keep them for
/// `CACHE_TTL` seconds.
struct CacheControlHeader: Sendable {
    let maxAge: Int

    /// An answer whose JSON is already encoded.
    func json(bytes: ByteBuffer) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[.cacheControl] = maxAge > 0 ? "public, max-age=\(maxAge)" : "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}
