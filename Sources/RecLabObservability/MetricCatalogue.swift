import Foundation

/// One Prometheus metric family RecLab exports: its full name, kind, labels and HELP.
///
/// Every family is declared here, once, so names, HELP text and label sets cannot drift
/// between the code paths that record them (swift-prometheus stops the process on a HELP or
/// type mismatch, and on labelled and unlabelled series in one family).
public struct MetricFamily: Sendable, Hashable {
    /// How the family is recorded through swift-metrics.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The name after `reclab_`, without the unit (`http_request_duration`).
    public let stem: String
    public let kind: Kind
    /// The base unit (`seconds`, `bytes`) or empty for a plain count.
    public let unit: String
    public let labels: [String]
    public let help: String
    /// Histogram bucket upper bounds, in the unit.
    public let buckets: [Double]

    init(_ stem: String, _ kind: Kind, unit: String = "", labels: [String] = [], buckets: [Double] = [], help: String) {
        self.stem = stem
        self.kind = kind
        self.unit = unit
        self.labels = labels
        self.help = help
        self.buckets = buckets
    }

    public static let namespace = "reclab"

    /// The exported name: `reclab_` + stem + `_unit`, and `_total` on counters only.
    public var name: String {
        [Self.namespace, stem, unit.isEmpty ? nil : unit, kind == .counter ? "total" : nil].compactMap { $0 }.joined(separator: "_")
    }
}

/// Every family RecLab exports, by area.
public enum Metric {
    /// 100 µs to 5 s: a cached answer and a slow search both land in a real bucket.
    static let httpBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    /// 10 µs to 1 s: in-process model calls take tens of microseconds to milliseconds.
    static let recommendBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    // HTTP
    public static let httpRequests = MetricFamily(
        "http_requests", .counter, labels: ["method", "route", "status"], help: "HTTP requests answered, by method, route template and status code.")
    public static let httpRequestDuration = MetricFamily(
        "http_request_duration", .histogram, unit: "seconds", labels: ["route"], buckets: httpBuckets,
        help: "Time from receiving a request to its response being written, by route template.")
    public static let httpRequestsInFlight = MetricFamily(
        "http_requests_in_flight", .gauge, help: "HTTP requests being handled right now.")

    public static let memoryTableEntries = MetricFamily(
        "memory_table_entries", .gauge, labels: ["table"],
        help: "Entries in each bounded in-memory table: the recommendation cache, the exposure buffer, and the per-client tables of rate limits, event quotas and admin failures.")
    public static let recommendationCacheBytes = MetricFamily(
        "recommendation_cache_bytes", .gauge, help: "Estimated bytes the recommendation cache holds (bounded by RECOMMENDATION_CACHE_MAX_BYTES).")
    public static let requestsShed = MetricFamily(
        "requests_shed", .counter, labels: ["reason"],
        help: "Requests the server refused or cut short to protect itself: overloaded (503, past MAX_CONCURRENT_REQUESTS and its queue), timeout (504, past REQUEST_TIMEOUT), client_gone (the client closed its connection first; logged as 499), client_busy (429, the client past MAX_CLIENT_REQUESTS in flight) or slow_body (408, a body below MIN_REQUEST_BODY_RATE).")
    public static let requestStages = MetricFamily(
        "requests_in_stage", .gauge, labels: ["stage"],
        help: "Requests now in each stage: receiving_body (headers in, body arriving; holds no slot), waiting (for one of MAX_CONCURRENT_REQUESTS slots) and in_work (holding one).")
    public static let connectionsRefused = MetricFamily(
        "connections_refused", .counter, labels: ["reason"],
        help: "Connections closed as soon as they opened: client_connections (the address already held MAX_CLIENT_CONNECTIONS).")
    public static let authenticationFailures = MetricFamily(
        "authentication_failures", .counter, labels: ["scope", "outcome"],
        help: "Wrong keys, by scope (api: API_KEY_HEADER with authentication on; admin: ADMIN_API_KEY) and outcome (refused: 401 or 403; locked_out: 429, the client past AUTH_FAILURE_LIMIT).")
    public static let rateLimited = MetricFamily(
        "rate_limited_requests", .counter, labels: ["policy"],
        help: "Requests refused with 429 because the client had spent its quota, by policy (default, search, recommendations).")

    // Recommendations
    public static let recommendationsServed = MetricFamily(
        "recommendations_served", .counter, labels: ["surface", "strategy", "experiment", "variant"],
        help: "Recommendation answers served, by surface, strategy id and experiment variant (\"none\" outside experiments).")
    public static let recommendDuration = MetricFamily(
        "recommend_duration", .histogram, unit: "seconds", labels: ["strategy"], buckets: recommendBuckets,
        help: "Time a fitted model takes to answer one request, by strategy id (cache misses only).")
    public static let recommendationsEmpty = MetricFamily(
        "recommendations_empty", .counter, labels: ["surface", "strategy"], help: "Recommendation answers with no movie in them.")
    public static let cacheRequests = MetricFamily(
        "cache_requests", .counter, labels: ["cache", "result"], help: "Cache lookups, by cache and result (hit or miss).")

    // TMDB
    /// 10 ms to 30 s: a nearby TMDB answers in tens of milliseconds, a failing one times out.
    static let tmdbBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    public static let tmdbRequests = MetricFamily(
        "tmdb_requests", .counter, labels: ["endpoint", "outcome"],
        help: "HTTP requests to TMDB (each retry counted), by endpoint and outcome: ok, not_found, refused, rate_limited, server_error, client_error, timeout, unreachable, malformed; skipped counts calls failed at once while TMDB is paused (refused key) or cooling down after a failure.")
    public static let tmdbRequestDuration = MetricFamily(
        "tmdb_request_duration", .histogram, unit: "seconds", labels: ["endpoint"], buckets: tmdbBuckets,
        help: "Time each HTTP request to TMDB took, answered or not, by endpoint.")

    // Models and data
    public static let modelFitDuration = MetricFamily(
        "model_fit_duration", .gauge, unit: "seconds", labels: ["model", "strategy"], help: "How long the latest fit of each model (strategy instance) took.")
    public static let modelLastFit = MetricFamily(
        "model_last_fit_timestamp", .gauge, unit: "seconds", labels: ["model", "strategy"],
        help: "When each model (strategy instance) was last fitted, in seconds since 1970.")
    public static let modelGenerations = MetricFamily(
        "model_generations", .counter, labels: ["outcome"],
        help: "Shared model generations (MODELS_DIR) by outcome: written after a fit, loaded from another replica's fit, failed to load (the models serving stay).")
    public static let modelItems = MetricFamily(
        "model_items", .gauge, labels: ["model"], help: "Movies each fitted model can recommend.")
    public static let modelFactors = MetricFamily(
        "model_factors", .gauge, labels: ["model"], help: "Latent factors of each factor model (ALS).")
    public static let catalogueMovies = MetricFamily("catalogue_movies", .gauge, help: "Movies in the catalogue.")
    public static let ratings = MetricFamily("ratings", .gauge, help: "Ratings in the store (MovieLens data set).")
    public static let usersWithPreferences = MetricFamily("users_with_preferences", .gauge, help: "Users who have posted at least one preference.")

    // Experiments
    public static let experimentAssignments = MetricFamily(
        "experiment_assignments", .counter, labels: ["experiment", "variant"],
        help: "Recommendation answers served by each experiment variant (forced QA answers excluded).")
    public static let eventsIngested = MetricFamily(
        "events_ingested", .counter, labels: ["type"], help: "Feedback events stored by POST /events, by type (duplicates excluded).")
    public static let experimentSampleRatioPValue = MetricFamily(
        "experiment_sample_ratio_p_value", .gauge, labels: ["experiment"],
        help: "Chi-square p-value of users per variant against the weights; below 0.001 is a sample-ratio mismatch.")

    // Offline evaluation
    public static let offlineNDCG = MetricFamily(
        "offline_ndcg_at_10", .gauge, labels: ["model"],
        help: "ndcg@10 of each serving model in the newest offline evaluation (protocol v1) of its strategy and parameters; NaN if none.")
    public static let offlineRecall = MetricFamily(
        "offline_recall_at_10", .gauge, labels: ["model"],
        help: "recall@10 of each serving model in the newest offline evaluation (protocol v1) of its strategy and parameters; NaN if none.")
    public static let offlineCoverage = MetricFamily(
        "offline_coverage_at_10", .gauge, labels: ["model"],
        help: "Catalogue coverage@10 of each serving model in the newest offline evaluation of its strategy and parameters; NaN if none.")

    // Process
    public static let residentMemory = MetricFamily(
        "process_resident_memory", .gauge, unit: "bytes", help: "Resident memory of the server process (VmRSS).")
    public static let heapMemory = MetricFamily(
        "process_heap", .gauge, unit: "bytes", labels: ["state"],
        help: "The allocator's (jemalloc's) heap, read at each scrape: in_use (allocated and live), free (resident beyond in_use: fragmentation and freed pages not yet returned), mapped (all it has mapped).")
    public static let openFileDescriptors = MetricFamily(
        "process_open_fds", .gauge, help: "File descriptors the server process has open.")
    public static let startTime = MetricFamily(
        "process_start_time", .gauge, unit: "seconds", help: "When the server process started, in seconds since 1970.")

    public static let all: [MetricFamily] = [
        httpRequests, httpRequestDuration, httpRequestsInFlight, requestsShed, requestStages, connectionsRefused, authenticationFailures, rateLimited, memoryTableEntries, recommendationCacheBytes,
        recommendationsServed, recommendDuration, recommendationsEmpty, cacheRequests, tmdbRequests, tmdbRequestDuration,
        modelFitDuration, modelLastFit, modelGenerations, modelItems, modelFactors, catalogueMovies, ratings, usersWithPreferences,
        experimentAssignments, eventsIngested, experimentSampleRatioPValue,
        offlineNDCG, offlineRecall, offlineCoverage,
        residentMemory, heapMemory, openFileDescriptors, startTime,
    ]
}
