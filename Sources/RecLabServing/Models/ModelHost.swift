import Dispatch
import Foundation
import Logging
import Metrics
import RecLabCore
import RecLabExperiments
import RecLabModelStore
import RecLabObservability
import RecLabStore
import Synchronization

/// The fitted models the server answers with, and the refits that replace them.
///
/// A refit loads the training data, fits every configured instance in order on a dedicated
/// thread (never the event loops or the cooperative pool) and swaps the whole generation in
/// one step: requests see either the old models or the new, never a mix. With a shared
/// models folder (`MODELS_DIR`), a refit also writes the generation there, and replicas
/// adopt it instead of fitting.
public final class ModelHost: Sendable {
    /// One complete set of fitted models, and what they were fitted on. A class, so that the
    /// swap and every request's read move one reference under the lock, not the whole set.
    public final class Generation: Sendable {
        public let models: [String: any FittedModel]
        public let catalogue: Catalogue
        public let movieByTMDBID: [Int: MovieID]
        public let fittedAt: Date
        public let fitSeconds: [String: Double]
        /// The experiments these models serve; each variant's model is named `id/variant`.
        public let experiments: [Experiment]
        /// Every fitted instance with its resolved parameters, in fitting order: the
        /// configured ones, then the running variants.
        public let strategies: [ConfiguredStrategy]
        /// The shared generation these models are (written or loaded); nil when not shared.
        public let sharedID: String?
        /// The first instance, in fitting order, whose model measures how alike movies are (the
        /// content model): what `diversify=mmr` re-orders every strategy's lists by.
        public let similarity: (any ItemSimilarity)?

        init(
            models: [String: any FittedModel], catalogue: Catalogue, fittedAt: Date, fitSeconds: [String: Double],
            experiments: [Experiment], strategies: [ConfiguredStrategy], sharedID: String?
        ) {
            self.models = models
            self.catalogue = catalogue
            var byTMDB: [Int: MovieID] = [:]
            for item in catalogue.items { if let tmdb = item.tmdbID { byTMDB[tmdb] = item.id } }
            self.movieByTMDBID = byTMDB
            self.fittedAt = fittedAt
            self.fitSeconds = fitSeconds
            self.experiments = experiments
            self.strategies = strategies
            self.sharedID = sharedID
            self.similarity = strategies.lazy.compactMap { models[$0.name] as? any ItemSimilarity }.first
        }
    }

    /// The folder replicas share fitted generations through, and the feed position that
    /// dates the data a fit saw.
    public struct Sharing: Sendable {
        public let store: ModelGenerationStore
        /// The store's change-feed position, read just before the training data.
        public let position: @Sendable () async throws -> Int64
        /// Complete generations kept; older ones are removed after each write.
        public let keep: Int

        public init(store: ModelGenerationStore, position: @escaping @Sendable () async throws -> Int64, keep: Int = 3) {
            self.store = store
            self.position = position
            self.keep = keep
        }

        /// `MODELS_DIR`'s folder (created when missing), dated by `feed`; nil when unset.
        public static func configured(_ configuration: ServerConfiguration, feed: any ChangeFeed) throws -> Sharing? {
            guard let folder = configuration.modelsDirectory else { return nil }
            return Sharing(store: try ModelGenerationStore(folder: URL(fileURLWithPath: folder)), position: { try await feed.latestChange() })
        }
    }

    public let configuration: StrategyConfiguration
    let interactions: any InteractionRepository
    /// `MODEL_MEMORY_LIMIT`: the most one fit may take.
    let memoryLimit: Int?
    let logger: Logger
    private let current = Mutex<Generation?>(nil)
    private let refitting = Mutex(false)
    private let onSwap: @Sendable (Generation) -> Void
    /// The strategies configuration and experiment files are checked against and built from.
    public let registry: StrategyRegistry
    /// The experiment set the next refit fits variants for.
    private let experiments: Mutex<[Experiment]>
    /// Where generations are shared with replicas; nil: this process fits its own.
    let sharing: Sharing?

    public init(
        configuration: StrategyConfiguration, experiments: [Experiment] = [], registry: StrategyRegistry,
        interactions: any InteractionRepository, memoryLimit: Int? = nil, sharing: Sharing? = nil, logger: Logger,
        onSwap: @escaping @Sendable (Generation) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.memoryLimit = memoryLimit
        self.sharing = sharing
        self.experiments = Mutex(experiments)
        self.registry = registry
        self.interactions = interactions
        self.logger = logger
        self.onSwap = onSwap
    }

    /// The models requests are answered with; nil before the first fit.
    public var generation: Generation? { current.withLock { $0 } }

    /// Whether a refit is under way.
    public var isRefitting: Bool { refitting.withLock { $0 } }

    /// Whether generations are shared through a models folder.
    public var sharesModels: Bool { sharing != nil }

    /// Fits every instance and swaps them in (writing the generation to the shared folder
    /// first, when there is one); false when a refit was already running (the caller may say
    /// so rather than queue a second one).
    @discardableResult
    public func refit() async throws -> Bool {
        guard beginSwap() else { return false }
        defer { endSwap() }
        // Before the data: a change after this position may or may not be in the fit, never missed.
        let position = try await sharing?.position()
        let data = try await interactions.trainingData(includingPreferences: true)
        let experiments = self.experiments.withLock { $0 }
        let generation = try await withTaskExecutorPreference(BackgroundExecutor.fitting) {
            try await self.fit(data, experiments: experiments, position: position)
        }
        swap(to: generation)
        return true
    }

    /// Ready to serve: with a shared folder, the newest generation fitted alike is adopted,
    /// and only when there is none (or it cannot be loaded) does this process fit, holding
    /// the folder's lock, so replicas starting together fit once and the others adopt.
    public func prepare() async throws {
        guard let sharing else {
            try await refit()
            return
        }
        if await adoptAtStart() { return }
        try await sharing.store.withFitLock {
            if await adoptAtStart() { return }
            try await refit()
        }
    }

    private func adoptAtStart() async -> Bool {
        do {
            return try await adoptShared()
        } catch {
            logger.error("the newest shared model generation cannot be loaded; fitting instead", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Swaps in the newest shared generation fitted with this process's configuration; false
    /// when there is none newer than the models serving, or a refit is under way. A throw
    /// (a damaged or unreadable generation) leaves the models serving as they are.
    @discardableResult
    public func adoptShared() async throws -> Bool {
        guard let sharing else { return false }
        // The folder is read and the files loaded off the cooperative pool.
        return try await withTaskExecutorPreference(BackgroundExecutor.fitting) { try await self.adopt(from: sharing) }
    }

    private func adopt(from sharing: Sharing) async throws -> Bool {
        let experiments = self.experiments.withLock { $0 }
        let strategies = try instances(for: experiments)
        guard let manifest = sharing.store.newest(configuration: try ModelGenerationStore.configurationHash(strategies)),
              manifest.id != generation?.sharedID, manifest.createdAt > generation?.fittedAt ?? .distantPast
        else { return false }
        guard beginSwap() else { return false }
        defer { endSwap() }
        let loaded: ModelGenerationStore.Loaded
        do {
            loaded = try sharing.store.load(manifest, instances: strategies)
        } catch {
            Counter(label: Metric.modelGenerations.name, dimensions: [("outcome", "failed")]).increment()
            throw error
        }
        Counter(label: Metric.modelGenerations.name, dimensions: [("outcome", "loaded")]).increment()
        let seconds = Dictionary(uniqueKeysWithValues: manifest.instances.map { ($0.name, $0.fitSeconds) })
        for instance in strategies { Self.record(instance, model: loaded.models[instance.name]!, seconds: seconds[instance.name] ?? 0, at: manifest.createdAt) }
        logger.info("adopted a shared model generation", metadata: ["generation": "\(manifest.id)", "data_position": "\(manifest.dataPosition)"])
        swap(to: Generation(
            models: loaded.models, catalogue: loaded.catalogue, fittedAt: manifest.createdAt, fitSeconds: seconds, experiments: experiments,
            strategies: strategies, sharedID: manifest.id))
        return true
    }

    /// A scheduled refit. Without a shared folder, this process refits. With one, whichever
    /// replica takes the folder's lock first fits (unless a generation younger than half the
    /// interval exists: then it is adopted), and the others skip, adopting the result when
    /// it is announced. True when this process fitted a generation to announce.
    public func scheduledRefit(interval: Duration) async throws -> Bool {
        guard let sharing else {
            try await refit()
            return false
        }
        return try await withTaskExecutorPreference(BackgroundExecutor.fitting) {
            guard let lock = try sharing.store.tryFitLock() else { return false }
            defer { lock.release() }
            let strategies = try self.instances(for: self.experiments.withLock { $0 })
            if let newest = sharing.store.newest(configuration: try ModelGenerationStore.configurationHash(strategies)),
               Date().timeIntervalSince(newest.createdAt) < interval.seconds / 2 {
                try await self.adoptShared()
                return false
            }
            return try await self.refit()
        }
    }

    private func beginSwap() -> Bool {
        refitting.withLock { running in
            defer { running = true }
            return !running
        }
    }

    private func endSwap() {
        refitting.withLock { $0 = false }
    }

    private func swap(to generation: Generation) {
        current.withLock { $0 = generation }
        onSwap(generation)
    }

    /// The configured instances, then the running variants of `experiments`: what a fit fits.
    private func instances(for experiments: [Experiment]) throws -> [ConfiguredStrategy] {
        configuration.instances + (try experiments.filter { $0.status == .running }.flatMap { try $0.variantInstances(registry) })
    }

    /// Replaces the experiment set and refits, so the new variants' models and the new
    /// assignments go live together; false when a refit was already running.
    public func reload(experiments: [Experiment]) async throws -> Bool {
        let previous = self.experiments.withLock { current in
            defer { current = experiments }
            return current
        }
        do {
            let refitted = try await refit()
            if !refitted { self.experiments.withLock { $0 = previous } }
            return refitted
        } catch {
            self.experiments.withLock { $0 = previous }
            throw error
        }
    }

    /// Fits every instance; with a shared folder, writes the generation there too. A write
    /// that fails is logged and the models still serve here: the replicas keep theirs.
    private func fit(_ data: TrainingData, experiments: [Experiment], position: Int64?) async throws -> Generation {
        var seconds: [String: Double] = [:]
        let strategies = try instances(for: experiments)
        let fittedAt = Date()
        let models = try await strategies.fitInOrder(on: data, memoryLimit: memoryLimit) { instance, model, duration in
            seconds[instance.name] = duration.seconds
            Self.record(instance, model: model, seconds: duration.seconds, at: fittedAt)
            logger.info("fitted \(instance.name)", metadata: [
                "strategy": "\(instance.strategyID)", "seconds": "\(String(format: "%.3f", duration.seconds))",
                "summary": "\(model.summary.detail)",
            ])
        }
        var shared: ModelGenerationStore.Manifest?
        if let sharing, let position {
            do {
                let manifest = try sharing.store.write(
                    models: models, instances: strategies, catalogue: data.catalogue, dataPosition: position, interactions: data.interactions.count,
                    fitSeconds: seconds, now: fittedAt)
                sharing.store.prune(keeping: sharing.keep)
                shared = manifest
                Counter(label: Metric.modelGenerations.name, dimensions: [("outcome", "written")]).increment()
                logger.info("wrote a shared model generation", metadata: ["generation": "\(manifest.id)", "folder": "\(sharing.store.folder.path)"])
            } catch {
                logger.error("the fitted models could not be shared; they serve here, other replicas keep theirs", metadata: ["error": "\(error)"])
            }
        }
        return Generation(
            models: models, catalogue: data.catalogue, fittedAt: shared?.createdAt ?? fittedAt, fitSeconds: seconds, experiments: experiments,
            strategies: strategies, sharedID: shared?.id)
    }
}

extension ModelHost {
    /// Fit duration, fit time and size of a model fitted (here or by the replica whose
    /// generation was adopted), as gauges.
    static func record(_ instance: ConfiguredStrategy, model: any FittedModel, seconds: Double, at fittedAt: Date) {
        // "model", not "instance": Prometheus reserves `instance` for the scraped target.
        let labels = [("model", instance.name), ("strategy", instance.strategyID)]
        Gauge(label: Metric.modelFitDuration.name, dimensions: labels).record(seconds)
        Gauge(label: Metric.modelLastFit.name, dimensions: labels).record(fittedAt.timeIntervalSince1970)
        Gauge(label: Metric.modelItems.name, dimensions: [("model", instance.name)]).record(model.summary.items)
        if let factors = model.summary.factors {
            Gauge(label: Metric.modelFactors.name, dimensions: [("model", instance.name)]).record(factors)
        }
    }
}
