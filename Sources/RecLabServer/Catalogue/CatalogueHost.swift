import Foundation
import Logging
import RecLabStore
import Synchronization

/// The catalogue generation the read path serves, and the reloads that replace it.
///
/// A reload reads the whole catalogue from the store and builds the next snapshot (JSON,
/// search index) on the fitting thread, never on the event loops or the cooperative pool,
/// then swaps it in one step: a request sees the old catalogue or the new, never a mix.
public final class CatalogueHost: Sendable {
    let movies: any MovieRepository
    let logger: Logger
    private let current = Mutex<CatalogueSnapshot?>(nil)

    public init(movies: any MovieRepository, logger: Logger) {
        self.movies = movies
        self.logger = logger
    }

    /// The catalogue requests are answered from; nil before the first load.
    var snapshot: CatalogueSnapshot? { current.withLock { $0 } }

    /// The snapshot, or the 503 a request gets before the first load.
    func ready() throws -> CatalogueSnapshot {
        guard let snapshot else {
            throw APIError(.serviceUnavailable, code: "catalogue_loading", message: "the catalogue is still being loaded; try again shortly")
        }
        return snapshot
    }

    /// Reads the catalogue and swaps in the new generation.
    public func reload() async throws {
        let started = ContinuousClock.now
        let contents = try await movies.contents()
        let snapshot = try await withTaskExecutorPreference(BackgroundExecutor.fitting) {
            try CatalogueSnapshot(contents, encoder: RecLabRequestContext.encoder)
        }
        current.withLock { $0 = snapshot }
        logger.info("catalogue loaded", metadata: [
            "movies": "\(snapshot.counts.movies)", "search_lists": "\(snapshot.search.precomputedLists)",
            "seconds": "\(String(format: "%.3f", (ContinuousClock.now - started).seconds))",
        ])
    }
}
