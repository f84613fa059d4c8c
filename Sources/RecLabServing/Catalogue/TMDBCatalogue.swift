import Foundation
import Logging
import NIOCore
import RecLabCore
import RecLabStore
import RecLabTMDB
import Synchronization

/// Movies the catalogue lacks, taken from TMDB and stored as `DatasetKind.tmdbAPI`: an unknown
/// id asked for, results filling a short search page, trending movies not known yet (their
/// details fetched in the background). Stored movies are answered at once and join the
/// search index and, at the next refit, the models.
public final class TMDBCatalogue: Sendable {
    let client: TMDBClient
    let store: any MovieRepository & CatalogueImporting
    let catalogue: CatalogueHost
    /// Where fetches nobody waits for run.
    let work: BackgroundWork
    let logger: Logger
    /// Ids whose details a background fetch is getting, so none is fetched twice at once.
    private let fetching = Mutex<Set<Int>>([])

    init(client: TMDBClient, store: any MovieRepository & CatalogueImporting, catalogue: CatalogueHost, work: BackgroundWork, logger: Logger) {
        self.client = client
        self.store = store
        self.catalogue = catalogue
        self.work = work
        self.logger = logger
    }

    /// The movie's JSON, fetched from TMDB and stored; nil when TMDB has no such movie.
    /// `CatalogueUnavailable` when TMDB cannot be asked: whether the movie exists is then unknown.
    public func details(tmdbID: Int) async throws -> ByteBuffer? {
        let details: TMDBMovieDetails
        do {
            details = try await client.movie(id: tmdbID)
        } catch TMDBError.notFound {
            return nil
        } catch {
            throw CatalogueUnavailable.tmdbUnreachable(tmdbID: tmdbID, reason: "\(error)")
        }
        try await store([SourceMovie(tmdb: details)])
        return try catalogue.details(tmdbID: tmdbID)
    }

    /// Up to `limit` of TMDB's results for the query that are not among `shown`, as JSON;
    /// those the catalogue lacks are stored first. None when TMDB fails: the local page stands.
    public func search(_ query: String, excluding shown: Set<Int>, limit: Int) async -> [ByteBuffer] {
        guard limit > 0, let page = try? await client.searchMovies(query) else { return [] }
        let wanted = page.results.filter { !shown.contains($0.id) }.prefix(limit)
        let unknown = wanted.filter { (try? catalogue.details(tmdbID: $0.id)) == nil }
        if !unknown.isEmpty {
            do {
                try await store(unknown.map { SourceMovie(tmdb: $0) })
                fetchDetails(unknown.map(\.id))
            } catch {
                logger.error("storing TMDB's search results failed", metadata: ["error": "\(error)"])
            }
        }
        return wanted.compactMap { try? catalogue.details(tmdbID: $0.id) }
    }

    /// Adds, in the background, the listed movies the catalogue lacks (trending).
    func learn(_ listed: [TMDBMovie]) {
        fetchDetails(listed.map(\.id).filter { (try? catalogue.details(tmdbID: $0)) == nil })
    }

    /// Fetches the movies' details at the client's pace and stores them in one write.
    private func fetchDetails(_ ids: [Int]) {
        let claimed = fetching.withLock { fetching in ids.filter { fetching.insert($0).inserted } }
        guard !claimed.isEmpty else { return }
        work.submit { [self] in
            defer { fetching.withLock { $0.subtract(claimed) } }
            var movies: [SourceMovie] = []
            for id in claimed {
                // A failure was logged by the client; the movie is asked for again when listed again.
                if let details = try? await client.movie(id: id) { movies.append(SourceMovie(tmdb: details)) }
            }
            // Shutting down: nothing is written once shutdown has begun.
            guard !Task.isCancelled else { return }
            do {
                try await store(movies)
            } catch {
                logger.error("storing TMDB's movies failed", metadata: ["error": "\(error)", "movies": "\(movies.count)"])
            }
        }
    }

    /// Warns when `TMDB_IMAGE_BASE_URL` is not one of TMDB's image roots (`/configuration`)
    /// followed by a size TMDB serves posters in: every `poster_url` would be broken.
    func checkImageBase() async {
        guard let images = try? await client.imageConfiguration() else { return }
        let base = catalogue.images.base
        let root = images.secureBaseUrl.hasSuffix("/") ? images.secureBaseUrl : images.secureBaseUrl + "/"
        let size = base.hasPrefix(root) ? String(base.dropFirst(root.count)) : nil
        if let size, images.posterSizes.contains(size) { return }
        logger.warning("TMDB_IMAGE_BASE_URL is not an image root and size TMDB serves; poster_url and backdrop_url may not load", metadata: [
            "configured": "\(base)", "tmdb_root": "\(root)", "poster_sizes": "\(images.posterSizes.joined(separator: ","))",
        ])
    }

    /// Writes the movies and serves them at once. The write is on the store's change feed, so
    /// every process following it (this one too) reloads its catalogue and indexes them.
    private func store(_ movies: [SourceMovie]) async throws {
        guard !movies.isEmpty else { return }
        try Task.checkCancellation()
        let source = Dataset(kind: .tmdbAPI, location: URL(string: client.configuration.baseURL)!, movies: movies, rowsRead: movies.count)
        _ = try await store.importDatasets([source], progress: nil)
        var stored: [Movie] = []
        for tmdbID in movies.compactMap(\.tmdbID) {
            if let movie = try await store.movie(tmdbID: tmdbID) { stored.append(movie) }
        }
        try catalogue.serve(added: stored)
        logger.info("movies added from TMDB", metadata: ["movies": "\(stored.count)"])
    }
}
