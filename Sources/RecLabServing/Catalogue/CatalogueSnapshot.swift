import Foundation
import NIOCore
import RecLabCore
import RecLabSearch
import RecLabStore

/// One generation of the catalogue as the read path serves it: every movie's JSON encoded
/// once, the search index, the genre list and the counts, all built from one read of the
/// store, so a request is a lookup and a write of bytes.
public final class CatalogueSnapshot: Sendable {
    public let counts: CatalogueCounts
    public let countsJSON: ByteBuffer
    public let loadedAt: Date
    public let search: SearchIndex
    public let genres: ByteBuffer
    /// Each movie's JSON, by position; the dictionaries below point into it.
    private let movieJSON: [ByteBuffer]
    private let positionByTMDBID: [Int: Int]
    public let tmdbIDs: [Int?]
    private let positionByID: [MovieID: Int]
    /// How many imported ratings each movie has, by TMDB id (those rated at all).
    private let ratingsByTMDBID: [Int: Int]

    init(_ contents: CatalogueContents, encoder: JSONEncoder, images: ImageURLs) throws {
        counts = contents.counts
        countsJSON = ByteBuffer(bytes: try encoder.encode(contents.counts))
        loadedAt = Date()
        search = SearchIndex(contents.movies.map { SearchDocument($0, audience: contents.audience[$0.id] ?? 0) })
        genres = ByteBuffer(bytes: try encoder.encode(["genres": contents.genres]))
        movieJSON = try contents.movies.map { ByteBuffer(bytes: try encoder.encode(MovieDocument(movie: $0, images: images))) }
        var byTMDB: [Int: Int] = [:]
        var byID: [MovieID: Int] = [:]
        for (position, movie) in contents.movies.enumerated() {
            byID[movie.id] = position
            if let tmdbID = movie.tmdbID { byTMDB[tmdbID] = position }
        }
        positionByTMDBID = byTMDB
        tmdbIDs = contents.movies.map(\.tmdbID)
        positionByID = byID
        ratingsByTMDBID = Dictionary(contents.movies.compactMap { movie in
            movie.tmdbID.flatMap { tmdbID in contents.ratings[movie.id].map { (tmdbID, $0) } }
        }) { first, _ in first }
    }

    /// How many imported (MovieLens) ratings the movie has, as of this snapshot.
    public func ratings(tmdbID: Int) -> Int {
        ratingsByTMDBID[tmdbID] ?? 0
    }

    /// The movie's JSON, as `GET /movies/{tmdb_id}` answers it.
    func details(tmdbID: Int) -> ByteBuffer? {
        positionByTMDBID[tmdbID].map { movieJSON[$0] }
    }

    /// One page of search hits: each movie's JSON and TMDB id, and how many matched in all.
    public struct SearchHits {
        public var movies: [ByteBuffer]
        public var tmdbIDs: [Int?]
        public var total: Int
    }

    /// A page of search hits, the movies of `withheld` (TMDB ids) left out.
    public func search(_ query: String, page: Int, pageSize: Int, withheld: Set<Int> = []) -> SearchHits {
        let hits = search.search(query, offset: (page - 1) * pageSize, limit: pageSize, excluding: withheld.compactMap { positionByTMDBID[$0] })
        let positions = hits.ids.compactMap { positionByID[$0] }
        return SearchHits(movies: positions.map { movieJSON[$0] }, tmdbIDs: positions.map { tmdbIDs[$0] }, total: hits.total)
    }

    /// The seed's search answer for one page: `{"current_page", "movies", "total_pages",
    /// "total_results"}`, keys sorted as the API's encoder sorts them, movies spliced in as
    /// their stored bytes.
    public static func searchPage(_ hits: SearchHits, page: Int, pageSize: Int) -> ByteBuffer {
        var body = ByteBuffer()
        body.reserveCapacity(hits.movies.reduce(96) { $0 + $1.readableBytes + 1 })
        body.writeString("{\"current_page\":\(page),\"movies\":[")
        for (index, movie) in hits.movies.enumerated() {
            if index > 0 { body.writeStaticString(",") }
            body.writeImmutableBuffer(movie)
        }
        let totalPages = (hits.total + pageSize - 1) / pageSize
        body.writeString("],\"total_pages\":\(totalPages),\"total_results\":\(hits.total)}")
        return body
    }
}
