import Configuration
import Foundation
import Logging
import RecLabDatasets
import RecLabObservability
import RecLabTMDB

/// The server's settings, read from environment variables and an optional `.env` file, with
/// the seed's variable names where it has one.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Where the data lives: a SQLite file, or a PostgreSQL database several replicas share.
    public var database: DatabaseLocation
    /// Connections each process may open to PostgreSQL.
    public var databasePoolSize: Int
    /// Seconds a connection attempt or one statement may take on PostgreSQL.
    public var databaseTimeout: Int
    public var logLevel: Logger.Level
    /// How log lines are written: readable text, or one JSON object per line.
    public var logFormat: LogFormat
    public var maxRecommendations: Int
    /// Seconds clients and proxies may cache catalogue answers (`Cache-Control: max-age`).
    public var cacheTTL: Int
    /// A folder of data sets imported when the database is empty (like ../shared/datasets).
    public var dataDirectory: String?
    /// Where downloaded data sets are kept.
    public var cacheDirectory: String?
    /// Where ml-latest-small is downloaded from when no data directory is given.
    public var datasetURL: URL
    /// The strategy instances and which serves which surface.
    public var strategiesFile: String
    /// The folder of A/B experiment files.
    public var experimentsDirectory: String
    /// Seconds a recommendation answer is reused; 0 turns the cache off.
    public var recommendationCacheTTL: Int
    /// The key `X-API-Key` must carry on `/admin` calls; nil disables them.
    public var adminAPIKey: String?
    /// Seconds between scheduled refits; nil: only on start-up and `POST /admin/refit`.
    public var refitInterval: Int?
    /// Requests a client may make per `rateLimitWindow` on any route, on search, and on
    /// recommendations; nil: no limit.
    public var rateLimitRequests: Int?
    public var rateLimitSearch: Int?
    public var rateLimitRecommendations: Int?
    /// Seconds of the rate-limit window.
    public var rateLimitWindow: Int
    /// Proxy addresses whose `X-Forwarded-For` names the client.
    public var trustedProxies: Set<String>
    /// Origins whose browsers may call the API (CORS); empty: none.
    public var corsOrigins: Set<String>
    /// The header a client's API key comes in.
    public var apiKeyHeader: String
    /// The largest request body accepted, in bytes (413 beyond).
    public var maxRequestBodyBytes: Int
    /// Whether every request but those to `authenticationOpenPaths` needs a key of `apiKeysFile`.
    public var authenticationEnabled: Bool
    /// The hashed client keys (`reclab keys`).
    public var apiKeysFile: String
    /// Paths open without a key when authentication is on.
    public var authenticationOpenPaths: Set<String>
    /// The recommendation cache's memory budget, in bytes.
    public var recommendationCacheMaxBytes: Int
    /// The most memory one strategy's fit may take; nil: no limit.
    public var modelMemoryLimit: Int?
    /// The folder replicas share fitted model generations through; nil: each fits its own.
    public var modelsDirectory: String?
    /// Clients each per-client table (rate limits, event quotas, admin failures) tracks at most.
    public var maxTrackedClients: Int
    /// Requests in work at once (as many more may wait a second for a turn; 503 beyond).
    public var maxConcurrentRequests: Int
    /// Connections one client address may hold open at once (trusted proxies are not limited).
    public var maxClientConnections: Int
    /// Requests one client may have in flight at once, from headers to answer (429 beyond).
    public var maxClientRequests: Int
    /// Bytes a second a request body must arrive at, on average, once its grace period is over; 0: no minimum.
    public var minRequestBodyRate: Int
    /// Seconds a request body may take before its rate is checked.
    public var requestBodyGracePeriod: Int
    /// Wrong keys (API or admin) one client may send within `authLockout` before it is locked out.
    public var authFailureLimit: Int
    /// How long failures are remembered, and how long a client that reached the limit is locked out.
    public var authLockout: Duration
    /// Seconds a request may take before it is answered 504 and its work cancelled.
    public var requestTimeout: Int
    /// Seconds a connection may stay silent (between requests, or mid-header or mid-body) before it is closed.
    public var idleTimeout: Int
    /// Open connections at most; past it the server stops accepting until one closes.
    public var maxConnections: Int
    /// Seconds a SIGTERM waits for requests in work before it cancels them.
    public var shutdownTimeout: Int
    /// How long after an answer was shown an event about it is credited to its experiment.
    public var attributionWindow: Duration
    /// Days events and exposures are kept; nil: for ever.
    public var eventRetentionDays: Int?
    /// Events one client may post per minute; nil: no quota.
    public var eventQuotaPerMinute: Int?
    /// The offline evaluation the server runs when none is stored, so
    /// `/analytics/model-performance` has scores from the first start; nil: none.
    public var evaluationConfig: String?
    /// TMDB v3, when `TMDB_API_KEY` or `TMDB_READ_ACCESS_TOKEN` is set; nil: RecLab answers from
    /// its own catalogue alone.
    public var tmdb: TMDBConfiguration?
    /// Where TMDB image paths become URLs (a size included, like `…/t/p/w500`).
    public var tmdbImageBaseURL: String
    /// Seconds a TMDB trending list is reused.
    public var trendingCacheTTL: Int

    /// The two ways log lines are written.
    public enum LogFormat: String, Sendable {
        case text, json
    }

    /// One configuration variable: its name, default and meaning, shown by `reclab serve --help`
    /// and in the README.
    public struct Variable: Sendable {
        public let name: String
        public let defaultValue: String
        public let meaning: String
    }

    static let defaultDatasetURL = DatasetDescriptor.movieLensLatestSmall.downloadURL.absoluteString

    public static let variables: [Variable] = [
        Variable(name: "HOST", defaultValue: "0.0.0.0", meaning: "address to listen on"),
        Variable(name: "PORT", defaultValue: "8013", meaning: "TCP port, 0–65535 (0 picks a free one)"),
        Variable(name: "DATABASE_URL", defaultValue: "movie_recommendation.db", meaning: "SQLite file (a path, or sqlite:///absolute/path), or postgres://user:password@host:port/database"),
        Variable(name: "DATABASE_POOL_SIZE", defaultValue: "10", meaning: "connections each process may open to PostgreSQL, 2–1000 (one listens for changes)"),
        Variable(name: "DATABASE_TIMEOUT", defaultValue: "30", meaning: "seconds a PostgreSQL connection attempt or statement may take, 1–3600"),
        Variable(name: "LOG_LEVEL", defaultValue: "INFO", meaning: "TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR or CRITICAL"),
        Variable(name: "LOG_FORMAT", defaultValue: "text", meaning: "text, or json: one JSON object per line"),
        Variable(name: "MAX_RECOMMENDATIONS", defaultValue: "50", meaning: "largest `limit` a recommendation request may ask, 1–1000"),
        Variable(name: "CACHE_TTL", defaultValue: "3600", meaning: "seconds clients may cache catalogue answers; 0: no-store"),
        Variable(name: "STRATEGIES_FILE", defaultValue: "experiments/strategies.yaml", meaning: "strategy instances and the surfaces they serve"),
        Variable(name: "EXPERIMENTS_DIR", defaultValue: "experiments", meaning: "folder of A/B experiment files (*.yaml but strategies.yaml)"),
        Variable(name: "ENABLE_CACHE", defaultValue: "true", meaning: "cache recommendation answers in memory"),
        Variable(name: "RECOMMENDATION_CACHE_TTL", defaultValue: "1800", meaning: "seconds a recommendation answer is reused"),
        Variable(name: "ADMIN_API_KEY", defaultValue: "(unset)", meaning: "X-API-Key for /admin calls; unset disables them"),
        Variable(name: "REFIT_INTERVAL", defaultValue: "0", meaning: "seconds between scheduled refits; 0: none"),
        Variable(name: "RATE_LIMIT_REQUESTS", defaultValue: "(unset)", meaning: "requests a client may make per window on any route; unset: no limit"),
        Variable(name: "RATE_LIMIT_SEARCH", defaultValue: "(unset)", meaning: "requests a client may make per window on /movies/search"),
        Variable(name: "RATE_LIMIT_RECOMMENDATIONS", defaultValue: "(unset)", meaning: "requests a client may make per window on recommendation routes"),
        Variable(name: "RATE_LIMIT_WINDOW", defaultValue: "60", meaning: "seconds of the rate-limit window, 1–86400"),
        Variable(name: "TRUSTED_PROXIES", defaultValue: "(unset)", meaning: "comma-separated proxy addresses whose X-Forwarded-For names the client"),
        Variable(name: "CORS_ORIGINS", defaultValue: "(unset)", meaning: "comma-separated origins whose browsers may call the API"),
        Variable(name: "API_KEY_HEADER", defaultValue: "X-API-Key", meaning: "header a client's API key comes in (rate limits count per verified key)"),
        Variable(name: "MAX_REQUEST_BODY_BYTES", defaultValue: "1048576", meaning: "largest request body accepted, 1 KiB–64 MiB; 413 beyond"),
        Variable(name: "ENABLE_AUTHENTICATION", defaultValue: "false", meaning: "true: every request needs a key of API_KEYS_FILE in API_KEY_HEADER"),
        Variable(name: "API_KEYS_FILE", defaultValue: "api_keys.txt", meaning: "hashed client keys, managed by `reclab keys add|list|revoke`"),
        Variable(name: "AUTH_OPEN_PATHS", defaultValue: "/health,/health/ready,/metrics", meaning: "comma-separated paths open without a key"),
        Variable(name: "RECOMMENDATION_CACHE_MAX_BYTES", defaultValue: "67108864", meaning: "memory the answer cache may use; the oldest answers go first"),
        Variable(name: "MODEL_MEMORY_LIMIT", defaultValue: "(3/4 of RAM or of the cgroup limit)", meaning: "bytes one strategy's fit may use; a fit that would need more refuses, saying what to change; 0: no limit"),
        Variable(name: "MODELS_DIR", defaultValue: "(unset)", meaning: "folder replicas share fitted model generations through: one fits and writes, the others load; unset: each process fits its own"),
        Variable(name: "RATE_LIMIT_MAX_CLIENTS", defaultValue: "100000", meaning: "clients each rate-limit, quota or failed-key table tracks at most"),
        Variable(name: "MAX_CONCURRENT_REQUESTS", defaultValue: "128", meaning: "requests in work at once; as many may queue a second, 503 beyond"),
        Variable(name: "MAX_CLIENT_CONNECTIONS", defaultValue: "128", meaning: "connections one client address may hold open; more are closed at once (TRUSTED_PROXIES exempt)"),
        Variable(name: "MAX_CLIENT_REQUESTS", defaultValue: "64", meaning: "requests one client may have in flight, body being received included; 429 beyond"),
        Variable(name: "MIN_REQUEST_BODY_RATE", defaultValue: "240", meaning: "bytes a second a request body must average once its grace period is over: 408 and the connection closed below; 0: no minimum"),
        Variable(name: "REQUEST_BODY_GRACE_PERIOD", defaultValue: "5", meaning: "seconds a request body may take before MIN_REQUEST_BODY_RATE applies"),
        Variable(name: "REQUEST_TIMEOUT", defaultValue: "30", meaning: "seconds a request may work once its body is in: 504 and its work cancelled after"),
        Variable(name: "AUTH_FAILURE_LIMIT", defaultValue: "10", meaning: "wrong API or admin keys one client may send within AUTH_LOCKOUT_SECONDS; then 429 until the lock-out ends"),
        Variable(name: "AUTH_LOCKOUT_SECONDS", defaultValue: "300", meaning: "seconds wrong keys are remembered, and a client that reached AUTH_FAILURE_LIMIT is locked out"),
        Variable(name: "IDLE_TIMEOUT", defaultValue: "30", meaning: "seconds a connection may stay silent (idle, mid-header, mid-body)"),
        Variable(name: "MAX_CONNECTIONS", defaultValue: "open-file limit - 256", meaning: "open connections at most; beyond, new ones wait to be accepted"),
        Variable(name: "SHUTDOWN_TIMEOUT", defaultValue: "10", meaning: "seconds SIGTERM waits for requests in work before cancelling them"),
        Variable(name: "ATTRIBUTION_WINDOW_HOURS", defaultValue: "24", meaning: "hours after an answer was shown in which events about it count for its experiment"),
        Variable(name: "EVENT_RETENTION_DAYS", defaultValue: "180", meaning: "days events and exposures are kept; 0: for ever"),
        Variable(name: "EVENT_QUOTA_PER_MINUTE", defaultValue: "20000", meaning: "events one client may post a minute (429 beyond); 0: no quota"),
        Variable(name: "EVALUATION_CONFIG", defaultValue: "experiments/offline/ml-latest-small-chosen.yaml",
                 meaning: "offline evaluation run in the background when none is stored; none: no run"),
        Variable(name: "TMDB_API_KEY", defaultValue: "(unset)", meaning: "TMDB v3 API key: trending, details and search then reach TMDB"),
        Variable(name: "TMDB_READ_ACCESS_TOKEN", defaultValue: "(unset)", meaning: "TMDB read access token (Bearer), used instead of TMDB_API_KEY when set"),
        Variable(name: "TMDB_BASE_URL", defaultValue: "https://api.themoviedb.org/3", meaning: "TMDB v3 API root"),
        Variable(name: "TMDB_IMAGE_BASE_URL", defaultValue: "https://image.tmdb.org/t/p/w500", meaning: "TMDB image root, size included: poster_url and backdrop_url start with it"),
        Variable(name: "TRENDING_CACHE_TTL", defaultValue: "900", meaning: "seconds a TMDB trending list is reused, 1–86400"),
        Variable(name: "RECLAB_DATA_DIR", defaultValue: "(unset)", meaning: "data sets to import into an empty database; unset: download"),
        Variable(name: "RECLAB_CACHE_DIR", defaultValue: "$XDG_CACHE_HOME/reclab or ~/.cache/reclab", meaning: "where downloaded data sets are kept"),
        Variable(name: "RECLAB_DATASET_URL", defaultValue: defaultDatasetURL, meaning: "where ml-latest-small.zip is downloaded from"),
    ]

    /// Why a configuration value was refused, naming the variable.
    public struct InvalidValue: Error, CustomStringConvertible {
        public let variable: String
        public let value: String
        public let expected: String
        public var description: String { "invalid \(variable)='\(value)': expected \(expected)" }
    }

    /// Reads the configuration from the process environment and `.env` in the working
    /// directory (environment variables win).
    public static func load(environmentFile: String = ".env") async throws -> ServerConfiguration {
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(),
            try await EnvironmentVariablesProvider(environmentFilePath: .init(environmentFile), allowMissing: true),
        ])
        return try ServerConfiguration { name in
            reader.string(forKey: ConfigKey(name.lowercased().split(separator: "_").map(String.init)))
        }
    }

    /// Builds a configuration from a lookup of variable values (unset: nil).
    public init(lookup: (String) -> String?) throws {
        func value(_ name: String) -> String? {
            // .env values may be quoted; the quotes are not part of the value.
            guard var text = lookup(name)?.trimmingCharacters(in: .whitespaces) else { return nil }
            if text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" {
                text = String(text.dropFirst().dropLast())
            }
            return text.isEmpty ? nil : text
        }
        func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw InvalidValue(variable: name, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        host = value("HOST") ?? "0.0.0.0"
        port = try integer("PORT", default: 8013, in: 0...65535)
        database = try DatabaseLocation(url: value("DATABASE_URL") ?? "movie_recommendation.db")
        databasePoolSize = try integer("DATABASE_POOL_SIZE", default: 10, in: 2...1000)
        databaseTimeout = try integer("DATABASE_TIMEOUT", default: 30, in: 1...3600)
        let level = value("LOG_LEVEL") ?? "INFO"
        guard let parsed = Self.logLevel(level) else {
            throw InvalidValue(variable: "LOG_LEVEL", value: level, expected: "one of TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL")
        }
        logLevel = parsed
        let format = value("LOG_FORMAT")?.lowercased() ?? "text"
        guard let logFormat = LogFormat(rawValue: format) else {
            throw InvalidValue(variable: "LOG_FORMAT", value: format, expected: "text or json")
        }
        self.logFormat = logFormat
        maxRecommendations = try integer("MAX_RECOMMENDATIONS", default: 50, in: 1...1000)
        cacheTTL = try integer("CACHE_TTL", default: 3600, in: 0...31_536_000)
        dataDirectory = value("RECLAB_DATA_DIR")
        cacheDirectory = value("RECLAB_CACHE_DIR")
        let url = value("RECLAB_DATASET_URL") ?? Self.defaultDatasetURL
        guard let parsedURL = URL(string: url), ["http", "https", "file"].contains(parsedURL.scheme ?? "") else {
            throw InvalidValue(variable: "RECLAB_DATASET_URL", value: url, expected: "an http(s) or file URL")
        }
        datasetURL = parsedURL
        strategiesFile = value("STRATEGIES_FILE") ?? "experiments/strategies.yaml"
        experimentsDirectory = value("EXPERIMENTS_DIR") ?? "experiments"
        func boolean(_ name: String, default fallback: Bool) throws -> Bool {
            guard let text = value(name)?.lowercased() else { return fallback }
            switch text {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw InvalidValue(variable: name, value: text, expected: "true or false")
            }
        }
        let ttl = try integer("RECOMMENDATION_CACHE_TTL", default: 1800, in: 0...86_400)
        recommendationCacheTTL = try boolean("ENABLE_CACHE", default: true) ? ttl : 0
        adminAPIKey = value("ADMIN_API_KEY")
        let interval = try integer("REFIT_INTERVAL", default: 0, in: 0...31_536_000)
        refitInterval = interval > 0 ? interval : nil
        func limit(_ name: String) throws -> Int? {
            value(name) == nil ? nil : try integer(name, default: 0, in: 1...1_000_000)
        }
        rateLimitRequests = try limit("RATE_LIMIT_REQUESTS")
        rateLimitSearch = try limit("RATE_LIMIT_SEARCH")
        rateLimitRecommendations = try limit("RATE_LIMIT_RECOMMENDATIONS")
        rateLimitWindow = try integer("RATE_LIMIT_WINDOW", default: 60, in: 1...86_400)
        func list(_ name: String) -> Set<String> {
            Set((value(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        trustedProxies = list("TRUSTED_PROXIES")
        corsOrigins = list("CORS_ORIGINS")
        let header = value("API_KEY_HEADER") ?? "X-API-Key"
        guard !header.isEmpty, header.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
            throw InvalidValue(variable: "API_KEY_HEADER", value: header, expected: "an HTTP header name")
        }
        apiKeyHeader = header
        maxRequestBodyBytes = try integer("MAX_REQUEST_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20))
        authenticationEnabled = try boolean("ENABLE_AUTHENTICATION", default: false)
        apiKeysFile = value("API_KEYS_FILE") ?? "api_keys.txt"
        authenticationOpenPaths = value("AUTH_OPEN_PATHS") == nil ? ["/health", "/health/ready", "/metrics"] : list("AUTH_OPEN_PATHS")
        recommendationCacheMaxBytes = try integer("RECOMMENDATION_CACHE_MAX_BYTES", default: 64 << 20, in: (1 << 20)...(1 << 40))
        let memoryLimit = try integer("MODEL_MEMORY_LIMIT", default: Int(clamping: Self.availableMemory() / 4 * 3), in: 0...(1 << 50))
        modelMemoryLimit = memoryLimit > 0 ? memoryLimit : nil
        modelsDirectory = value("MODELS_DIR").flatMap { $0.isEmpty ? nil : $0 }
        maxTrackedClients = try integer("RATE_LIMIT_MAX_CLIENTS", default: 100_000, in: 100...100_000_000)
        maxConcurrentRequests = try integer("MAX_CONCURRENT_REQUESTS", default: 128, in: 1...100_000)
        maxClientConnections = try integer("MAX_CLIENT_CONNECTIONS", default: 128, in: 1...1_000_000)
        maxClientRequests = try integer("MAX_CLIENT_REQUESTS", default: 64, in: 1...100_000)
        minRequestBodyRate = try integer("MIN_REQUEST_BODY_RATE", default: 240, in: 0...1_000_000_000)
        requestBodyGracePeriod = try integer("REQUEST_BODY_GRACE_PERIOD", default: 5, in: 1...3600)
        requestTimeout = try integer("REQUEST_TIMEOUT", default: 30, in: 1...3600)
        authFailureLimit = try integer("AUTH_FAILURE_LIMIT", default: 10, in: 1...1_000_000)
        authLockout = .seconds(try integer("AUTH_LOCKOUT_SECONDS", default: 300, in: 1...86_400 * 30))
        idleTimeout = try integer("IDLE_TIMEOUT", default: 30, in: 1...3600)
        let descriptors = Self.openFileLimit()
        // Room for the database, logs and data files besides the sockets.
        let connectionRoom = max(16, descriptors - 256)
        maxConnections = try integer("MAX_CONNECTIONS", default: connectionRoom, in: 1...connectionRoom)
        shutdownTimeout = try integer("SHUTDOWN_TIMEOUT", default: 10, in: 1...3600)
        attributionWindow = .seconds(3600 * (try integer("ATTRIBUTION_WINDOW_HOURS", default: 24, in: 1...8760)))
        let retention = try integer("EVENT_RETENTION_DAYS", default: 180, in: 0...36_500)
        eventRetentionDays = retention > 0 ? retention : nil
        let quota = try integer("EVENT_QUOTA_PER_MINUTE", default: 20_000, in: 0...100_000_000)
        eventQuotaPerMinute = quota > 0 ? quota : nil
        let evaluation = value("EVALUATION_CONFIG") ?? "experiments/offline/ml-latest-small-chosen.yaml"
        evaluationConfig = evaluation.lowercased() == "none" ? nil : evaluation
        func httpURL(_ name: String, default fallback: String) throws -> String {
            let text = value(name) ?? fallback
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw InvalidValue(variable: name, value: text, expected: "an http(s) URL")
            }
            return text
        }
        let tmdbBase = try httpURL("TMDB_BASE_URL", default: "https://api.themoviedb.org/3")
        tmdbImageBaseURL = try httpURL("TMDB_IMAGE_BASE_URL", default: "https://image.tmdb.org/t/p/w500")
        trendingCacheTTL = try integer("TRENDING_CACHE_TTL", default: 900, in: 1...86_400)
        let credential: TMDBConfiguration.Credential? = value("TMDB_READ_ACCESS_TOKEN").map { .bearer($0) } ?? value("TMDB_API_KEY").map { .apiKey($0) }
        // Half the request's own time at most: a slow TMDB still leaves time to answer locally.
        tmdb = credential.map { TMDBConfiguration(credential: $0, baseURL: tmdbBase, timeout: min(.seconds(10), .seconds(requestTimeout) / 2)) }
    }

    /// The memory this process may use: the machine's, or its container's limit when lower
    /// (cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`), so that a pod's default
    /// `MODEL_MEMORY_LIMIT` follows the pod's limit, not the node's RAM.
    public static func availableMemory(
        physical: UInt64 = ProcessInfo.processInfo.physicalMemory,
        read: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }
    ) -> UInt64 {
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            // "max", or v1's huge number, means no limit.
            if let text = read(file), let limit = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return min(physical, limit) }
        }
        return physical
    }

    /// The process's soft limit on open files, which every connection spends one of.
    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    static func logLevel(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "warn": .warning
        case "fatal": .critical
        default: Logger.Level(rawValue: text.lowercased())
        }
    }
}

extension ServerConfiguration {
    /// A log handler factory for `LoggingSystem.bootstrap`, honouring LOG_LEVEL and LOG_FORMAT.
    public var logHandlerFactory: @Sendable (String) -> any LogHandler {
        let level = logLevel
        switch logFormat {
        case .json:
            return { label in JSONLogHandler(label: label, level: level) }
        case .text:
            return { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// Where the data lives, as DATABASE_URL names it.
public enum DatabaseLocation: Sendable, Equatable {
    /// A SQLite file: one process serves it.
    case sqlite(path: String)
    /// A PostgreSQL database, which several replicas may share.
    case postgres(url: String)

    /// Reads DATABASE_URL (or `--database`): a path, sqlite:///path, or postgres://….
    public init(url: String) throws {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), components.host?.isEmpty == false, components.path.count > 1 else {
                throw ServerConfiguration.InvalidValue(
                    variable: "DATABASE_URL", value: Self.redacted(url), expected: "postgres://user[:password]@host[:port]/database")
            }
            self = .postgres(url: url)
            return
        }
        for prefix in ["sqlite:///", "sqlite://", "sqlite:"] where url.hasPrefix(prefix) {
            let rest = String(url.dropFirst(prefix.count))
            self = .sqlite(path: prefix == "sqlite:///" ? "/" + rest : rest)
            return
        }
        guard !url.contains("://") else {
            throw ServerConfiguration.InvalidValue(
                variable: "DATABASE_URL", value: Self.redacted(url), expected: "a file path, sqlite:///path, or postgres://user@host/database")
        }
        self = .sqlite(path: url)
    }

    /// The URL as logs may show it: without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
