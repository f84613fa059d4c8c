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
    /// The nice value background work (refits, evaluations, simulations) drops to once the
    /// server serves; 0: it keeps the requests' priority and every BLAS thread.
    public var backgroundNice: Int
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
    /// What users' histories held for answering may take, in bytes; 0: read each from the store.
    public var historyMemoryBytes: Int
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

    /// One configuration variable: its name, its default (written here and nowhere else: the
    /// parser reads it from this table), and its meaning, shown by `reclab serve --help` and in
    /// the README.
    public struct Variable: Sendable {
        public let name: String
        /// The default as the variable's own text; nil when it is unset or computed.
        let literal: String?
        /// How a computed default is shown.
        let computed: String?
        public let meaning: String
        /// Keys and passwords: swift-configuration's access reports redact them.
        let isSecret: Bool

        /// The default as `--help` and the README show it.
        public var defaultValue: String { computed ?? literal ?? "(unset)" }

        init(_ name: String, _ literal: String?, computed: String? = nil, secret: Bool = false, _ meaning: String) {
            self.name = name
            self.literal = literal
            self.computed = computed
            self.meaning = meaning
            isSecret = secret
        }

        /// The swift-configuration key whose environment variable is `name` (`database.url` for
        /// `DATABASE_URL`).
        var key: ConfigKey { ConfigKey(name.lowercased().split(separator: "_").map(String.init)) }
    }

    static let defaultDatasetURL = DatasetDescriptor.movieLensLatestSmall.downloadURL.absoluteString

    public static let variables: [Variable] = [
        Variable("HOST", "0.0.0.0", "address to listen on"),
        Variable("PORT", "8013", "TCP port, 0–65535 (0 picks a free one)"),
        Variable("DATABASE_URL", "movie_recommendation.db", secret: true, "SQLite file (a path, or sqlite:///absolute/path), or postgres://user:password@host:port/database"),
        Variable("DATABASE_POOL_SIZE", "10", "connections each process may open to PostgreSQL, 2–1000 (one listens for changes)"),
        Variable("DATABASE_TIMEOUT", "30", "seconds a PostgreSQL connection attempt or statement may take, 1–3600"),
        Variable("LOG_LEVEL", "INFO", "TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR or CRITICAL"),
        Variable("LOG_FORMAT", "text", "text, or json: one JSON object per line"),
        Variable("MAX_RECOMMENDATIONS", "50", "largest `limit` a recommendation request may ask, 1–1000"),
        Variable("CACHE_TTL", "3600", "seconds clients may cache catalogue answers; 0: no-store"),
        Variable("STRATEGIES_FILE", "experiments/strategies.yaml", "strategy instances and the surfaces they serve"),
        Variable("EXPERIMENTS_DIR", "experiments", "folder of A/B experiment files (*.yaml but strategies.yaml)"),
        Variable("ENABLE_CACHE", "true", "cache recommendation answers in memory"),
        Variable("RECOMMENDATION_CACHE_TTL", "1800", "seconds a recommendation answer is reused"),
        Variable("ADMIN_API_KEY", nil, secret: true, "X-API-Key for /admin calls; unset disables them"),
        Variable("REFIT_INTERVAL", "0", "seconds between scheduled refits; 0: none"),
        Variable("BACKGROUND_NICE", "10", "CPU priority (nice, 0–19) of refits, evaluations and simulations once serving, with BLAS on their own thread; 0: as requests"),
        Variable("RATE_LIMIT_REQUESTS", nil, "requests a client may make per window on any route; unset: no limit"),
        Variable("RATE_LIMIT_SEARCH", nil, "requests a client may make per window on /movies/search"),
        Variable("RATE_LIMIT_RECOMMENDATIONS", nil, "requests a client may make per window on recommendation routes"),
        Variable("RATE_LIMIT_WINDOW", "60", "seconds of the rate-limit window, 1–86400"),
        Variable("TRUSTED_PROXIES", nil, "comma-separated proxy addresses whose X-Forwarded-For names the client"),
        Variable("CORS_ORIGINS", nil, "comma-separated origins whose browsers may call the API"),
        Variable("API_KEY_HEADER", "X-API-Key", "header a client's API key comes in (rate limits count per verified key)"),
        Variable("MAX_REQUEST_BODY_BYTES", "1048576", "largest request body accepted, 1 KiB–64 MiB; 413 beyond"),
        Variable("ENABLE_AUTHENTICATION", "false", "true: every request needs a key of API_KEYS_FILE in API_KEY_HEADER"),
        Variable("API_KEYS_FILE", "api_keys.txt", "hashed client keys, managed by `reclab keys add|list|revoke`"),
        Variable("AUTH_OPEN_PATHS", "/health,/health/ready,/metrics", "comma-separated paths open without a key"),
        Variable("RECOMMENDATION_CACHE_MAX_BYTES", "67108864", "memory the answer cache may use; the oldest answers go first"),
        Variable("HISTORY_MEMORY_BYTES", "268435456", "memory users' histories held for answering may use, kept current by writes and the change feed; the oldest read go first; 0: read every history from the store"),
        Variable("MODEL_MEMORY_LIMIT", nil, computed: "(3/4 of RAM or of the cgroup limit)", "bytes one strategy's fit may use; a fit that would need more refuses, saying what to change; 0: no limit"),
        Variable("MODELS_DIR", nil, "folder replicas share fitted model generations through: one fits and writes, the others load; unset: each process fits its own"),
        Variable("RATE_LIMIT_MAX_CLIENTS", "100000", "clients each rate-limit, quota or failed-key table tracks at most"),
        Variable("MAX_CONCURRENT_REQUESTS", "128", "requests in work at once; as many may queue a second, 503 beyond"),
        Variable("MAX_CLIENT_CONNECTIONS", "128", "connections one client address may hold open; more are closed at once (TRUSTED_PROXIES exempt)"),
        Variable("MAX_CLIENT_REQUESTS", "64", "requests one client may have in flight, body being received included; 429 beyond"),
        Variable("MIN_REQUEST_BODY_RATE", "240", "bytes a second a request body must average once its grace period is over: 408 and the connection closed below; 0: no minimum"),
        Variable("REQUEST_BODY_GRACE_PERIOD", "5", "seconds a request body may take before MIN_REQUEST_BODY_RATE applies"),
        Variable("REQUEST_TIMEOUT", "30", "seconds a request may work once its body is in: 504 and its work cancelled after"),
        Variable("AUTH_FAILURE_LIMIT", "10", "wrong API or admin keys one client may send within AUTH_LOCKOUT_SECONDS; then 429 until the lock-out ends"),
        Variable("AUTH_LOCKOUT_SECONDS", "300", "seconds wrong keys are remembered, and a client that reached AUTH_FAILURE_LIMIT is locked out"),
        Variable("IDLE_TIMEOUT", "30", "seconds a connection may stay silent (idle, mid-header, mid-body)"),
        Variable("MAX_CONNECTIONS", nil, computed: "open-file limit - 256", "open connections at most; beyond, new ones wait to be accepted"),
        Variable("SHUTDOWN_TIMEOUT", "10", "seconds SIGTERM waits for requests in work before cancelling them"),
        Variable("ATTRIBUTION_WINDOW_HOURS", "24", "hours after an answer was shown in which events about it count for its experiment"),
        Variable("EVENT_RETENTION_DAYS", "180", "days events and exposures are kept; 0: for ever"),
        Variable("EVENT_QUOTA_PER_MINUTE", "20000", "events one client may post a minute (429 beyond); 0: no quota"),
        Variable("EVALUATION_CONFIG", "experiments/offline/ml-latest-small-chosen.yaml", "offline evaluation run in the background when none is stored; none: no run"),
        Variable("TMDB_API_KEY", nil, secret: true, "TMDB v3 API key: trending, details and search then reach TMDB"),
        Variable("TMDB_READ_ACCESS_TOKEN", nil, secret: true, "TMDB read access token (Bearer), used instead of TMDB_API_KEY when set"),
        Variable("TMDB_BASE_URL", "https://api.themoviedb.org/3", "TMDB v3 API root"),
        Variable("TMDB_IMAGE_BASE_URL", "https://image.tmdb.org/t/p/w500", "TMDB image root, size included: poster_url and backdrop_url start with it"),
        Variable("TRENDING_CACHE_TTL", "900", "seconds a TMDB trending list is reused, 1–86400"),
        Variable("RECLAB_DATA_DIR", nil, "data sets to import into an empty database; unset: download"),
        Variable("RECLAB_CACHE_DIR", nil, computed: "$XDG_CACHE_HOME/reclab or ~/.cache/reclab", "where downloaded data sets are kept"),
        Variable("RECLAB_DATASET_URL", defaultDatasetURL, "where ml-latest-small.zip is downloaded from"),
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
            let variable = Self.variable(name)
            return reader.string(forKey: variable.key, isSecret: variable.isSecret)
        }
    }

    /// Builds a configuration from a lookup of variable values (unset: nil): each value
    /// trimmed, unquoted (swift-configuration's `.env` reader keeps quotes) and read through
    /// swift-configuration's typed readers; an empty value is unset.
    public init(lookup: (String) -> String?) throws {
        var values: [String: String] = [:]
        for variable in Self.variables {
            guard var text = lookup(variable.name)?.trimmingCharacters(in: .whitespaces) else { continue }
            if text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" {
                text = String(text.dropFirst().dropLast())
            }
            if !text.isEmpty { values[variable.name] = text }
        }
        let secrets = Set(Self.variables.filter(\.isSecret).map(\.name))
        try self.init(reader: ConfigReader(provider: EnvironmentVariablesProvider(
            environmentVariables: values, secretsSpecifier: .specific(secrets))))
    }

    /// The table's entry for `name`; every variable read is in the table.
    static func variable(_ name: String) -> Variable {
        guard let variable = variables.first(where: { $0.name == name }) else { preconditionFailure("\(name) is not in the variable table") }
        return variable
    }

    private init(reader: ConfigReader) throws {
        /// The value's text, or the table's default.
        func text(_ name: String) -> String? {
            let variable = Self.variable(name)
            return reader.string(forKey: variable.key, isSecret: variable.isSecret) ?? variable.literal
        }
        /// An integer in `range`: swift-configuration's, or the table's default, or `computed`
        /// for a default the table can only describe.
        func integer(_ name: String, in range: ClosedRange<Int>, computed: Int? = nil) throws -> Int {
            let variable = Self.variable(name)
            guard let given = reader.string(forKey: variable.key) else { return computed ?? Int(variable.literal!)! }
            guard let number = reader.int(forKey: variable.key), range.contains(number) else {
                throw InvalidValue(variable: name, value: given, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        /// An integer in `range` where the variable is set, nil where it is not.
        func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
            reader.string(forKey: Self.variable(name).key) == nil ? nil : try integer(name, in: range)
        }
        func boolean(_ name: String) throws -> Bool {
            let variable = Self.variable(name)
            guard let given = reader.string(forKey: variable.key) else { return Bool(variable.literal!)! }
            guard let value = reader.bool(forKey: variable.key) else { throw InvalidValue(variable: name, value: given, expected: "true or false") }
            return value
        }
        func list(_ name: String) -> Set<String> {
            Set((text(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        func httpURL(_ name: String) throws -> String {
            let url = text(name)!
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw InvalidValue(variable: name, value: url, expected: "an http(s) URL")
            }
            return url
        }
        host = text("HOST")!
        port = try integer("PORT", in: 0...65535)
        database = try DatabaseLocation(url: text("DATABASE_URL")!)
        databasePoolSize = try integer("DATABASE_POOL_SIZE", in: 2...1000)
        databaseTimeout = try integer("DATABASE_TIMEOUT", in: 1...3600)
        let level = text("LOG_LEVEL")!
        guard let parsed = Self.logLevel(level) else {
            throw InvalidValue(variable: "LOG_LEVEL", value: level, expected: "one of TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL")
        }
        logLevel = parsed
        let format = text("LOG_FORMAT")!.lowercased()
        guard let logFormat = LogFormat(rawValue: format) else {
            throw InvalidValue(variable: "LOG_FORMAT", value: format, expected: "text or json")
        }
        self.logFormat = logFormat
        maxRecommendations = try integer("MAX_RECOMMENDATIONS", in: 1...1000)
        cacheTTL = try integer("CACHE_TTL", in: 0...31_536_000)
        dataDirectory = text("RECLAB_DATA_DIR")
        cacheDirectory = text("RECLAB_CACHE_DIR")
        let url = text("RECLAB_DATASET_URL")!
        guard let parsedURL = URL(string: url), ["http", "https", "file"].contains(parsedURL.scheme ?? "") else {
            throw InvalidValue(variable: "RECLAB_DATASET_URL", value: url, expected: "an http(s) or file URL")
        }
        datasetURL = parsedURL
        strategiesFile = text("STRATEGIES_FILE")!
        experimentsDirectory = text("EXPERIMENTS_DIR")!
        let ttl = try integer("RECOMMENDATION_CACHE_TTL", in: 0...86_400)
        recommendationCacheTTL = try boolean("ENABLE_CACHE") ? ttl : 0
        adminAPIKey = text("ADMIN_API_KEY")
        let interval = try integer("REFIT_INTERVAL", in: 0...31_536_000)
        refitInterval = interval > 0 ? interval : nil
        backgroundNice = try integer("BACKGROUND_NICE", in: 0...19)
        rateLimitRequests = try optionalInteger("RATE_LIMIT_REQUESTS", in: 1...1_000_000)
        rateLimitSearch = try optionalInteger("RATE_LIMIT_SEARCH", in: 1...1_000_000)
        rateLimitRecommendations = try optionalInteger("RATE_LIMIT_RECOMMENDATIONS", in: 1...1_000_000)
        rateLimitWindow = try integer("RATE_LIMIT_WINDOW", in: 1...86_400)
        trustedProxies = list("TRUSTED_PROXIES")
        corsOrigins = list("CORS_ORIGINS")
        let header = text("API_KEY_HEADER")!
        guard header.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
            throw InvalidValue(variable: "API_KEY_HEADER", value: header, expected: "an HTTP header name")
        }
        apiKeyHeader = header
        maxRequestBodyBytes = try integer("MAX_REQUEST_BODY_BYTES", in: 1024...(64 << 20))
        authenticationEnabled = try boolean("ENABLE_AUTHENTICATION")
        apiKeysFile = text("API_KEYS_FILE")!
        authenticationOpenPaths = list("AUTH_OPEN_PATHS")
        recommendationCacheMaxBytes = try integer("RECOMMENDATION_CACHE_MAX_BYTES", in: (1 << 20)...(1 << 40))
        historyMemoryBytes = try integer("HISTORY_MEMORY_BYTES", in: 0...(1 << 40))
        let memoryLimit = try integer("MODEL_MEMORY_LIMIT", in: 0...(1 << 50), computed: Int(clamping: Self.availableMemory() / 4 * 3))
        modelMemoryLimit = memoryLimit > 0 ? memoryLimit : nil
        modelsDirectory = text("MODELS_DIR")
        maxTrackedClients = try integer("RATE_LIMIT_MAX_CLIENTS", in: 100...100_000_000)
        maxConcurrentRequests = try integer("MAX_CONCURRENT_REQUESTS", in: 1...100_000)
        maxClientConnections = try integer("MAX_CLIENT_CONNECTIONS", in: 1...1_000_000)
        maxClientRequests = try integer("MAX_CLIENT_REQUESTS", in: 1...100_000)
        minRequestBodyRate = try integer("MIN_REQUEST_BODY_RATE", in: 0...1_000_000_000)
        requestBodyGracePeriod = try integer("REQUEST_BODY_GRACE_PERIOD", in: 1...3600)
        requestTimeout = try integer("REQUEST_TIMEOUT", in: 1...3600)
        authFailureLimit = try integer("AUTH_FAILURE_LIMIT", in: 1...1_000_000)
        authLockout = .seconds(try integer("AUTH_LOCKOUT_SECONDS", in: 1...86_400 * 30))
        idleTimeout = try integer("IDLE_TIMEOUT", in: 1...3600)
        // Room for the database, logs and data files besides the sockets.
        let connectionRoom = max(16, Self.openFileLimit() - 256)
        maxConnections = try integer("MAX_CONNECTIONS", in: 1...connectionRoom, computed: connectionRoom)
        shutdownTimeout = try integer("SHUTDOWN_TIMEOUT", in: 1...3600)
        attributionWindow = .seconds(3600 * (try integer("ATTRIBUTION_WINDOW_HOURS", in: 1...8760)))
        let retention = try integer("EVENT_RETENTION_DAYS", in: 0...36_500)
        eventRetentionDays = retention > 0 ? retention : nil
        let quota = try integer("EVENT_QUOTA_PER_MINUTE", in: 0...100_000_000)
        eventQuotaPerMinute = quota > 0 ? quota : nil
        let evaluation = text("EVALUATION_CONFIG")!
        evaluationConfig = evaluation.lowercased() == "none" ? nil : evaluation
        let tmdbBase = try httpURL("TMDB_BASE_URL")
        tmdbImageBaseURL = try httpURL("TMDB_IMAGE_BASE_URL")
        trendingCacheTTL = try integer("TRENDING_CACHE_TTL", in: 1...86_400)
        let credential: TMDBConfiguration.Credential? = text("TMDB_READ_ACCESS_TOKEN").map { .bearer($0) } ?? text("TMDB_API_KEY").map { .apiKey($0) }
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
