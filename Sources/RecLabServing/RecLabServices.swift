import Foundation
import Logging
import RecLabCore
import RecLabEvaluation
import RecLabExperiments
import RecLabObservability
import RecLabStore
import RecLabTMDB
import ServiceLifecycle

/// The serving core the HTTP application runs on: the store, the catalogue and models in
/// memory, the recommender with its answer cache and exposure log, and the background
/// services that keep them current (`backgroundServices`).
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
    /// What is held per user: cached answers and histories.
    public let users: UserMemory
    /// The movies an operator withholds now, which no answer shows.
    public let withheld: WithheldMovies
    public let served = ServingStats()
    /// Requests per route over the last minute, for the console's live figures.
    public let activity = RouteActivity()
    /// The lists lately given to users, for the console's movie page.
    public let recent = RecentAnswers()
    /// Answers recommendation questions from the models, through the cache.
    public let recommender: Recommender
    public let reports: EvaluationReports
    /// Experiments simulated offline on request, in the background.
    public let simulations: ExperimentSimulations
    public let gauges: StoreGauges
    /// TMDB, when a key or token is configured.
    public let tmdb: TMDBClient?
    /// Adds the movies TMDB knows and the catalogue lacks, when a key is configured.
    public let tmdbCatalogue: TMDBCatalogue?
    /// Brings other processes' writes to the store into this one's caches; runs in the application.
    public let changes: ChangeFollower
    /// How this process names itself to the others sharing the store (host, pid, a nonce).
    public let process: String
    /// Work set off by requests and changes that nobody waits for, owned by a service.
    public let work: BackgroundWork
    let configuration: ServerConfiguration
    let registry: StrategyRegistry
    let scratch: EvaluationJob.ScratchStore?
    let logger: Logger

    /// `metrics: false` leaves swift-metrics on its no-op backend (the overhead benchmark's
    /// baseline); once any services have bootstrapped it, it stays for the process.
    /// `sharing`: the models folder replicas share generations through (`MODELS_DIR`).
    /// `scratch`: the backend a startup evaluation (`EVALUATION_CONFIG`) imports its data into;
    /// nil: no startup evaluation.
    public init(
        configuration: ServerConfiguration, store: any Repositories, registry: StrategyRegistry, strategies: StrategyConfiguration,
        experiments: [Experiment] = [], sharing: ModelHost.Sharing? = nil, scratch: EvaluationJob.ScratchStore? = nil, logger: Logger,
        metrics: Bool = true
    ) {
        // Before any metric object exists: one made earlier would stay bound to the no-op backend.
        if metrics { Observability.bootstrapMetrics() }
        let cache = RecommendationCache(timeToLive: .seconds(configuration.recommendationCacheTTL), maxBytes: configuration.recommendationCacheMaxBytes)
        let announcements = ChangeAnnouncements()
        let users = UserMemory(
            answers: cache, histories: UserHistories(store: store, announcements: announcements, maxBytes: configuration.historyMemoryBytes))
        self.store = store
        self.users = users
        let withheld = WithheldMovies(store: store) { cache.removeAll() }
        self.withheld = withheld
        self.configuration = configuration
        self.registry = registry
        self.scratch = scratch
        self.logger = logger
        let work = BackgroundWork()
        self.work = work
        catalogue = CatalogueHost(movies: store, imageBaseURL: configuration.tmdbImageBaseURL, work: work, logger: logger)
        let recommendationMetrics = RecommendationMetrics()
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
        simulations = ExperimentSimulations(
            configPath: configuration.evaluationConfig, scratch: scratch, registry: registry, instances: strategies.instances, work: work, logger: logger)
        gauges = StoreGauges(store: store, models: models, exposures: exposures, reports: reports, attributionWindow: configuration.attributionWindow)
        let tmdb = configuration.tmdb.map { TMDBClient(configuration: $0, logger: logger) }
        self.tmdb = tmdb
        changes = ChangeFollower(
            feed: store, users: users, announcements: announcements, catalogue: catalogue, withheld: withheld, process: process,
            modelsChanged: { [models] in _ = refits.request(models.sharesModels ? .adopt : .refit(announce: false)) },
            interval: .seconds(1), work: work, logger: logger)
        let tmdbCatalogue = tmdb.map { [catalogue] in TMDBCatalogue(client: $0, store: store, catalogue: catalogue, work: work, logger: logger) }
        self.tmdbCatalogue = tmdbCatalogue
        recommender = Recommender(
            host: models, users: users, withheld: withheld, exposures: exposures, served: served, recent: recent, metrics: recommendationMetrics,
            trending: tmdb.map { TMDBTrending(client: $0, lifetime: .seconds(configuration.trendingCacheTTL), catalogue: tmdbCatalogue, work: work) },
            images: catalogue.images)
    }

    /// Loads the catalogue and fits the models: what must be done before the server listens.
    public func start() async throws {
        try await catalogue.reload()
        try await withheld.reload()
        try await models.prepare()
        if let tmdbCatalogue { work.submit { await tmdbCatalogue.checkImageBase() } }
    }

    /// Drops background work (refits, the startup evaluation, simulations) to `BACKGROUND_NICE`,
    /// once `start()` has fitted the models the first answers need: from then on requests come first.
    public func yieldBackgroundWorkToRequests() {
        BackgroundExecutor.yieldToRequests(nice: configuration.backgroundNice)
    }

    /// Every background service the serving core runs, in the order they start; a service
    /// group stops them in reverse, so the exposure log, first here, writes its last batch
    /// after everything that could add to it has stopped.
    public var backgroundServices: [any Service] {
        var services: [any Service] = [exposures, work, refits, changes, ExperimentReloadService(reloader: experimentReloader)]
        if let days = configuration.eventRetentionDays {
            services.append(EvidenceRetention(store: store, days: days, logger: logger))
        }
        if let config = configuration.evaluationConfig, let scratch {
            services.append(StartupEvaluationService(startupEvaluation, configPath: config, store: store, scratch: scratch, registry: registry, logger: logger))
        }
        return services
    }
}

