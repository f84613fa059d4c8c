import Foundation
import RecLabCore
import RecLabObservability
import RecLabTMDB
import Synchronization

/// TMDB's trending lists for `/recommendations/trending`: each kept `TRENDING_CACHE_TTL`, and
/// the last one TMDB gave kept beyond that for when TMDB fails or is slow.
final class TMDBTrending: Sendable {
    /// A list and when TMDB gave it.
    struct Listing: Sendable {
        let movies: [TMDBMovie]
        let fetchedAt: ContinuousClock.Instant
    }

    let client: TMDBClient
    let lifetime: Duration
    private let kept = Mutex<[TMDBClient.TrendingWindow: Listing]>([:])
    private let lookups = CacheLookups(cache: "tmdb_trending")

    init(client: TMDBClient, lifetime: Duration) {
        self.client = client
        self.lifetime = lifetime
    }

    /// The window's list: kept if fresh, else TMDB's now, else the last TMDB gave; nil when
    /// TMDB has never answered (the caller answers locally).
    func movies(_ window: TMDBClient.TrendingWindow) async -> [TMDBMovie]? {
        let listing = kept.withLock { $0[window] }
        if let listing, ContinuousClock.now - listing.fetchedAt < lifetime {
            lookups.hit.increment()
            return listing.movies
        }
        lookups.miss.increment()
        do {
            let movies = try await client.trending(window).results.filter { ($0.mediaType ?? "movie") == "movie" }
            kept.withLock { $0[window] = Listing(movies: movies, fetchedAt: .now) }
            return movies
        } catch {
            // The client logged why; the last list is better than none.
            return listing?.movies
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
