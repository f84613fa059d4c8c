import Foundation
import Synchronization

/// The last minute of requests per route template, second by second: the live request rate
/// and latency quantiles the console shows, from the same timings the HTTP middleware records
/// into `reclab_http_request_duration_seconds`.
///
/// Prometheus's buckets are too coarse for a p99 a person reads (0.1 s next to 0.25 s), so each
/// second keeps its own histogram with buckets a quarter of a power of two wide (a p99 within
/// 19%), from 10 µs to 90 s. Memory is bounded by the routes, which are templates.
public final class RouteActivity: Sendable {
    /// One route's figures over the window.
    public struct Figures: Sendable, Equatable {
        public let route: String
        /// Requests a second over the last `rateSeconds`.
        public let perSecond: Double
        /// Requests in the whole window.
        public let requests: Int
        /// Quantiles over the whole window, in milliseconds (a bucket's upper bound).
        public let p50Milliseconds: Double
        public let p99Milliseconds: Double
    }

    /// Seconds kept for the quantiles; the rate reads the newest `rateSeconds` of them.
    public static let windowSeconds = 60
    public static let rateSeconds = 10
    static let bucketsPerOctave = 4.0
    static let smallestNanoseconds = 10_000.0
    static let buckets = 96

    private struct Route {
        /// The second each slot holds, and its requests and histogram.
        var seconds = [Int](repeating: -1, count: RouteActivity.windowSeconds)
        var counts = [Int](repeating: 0, count: RouteActivity.windowSeconds)
        var histogram = [UInt32](repeating: 0, count: RouteActivity.windowSeconds * RouteActivity.buckets)

        /// A slot is reused for a new second once the window has passed it.
        mutating func add(second: Int, slot: Int, bucket: Int) {
            if seconds[slot] != second {
                seconds[slot] = second
                counts[slot] = 0
                let start = slot * RouteActivity.buckets
                for index in start..<(start + RouteActivity.buckets) { histogram[index] = 0 }
            }
            counts[slot] += 1
            histogram[slot * RouteActivity.buckets + bucket] += 1
        }
    }

    private let routes = Mutex<[String: Route]>([:])
    private let origin = ContinuousClock.now
    private let clock: @Sendable () -> Duration

    /// `clock` is the time since the activity began; tests step it by hand.
    public init(clock: (@Sendable () -> Duration)? = nil) {
        let origin = self.origin
        self.clock = clock ?? { ContinuousClock.now - origin }
    }

    /// One request to `route` that took `nanoseconds`.
    public func record(route: String, nanoseconds: Int64) {
        let second = Int(clock().components.seconds)
        let slot = second % Self.windowSeconds
        let bucket = Self.bucket(nanoseconds)
        routes.withLock { routes in
            routes[route, default: Route()].add(second: second, slot: slot, bucket: bucket)
        }
    }

    /// Every route with a request in the window, busiest first.
    public func figures() -> [Figures] {
        let now = Int(clock().components.seconds)
        let copies = routes.withLock { $0 }
        return copies.compactMap { route, window -> Figures? in
            var merged = [Int](repeating: 0, count: Self.buckets)
            var requests = 0
            var recent = 0
            for slot in 0..<Self.windowSeconds {
                let age = now - window.seconds[slot]
                guard window.seconds[slot] >= 0, age < Self.windowSeconds else { continue }
                requests += window.counts[slot]
                if age < Self.rateSeconds { recent += window.counts[slot] }
                for bucket in 0..<Self.buckets { merged[bucket] += Int(window.histogram[slot * Self.buckets + bucket]) }
            }
            guard requests > 0 else { return nil }
            // The current second is under way: the rate is over the seconds that ended, and this one.
            let elapsed = min(Double(Self.rateSeconds), Double(now) + 1)
            return Figures(
                route: route, perSecond: Double(recent) / elapsed, requests: requests,
                p50Milliseconds: Self.quantile(0.5, merged, count: requests), p99Milliseconds: Self.quantile(0.99, merged, count: requests))
        }.sorted { ($0.perSecond, $1.route) > ($1.perSecond, $0.route) }
    }

    static func bucket(_ nanoseconds: Int64) -> Int {
        guard Double(nanoseconds) > smallestNanoseconds else { return 0 }
        let bucket = Int((log2(Double(nanoseconds) / smallestNanoseconds) * bucketsPerOctave).rounded(.up))
        return min(bucket, buckets - 1)
    }

    /// The upper bound, in milliseconds, of the bucket holding the `probability` quantile.
    static func quantile(_ probability: Double, _ histogram: [Int], count: Int) -> Double {
        let rank = Int((probability * Double(count)).rounded(.up))
        var seen = 0
        for (bucket, requests) in histogram.enumerated() {
            seen += requests
            if seen >= rank { return upperBound(bucket) / 1_000_000 }
        }
        return upperBound(buckets - 1) / 1_000_000
    }

    static func upperBound(_ bucket: Int) -> Double {
        smallestNanoseconds * exp2(Double(bucket) / bucketsPerOctave)
    }
}
