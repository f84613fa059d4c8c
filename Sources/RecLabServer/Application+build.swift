import Foundation
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore
import RecLabCore
import RecLabExperiments
import RecLabObservability
import RecLabStore
import RecLabTMDB

/// What the HTTP application runs on: the store, the fitted models, the answer cache and
/// the refit service.
public struct RecLabServices: Sendable {
    public let store: any Repositories
    /// The catalogue the movie API answers from, in memory.
    public let catalogue: CatalogueHost
    public let models: ModelHost
    public let refits: RefitService
    /// Re-reads the experiment files for `POST /admin/experiments/reload` and SIGHUP.
    public let experimentReloader: ExperimentReloader
    /// Which variant served which answer, written in the background; run it as a service.
    public let exposures: ExposureLog
    /// The offline evaluation run when none is stored; `reclab serve` runs it as a service.
    public let startupEvaluation = StartupEvaluation()
    let cache: RecommendationCache
    let served = ServingStats()
    let recommendationMetrics: RecommendationMetrics
    let reports: EvaluationReports
    let gauges: StoreGauges
    /// TMDB, when a key or token is configured.
    public let tmdb: TMDBClient?
    let trending: TMDBTrending?
    /// Adds the movies TMDB knows and the catalogue lacks, when a key is configured.
    let tmdbCatalogue: TMDBCatalogue?
    /// Brings other processes' writes to the store into this one's caches; runs in the application.
    let changes: ChangeFollower
    /// How this process names itself to the others sharing the store (host, pid, a nonce).
    let process: String

    /// `metrics: false` leaves swift-metrics on its no-op backend (the overhead benchmark's
    /// baseline); once any services have bootstrapped it, it stays for the process.
    /// `sharing`: the models folder replicas share generations through (`MODELS_DIR`).
    public init(
        configuration: ServerConfiguration, store: any Repositories, registry: StrategyRegistry, strategies: StrategyConfiguration,
        experiments: [Experiment] = [], sharing: ModelHost.Sharing? = nil, logger: Logger,
        metrics: Bool = true
    ) {
        // Before any metric object exists: one made earlier would stay bound to the no-op backend.
        if metrics { Observability.bootstrapMetrics() }
        let cache = RecommendationCache(timeToLive: .seconds(configuration.recommendationCacheTTL), maxBytes: configuration.recommendationCacheMaxBytes)
        self.store = store
        self.cache = cache
        catalogue = CatalogueHost(movies: store, imageBaseURL: configuration.tmdbImageBaseURL, logger: logger)
        let recommendationMetrics = RecommendationMetrics()
        self.recommendationMetrics = recommendationMetrics
        models = ModelHost(
            configuration: strategies, experiments: experiments, registry: registry, interactions: store, memoryLimit: configuration.modelMemoryLimit,
            sharing: sharing, logger: logger
        ) { generation in
            cache.removeAll()
            recommendationMetrics.prime(strategies, generation)
        }
        let process = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        let refits = RefitService(
            catalogue: catalogue, host: models, interval: configuration.refitInterval.map { .seconds($0) },
            announce: { try await store.announceRefit(by: process) }, logger: logger)
        self.refits = refits
        self.process = process
        experimentReloader = ExperimentReloader(configuration: configuration, refits: refits, logger: logger)
        exposures = ExposureLog(store: store, logger: logger)
        reports = EvaluationReports(store: store)
        gauges = StoreGauges(store: store, models: models, exposures: exposures, reports: reports, attributionWindow: configuration.attributionWindow)
        let tmdb = configuration.tmdb.map { TMDBClient(configuration: $0, logger: logger) }
        self.tmdb = tmdb
        changes = ChangeFollower(
            feed: store, cache: cache, catalogue: catalogue, process: process,
            modelsChanged: { [models] in _ = refits.request(models.sharesModels ? .adopt : .refit(announce: false)) },
            interval: .seconds(1), logger: logger)
        let tmdbCatalogue = tmdb.map { [catalogue] in TMDBCatalogue(client: $0, store: store, catalogue: catalogue, logger: logger) }
        self.tmdbCatalogue = tmdbCatalogue
        trending = tmdb.map { TMDBTrending(client: $0, lifetime: .seconds(configuration.trendingCacheTTL), catalogue: tmdbCatalogue) }
    }

    /// Loads the catalogue and fits the models: what must be done before the server listens.
    public func start() async throws {
        try await catalogue.reload()
        try await models.prepare()
        if let tmdbCatalogue { Task { await tmdbCatalogue.checkImageBase() } }
    }
}

/// Assembles the HTTP application: one place where every route group is registered, used by
/// `reclab serve` and by the tests alike. The refit service and the change follower run
/// inside it, so refits asked for over HTTP and other replicas' writes reach wherever the
/// routes are served, and end when the server stops. `extend` adds routes beside the API's
/// (the tests add one whose work they control).
public func buildApplication(
    configuration: ServerConfiguration,
    services: RecLabServices,
    logger: Logger,
    apiKeys: APIKeyFile? = nil,
    instrumented: Bool = true,
    extend: (Router<RecLabRequestContext>) -> Void = { _ in },
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let rateLimits = RateLimits(configuration: configuration)
    var background: [any Service] = [services.refits, services.changes]
    // Replicas sharing PostgreSQL split each limit between them; a SQLite file has one server.
    if case .postgres = configuration.database, !rateLimits.all.isEmpty {
        background.append(ReplicaCheckIn(registry: services.store, process: services.process, limits: rateLimits, interval: .seconds(5), logger: logger))
    }
    let router = buildRouter(configuration: configuration, services: services, rateLimits: rateLimits, apiKeys: apiKeys, instrumented: instrumented)
    extend(router)
    let connections = ConnectionLedger(configuration: configuration)
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: connections.handlers() + [ClientDepartureHandler(), MalformedRequestAnswer()],
            idleTimeout: .seconds(Int64(configuration.idleTimeout)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "RecLab",
            availableConnectionsDelegate: .maximum(configuration.maxConnections, logger: logger)),
        services: background,
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The router with every middleware and route of the API, in order; public so the contract
/// test can compare its routes with the OpenAPI document. HEAD is served wherever GET is.
public func buildRouter(
    configuration: ServerConfiguration,
    services: RecLabServices,
    rateLimits: RateLimits? = nil,
    apiKeys: APIKeyFile? = nil,
    instrumented: Bool = true
) -> Router<RecLabRequestContext> {
    let router = Router(context: RecLabRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Off only for the overhead benchmark's baseline: no request ids, counters or log lines.
    if instrumented { router.add(middleware: ObservabilityMiddleware()) }
    // Outside the JSON errors, so they add their headers to error answers already in JSON.
    // CORS before everything that refuses, so a page can read why it was refused;
    // preflights are not counted against rate limits.
    router.add(middleware: SecurityHeadersMiddleware())
    if !configuration.corsOrigins.isEmpty {
        router.add(middleware: OriginPolicyMiddleware(origins: configuration.corsOrigins, apiKeyHeader: configuration.apiKeyHeader))
    }
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: EmptySegmentMiddleware())
    // Then what refuses a request before its body is read, cheapest first: the client's
    // requests in flight, its key, its quota. A refused body is never read.
    let probes: Set<String> = ["/health", "/health/ready", "/metrics"]
    router.add(middleware: ClientLoadMiddleware(limit: configuration.maxClientRequests, trustedProxies: configuration.trustedProxies, exempt: probes))
    let failures = FailedAttempts(limit: configuration.authFailureLimit, window: configuration.authLockout, capacity: configuration.maxTrackedClients)
    // Without a keys file only the admin key gets in: authentication fails closed.
    let keys = configuration.authenticationEnabled
        ? APIKeyRing(file: apiKeys ?? APIKeyFile(path: configuration.apiKeysFile, entries: []), adminKey: configuration.adminAPIKey) : nil
    if let keys {
        router.add(middleware: AuthenticationMiddleware(configuration: configuration, keys: keys, failures: failures))
    }
    let rateLimits = RateLimitMiddleware(configuration: configuration, limits: rateLimits ?? RateLimits(configuration: configuration), exempt: probes)
    if rateLimits.isEnabled { router.add(middleware: rateLimits) }
    // The body is read before the request asks for a slot in work, so a slow sender holds none.
    router.add(middleware: BodyIntakeMiddleware(maxBytes: configuration.maxRequestBodyBytes))
    let gate = ConcurrencyGate(limit: configuration.maxConcurrentRequests, queueLimit: configuration.maxConcurrentRequests)
    router.add(middleware: RequestLifecycleMiddleware(gate: gate, timeout: .seconds(configuration.requestTimeout), exempt: probes))
    let cacheControl = CacheControlHeader(maxAge: configuration.cacheTTL)
    let store = services.store
    HealthRoutes(
        preferences: store, catalogue: services.catalogue, models: services.models, cache: services.cache, served: services.served, gauges: services.gauges,
        tmdb: services.tmdb, gate: gate
    ).register(on: router)
    MovieRoutes(catalogue: services.catalogue, tmdb: services.tmdbCatalogue, cacheControl: cacheControl).register(on: router)
    GenreRoutes(catalogue: services.catalogue, cacheControl: cacheControl).register(on: router)
    let recommender = Recommender(host: services.models, interactions: store, cache: services.cache, exposures: services.exposures, served: services.served,
        metrics: services.recommendationMetrics, trending: services.trending, images: services.catalogue.images)
    let adminGate = AdminGate(adminKey: configuration.adminAPIKey, trustedProxies: configuration.trustedProxies, failures: failures)
    RecommendationRoutes(recommender: recommender, maxRecommendations: configuration.maxRecommendations, adminGate: adminGate).register(on: router)
    UserRoutes(preferences: store, cache: services.cache, exposures: services.exposures).register(on: router)
    AdminRoutes(gate: adminGate, refits: services.refits, experiments: services.experimentReloader, keys: keys).register(on: router)
    EvaluationRoutes(evaluations: store, startup: services.startupEvaluation).register(on: router)
    ExperimentRoutes(
        models: services.models, exposures: services.exposures, store: store, interactions: store, reports: services.reports,
        attributionWindow: configuration.attributionWindow).register(on: router)
    EventRoutes(
        events: store,
        quota: configuration.eventQuotaPerMinute.map { RateLimiter(RateLimitPolicy(name: "events", limit: $0, window: .seconds(60)), capacity: configuration.maxTrackedClients) },
        clients: ClientIdentity(configuration)
    ).register(on: router)
    AnalyticsRoutes(interactions: store, models: services.models).register(on: router)
    DocsRoutes(documentation: .bundled).register(on: router)
    // Last, once every route is known.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}
