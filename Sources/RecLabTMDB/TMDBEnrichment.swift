import Foundation
import RecLabStore

/// `reclab import tmdb`: gives catalogue movies TMDB's full details (overview, tagline,
/// runtime, votes, popularity, keywords, cast, crew, companies, image paths), a batch at a
/// time, each batch its own transaction, so an interrupted run loses at most one batch and the
/// next run goes on from there. The client keeps its pace under TMDB's limit.
public struct TMDBEnrichment: Sendable {
    /// What a run did.
    public struct Report: Sendable, Equatable {
        /// Movies now described by TMDB's API.
        public var enriched = 0
        /// Ids TMDB does not know, remembered so later runs skip them.
        public var unknownToTMDB = 0
        /// Movies left for a later run because TMDB failed for them.
        public var failed = 0
        public var remaining = 0

        public init() {}
    }

    /// TMDB kept failing: the run stopped, and the next one resumes where it did.
    public struct Stopped: Error, CustomStringConvertible {
        public let report: Report
        public let error: TMDBError

        public var description: String {
            "TMDB failed (\(error)) after \(report.enriched) movies were enriched; run again to go on from there"
        }
    }

    public let client: TMDBClient
    public let store: any CatalogueImporting
    /// Movies written per transaction.
    public var batchSize = 50
    /// Details requests in flight at once (the client paces them).
    public var concurrency = 8

    public init(client: TMDBClient, store: any CatalogueImporting) {
        self.client = client
        self.store = store
    }

    /// Enriches up to `limit` movies (all that await TMDB's details when nil).
    public func run(limit: Int?, progress: ImportProgress?) async throws -> Report {
        let ids = try await store.moviesAwaitingTMDBDetails(limit: limit)
        var report = Report()
        let phase = "enriching from TMDB"
        progress?(phase, 0, ids.count)
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            try Task.checkCancellation()
            let batch = Array(ids[start..<min(start + batchSize, ids.count)])
            let outcomes = await fetch(batch)
            var movies: [SourceMovie] = []
            var unknown: [Int] = []
            var failures: [TMDBError] = []
            for (id, outcome) in outcomes {
                switch outcome {
                case .success(let details): movies.append(SourceMovie(tmdb: details))
                case .failure(.notFound): unknown.append(id)
                case .failure(let error): failures.append(error)
                }
            }
            if !movies.isEmpty {
                let dataset = Dataset(kind: .tmdbAPI, location: URL(string: client.configuration.baseURL)!, movies: movies, rowsRead: movies.count)
                _ = try await store.importDatasets([dataset], progress: nil)
            }
            if !unknown.isEmpty { try await store.recordUnknownToTMDB(unknown) }
            report.enriched += movies.count
            report.unknownToTMDB += unknown.count
            report.failed += failures.count
            progress?(phase, start + batch.count, ids.count)
            // A batch with no answer at all means TMDB is down or refuses the key: stop, not
            // spin through thousands of ids failing at once.
            if let error = failures.first, movies.isEmpty, unknown.isEmpty {
                report.remaining = ids.count - start - batch.count + failures.count
                throw Stopped(report: report, error: error)
            }
        }
        return report
    }

    private func fetch(_ ids: [Int]) async -> [(Int, Result<TMDBMovieDetails, TMDBError>)] {
        await withTaskGroup(of: (Int, Result<TMDBMovieDetails, TMDBError>).self) { group in
            var pending = ids[...]
            var outcomes: [(Int, Result<TMDBMovieDetails, TMDBError>)] = []
            func next() {
                guard let id = pending.popFirst() else { return }
                group.addTask {
                    do {
                        return (id, .success(try await client.movie(id: id)))
                    } catch let error as TMDBError {
                        return (id, .failure(error))
                    } catch {
                        return (id, .failure(.unreachable("\(error)")))
                    }
                }
            }
            for _ in 0..<concurrency { next() }
            for await outcome in group {
                outcomes.append(outcome)
                next()
            }
            return outcomes
        }
    }
}
