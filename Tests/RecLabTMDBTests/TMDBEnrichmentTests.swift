import FakeTMDB
import Foundation
import Logging
import RecLabCore
import RecLabStore
import RecLabTMDB
import TestSupport
import Testing

/// `reclab import tmdb`'s work against a fake TMDB and a copy of the real catalogue: batches
/// written as they come, ids TMDB lacks remembered, a stopped run resumed.
@Suite struct TMDBEnrichmentTests {
    static func enrichment(_ fake: FakeTMDB, _ store: any CatalogueImporting) -> TMDBEnrichment {
        var enrichment = TMDBEnrichment(
            client: TMDBClient(
                configuration: TMDBConfiguration(credential: .apiKey(FakeTMDB.apiKey), baseURL: fake.baseURL, requestsPerSecond: 1000, backoff: .milliseconds(20)),
                logger: Logger(label: "tmdb-test")),
            store: store)
        enrichment.batchSize = 10
        return enrichment
    }

    static func askedIDs(_ fake: FakeTMDB) -> Set<Int> {
        Set(fake.received.compactMap { $0.path.hasPrefix("/movie/") ? Int($0.path.dropFirst("/movie/".count)) : nil })
    }

    @Test func moviesGetTMDBsDetailsAndTheNextRunGoesOnFromWhereTheLastStopped() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        let store = try await RealCatalogue.privateCopy()
        let awaiting = try await store.moviesAwaitingTMDBDetails(limit: nil).count
        #expect(awaiting > 9_000)

        let first = try await Self.enrichment(fake, store).run(limit: 30, progress: nil)
        #expect(first.enriched + first.unknownToTMDB == 30 && first.failed == 0)
        #expect(first.enriched > 0 && first.unknownToTMDB > 0, "the fake knows TMDB 5000's movies, not every MovieLens one")
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil).count == awaiting - 30)
        let toyStory = try #require(try await store.movie(tmdbID: 862))
        #expect(toyStory.posterPath == "/p862.jpg" && toyStory.backdropPath == "/b862.jpg")
        #expect(toyStory.cast.map(\.name).contains("Ann Actor") && toyStory.ratingSource == .tmdb)
        #expect(toyStory.movieLensID == 1, "merged into the catalogue's movie, not added beside it")

        let askedFirst = Self.askedIDs(fake)
        let second = try await Self.enrichment(fake, store).run(limit: 30, progress: nil)
        #expect(second.enriched + second.unknownToTMDB == 30)
        #expect(Self.askedIDs(fake).count == 60, "neither the enriched movies nor the ids TMDB lacks were asked for again")
        #expect(askedFirst.isSubset(of: Self.askedIDs(fake)))
    }

    @Test func whenTMDBFailsTheRunStopsAndNothingIsMarkedDone() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        let store = try await RealCatalogue.privateCopy()
        let awaiting = try await store.moviesAwaitingTMDBDetails(limit: nil).count
        fake.behave(.status(500, code: 11, message: "Internal error: Something went wrong, contact TMDb."))
        let stopped = await #expect(throws: TMDBEnrichment.Stopped.self) { try await Self.enrichment(fake, store).run(limit: 100, progress: nil) }
        #expect(stopped?.report.enriched == 0 && stopped?.report.remaining == 100)
        #expect(stopped?.description.contains("run again") == true)
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil).count == awaiting)
    }

    @Test func anInterruptedRunKeepsTheBatchesItWroteAndTheNextFinishes() async throws {
        let fake = try await FakeTMDB.start()
        defer { fake.stop() }
        fake.delay(.milliseconds(30))
        let store = try await RealCatalogue.privateCopy()
        let awaiting = try await store.moviesAwaitingTMDBDetails(limit: nil).count
        let run = Task { try await Self.enrichment(fake, store).run(limit: 200, progress: nil) }
        // Stop it once some batches are written.
        while try await store.moviesAwaitingTMDBDetails(limit: nil).count > awaiting - 20 { try await Task.sleep(for: .milliseconds(20)) }
        run.cancel()
        _ = await run.result
        let done = awaiting - (try await store.moviesAwaitingTMDBDetails(limit: nil).count)
        #expect(done >= 20 && done < 200)
        let rest = try await Self.enrichment(fake, store).run(limit: 200 - done, progress: nil)
        #expect(rest.enriched + rest.unknownToTMDB + rest.failed == 200 - done)
        #expect(try await store.moviesAwaitingTMDBDetails(limit: nil).count <= awaiting - 200 + rest.failed)
    }
}
