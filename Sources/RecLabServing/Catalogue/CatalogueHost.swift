import Foundation
import Logging
import NIOCore
import RecLabCore
import RecLabStore
import Synchronization

/// The catalogue generation the read path serves, and the reloads that replace it.
///
/// A reload reads the whole catalogue from the store and builds the next snapshot (JSON,
/// search index) on the fitting thread, never on the event loops or the cooperative pool,
/// then swaps it in one step: a request sees the old catalogue or the new, never a mix.
/// Movies stored between reloads (fetched from TMDB) are answered from a small overlay until
/// a reload, asked for with `reloadSoon`, takes them in.
public final class CatalogueHost: Sendable {
    let movies: any MovieRepository
    let images: ImageURLs
    /// Where reloads run.
    let work: BackgroundWork
    let logger: Logger
    private let current = Mutex<CatalogueSnapshot?>(nil)
    /// Movies stored since the snapshot was read, by TMDB id, as their JSON.
    private let added = Mutex<[Int: ByteBuffer]>([:])
    private let reloads = Mutex(Reloads())

    private struct Reloads {
        var running = false
        var again = false
    }

    /// How long `reloadSoon` waits, so that a burst of additions costs one reload.
    static let reloadDelay = Duration.seconds(1)

    public init(movies: any MovieRepository, imageBaseURL: String, work: BackgroundWork, logger: Logger) {
        self.movies = movies
        self.images = ImageURLs(base: imageBaseURL)
        self.work = work
        self.logger = logger
    }

    /// The catalogue requests are answered from; nil before the first load.
    public var snapshot: CatalogueSnapshot? { current.withLock { $0 } }

    /// The snapshot; `CatalogueUnavailable.loading` before the first load.
    public func ready() throws(CatalogueUnavailable) -> CatalogueSnapshot {
        guard let snapshot else { throw .loading }
        return snapshot
    }

    /// The movie's JSON, from the snapshot or from the movies stored since.
    public func details(tmdbID: Int) throws -> ByteBuffer? {
        try ready().details(tmdbID: tmdbID) ?? added.withLock { $0[tmdbID] }
    }

    /// Serves movies just stored, until the next reload includes them.
    func serve(added movies: [Movie]) throws {
        let encoded = try movies.compactMap { movie in
            try movie.tmdbID.map { ($0, ByteBuffer(bytes: try JSONCoding.encoder.encode(MovieDocument(movie: movie, images: images)))) }
        }
        added.withLock { added in
            for (tmdbID, json) in encoded { added[tmdbID] = json }
        }
    }

    /// Reads the catalogue and swaps in the new generation.
    public func reload() async throws {
        let started = ContinuousClock.now
        let contents = try await movies.contents()
        let snapshot = try await withTaskExecutorPreference(BackgroundExecutor.fitting) { [images] in
            try CatalogueSnapshot(contents, encoder: JSONCoding.encoder, images: images)
        }
        current.withLock { $0 = snapshot }
        added.withLock { added in added = added.filter { snapshot.details(tmdbID: $0.key) == nil } }
        logger.info("catalogue loaded", metadata: [
            "movies": "\(snapshot.counts.movies)", "search_lists": "\(snapshot.search.precomputedLists)",
            "seconds": "\(String(format: "%.3f", (ContinuousClock.now - started).seconds))",
        ])
    }

    /// Reloads in the background shortly; calls meanwhile share that reload, and a call during
    /// a reload gets one more after it, so nothing stored is left out.
    func reloadSoon() {
        let start = reloads.withLock { state in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        work.submit { [self] in
            repeat {
                // Shutting down: the condition below ends the loop.
                guard (try? await Task.sleep(for: Self.reloadDelay)) != nil else { continue }
                do {
                    try await reload()
                } catch is CancellationError {
                } catch {
                    logger.error("catalogue reload failed; the previous catalogue keeps serving", metadata: ["error": "\(error)"])
                }
            } while reloads.withLock { state in
                if state.again, !Task.isCancelled {
                    state.again = false
                    return true
                }
                state = Reloads()
                return false
            }
        }
    }
}
