import CoreMetrics

/// One cache's lookups as `reclab_cache_requests_total{cache, result}`: both series made up
/// front, so a dashboard sees 0 rather than no data before the first hit.
public struct CacheLookups: Sendable {
    public let hit: Counter
    public let miss: Counter

    public init(cache: String) {
        hit = Counter(label: Metric.cacheRequests.name, dimensions: [("cache", cache), ("result", "hit")])
        miss = Counter(label: Metric.cacheRequests.name, dimensions: [("cache", cache), ("result", "miss")])
    }
}
