import Foundation
import Hummingbird
import Logging
import NIOCore
import RecLabConsole
import RecLabCore
import RecLabExperiments
import RecLabObservability
import RecLabServing
import RecLabStore
import RecLabTMDB
import ServiceLifecycle

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
    var background = services.backgroundServices
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
    if instrumented { router.add(middleware: ObservabilityMiddleware(activity: services.activity)) }
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
        preferences: store, catalogue: services.catalogue, models: services.models, users: services.users, served: services.served, gauges: services.gauges,
        tmdb: services.tmdb, gate: gate
    ).register(on: router)
    MovieRoutes(catalogue: services.catalogue, withheld: services.withheld, tmdb: services.tmdbCatalogue, cacheControl: cacheControl).register(on: router)
    GenreRoutes(catalogue: services.catalogue, cacheControl: cacheControl).register(on: router)
    let adminGate = AdminGate(adminKey: configuration.adminAPIKey, trustedProxies: configuration.trustedProxies, failures: failures)
    RecommendationRoutes(recommender: services.recommender, maxRecommendations: configuration.maxRecommendations, adminGate: adminGate).register(on: router)
    UserRoutes(preferences: store, users: services.users, exposures: services.exposures).register(on: router)
    AdminRoutes(
        gate: adminGate, refits: services.refits, experiments: services.experimentReloader, models: services.models, simulations: services.simulations,
        keys: keys).register(on: router)
    MovieAvailabilityRoutes(gate: adminGate, catalogue: services.catalogue, store: store, withheld: services.withheld).register(on: router)
    EvaluationRoutes(evaluations: store, startup: services.startupEvaluation).register(on: router)
    ExperimentRoutes(
        models: services.models, exposures: services.exposures, store: store, interactions: store, reports: services.reports, simulations: services.simulations,
        attributionWindow: configuration.attributionWindow).register(on: router)
    EventRoutes(
        events: store,
        quota: configuration.eventQuotaPerMinute.map { RateLimiter(RateLimitPolicy(name: "events", limit: $0, window: .seconds(60)), capacity: configuration.maxTrackedClients) },
        clients: ClientIdentity(configuration)
    ).register(on: router)
    AnalyticsRoutes(interactions: store, models: services.models).register(on: router)
    DocsRoutes(documentation: .bundled).register(on: router)
    ConsoleRoutes(
        console: Console(services: services, asksForClientKey: configuration.authenticationEnabled, keyHeader: configuration.apiKeyHeader),
        imageBaseURL: configuration.tmdbImageBaseURL
    ).register(on: router)
    // Last, once every route is known.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}
