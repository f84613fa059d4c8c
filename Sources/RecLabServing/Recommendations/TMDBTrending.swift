import Foundation
import RecLabCore
import RecLabObservability
import RecLabTMDB
import Synchronization

/// TMDB's trending lists for `/recommendations/trending`: each kept `TRENDING_CACHE_TTL`, then
/// served while a background refresh gets the next, so only a window's very first request
/// waits on TMDB; the last list TMDB gave stays in service while TMDB fails.
final class TMDBTrending: Sendable {
    /// A list and when TMDB gave it.
    struct Listing: Sendable {
        let movies: [TMDBMovie]
        let fetchedAt: ContinuousClock.Instant
    }

    let client: TMDBClient
    let lifetime: Duration
    /// Where movies TMDB lists that the catalogue lacks are added.
    let catalogue: TMDBCatalogue?
    /// Where refreshes nobody waits for run.
    let work: BackgroundWork
    private let kept = Mutex<[TMDBClient.TrendingWindow: Listing]>([:])
    private let refreshing = Mutex<Set<TMDBClient.TrendingWindow>>([])
    private let lookups = CacheLookups(cache: "tmdb_trending")

    init(client: TMDBClient, lifetime: Duration, catalogue: TMDBCatalogue?, work: BackgroundWork) {
        self.client = client
        self.lifetime = lifetime
        self.catalogue = catalogue
        self.work = work
    }

    /// The window's list: the kept one (refreshed in the background once it is older than its
    /// lifetime), else TMDB's now; nil when TMDB has not answered yet (the caller answers locally).
    func movies(_ window: TMDBClient.TrendingWindow) async -> [TMDBMovie]? {
        guard let listing = kept.withLock({ $0[window] }) else {
            lookups.miss.increment()
            // The client logged why it failed.
            return try? await refresh(window)
        }
        if ContinuousClock.now - listing.fetchedAt < lifetime {
            lookups.hit.increment()
        } else {
            lookups.miss.increment()
            refreshInBackground(window)
        }
        return listing.movies
    }

    private func refresh(_ window: TMDBClient.TrendingWindow) async throws -> [TMDBMovie] {
        let movies = try await client.trending(window).results.filter { ($0.mediaType ?? "movie") == "movie" }
        kept.withLock { $0[window] = Listing(movies: movies, fetchedAt: .now) }
        catalogue?.learn(movies)
        return movies
    }

    private func refreshInBackground(_ window: TMDBClient.TrendingWindow) {
        guard refreshing.withLock({ $0.insert(window).inserted }) else { return }
        work.submit { [self] in
            defer { refreshing.withLock { _ = $0.remove(window) } }
            _ = try? await refresh(window)
        }
    }
}

extension TimeWindow {
    /// TMDB's list for this window; TMDB has none for a month.
    var tmdb: TMDBClient.TrendingWindow? {
        switch self {
        case .day: .day
        case .week: .week
        case .month: nil
        }
    }
}
