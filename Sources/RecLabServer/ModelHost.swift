import Dispatch
import Foundation
import Logging
import Metrics
import RecLabCore
import RecLabExperiments
import RecLabObservability
import RecLabStore
import Synchronization

/// The fitted models the server answers with, and the refits that replace them.
///
/// A refit loads the training data, fits every configured instance in order on a dedicated
/// thread (never the event loops or the cooperative pool) and swaps the whole generation in
/// one step: requests see either the old models or the new, never a mix.
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

        init(
            models: [String: any FittedModel], catalogue: Catalogue, movieByTMDBID: [Int: MovieID], fittedAt: Date, fitSeconds: [String: Double],
            experiments: [Experiment], strategies: [ConfiguredStrategy]
        ) {
            self.models = models
            self.catalogue = catalogue
            self.movieByTMDBID = movieByTMDBID
            self.fittedAt = fittedAt
            self.fitSeconds = fitSeconds
            self.experiments = experiments
            self.strategies = strategies
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

    public init(
        configuration: StrategyConfiguration, experiments: [Experiment] = [], registry: StrategyRegistry,
        interactions: any InteractionRepository, memoryLimit: Int? = nil, logger: Logger,
        onSwap: @escaping @Sendable (Generation) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.memoryLimit = memoryLimit
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

    /// Fits every instance and swaps them in; false when a refit was already running (the
    /// caller may say so rather than queue a second one).
    @discardableResult
    public func refit() async throws -> Bool {
        let started = refitting.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else { return false }
        defer { refitting.withLock { $0 = false } }
        let data = try await interactions.trainingData(includingPreferences: true)
        let experiments = self.experiments.withLock { $0 }
        let generation = try await withTaskExecutorPreference(BackgroundExecutor.fitting) {
            try await self.fit(data, experiments: experiments)
        }
        current.withLock { $0 = generation }
        onSwap(generation)
        return true
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

    private func fit(_ data: TrainingData, experiments: [Experiment]) async throws -> Generation {
        var seconds: [String: Double] = [:]
        let variants = try experiments.filter { $0.status == .running }.flatMap { try $0.variantInstances(registry) }
        let strategies = configuration.instances + variants
        let models = try await strategies.fitInOrder(on: data, memoryLimit: memoryLimit) { instance, model, duration in
            seconds[instance.name] = duration.seconds
            Self.record(instance, model: model, seconds: duration.seconds)
            logger.info("fitted \(instance.name)", metadata: [
                "strategy": "\(instance.strategyID)", "seconds": "\(String(format: "%.3f", duration.seconds))",
                "summary": "\(model.summary.detail)",
            ])
        }
        var byTMDB: [Int: MovieID] = [:]
        for item in data.catalogue.items { if let tmdb = item.tmdbID { byTMDB[tmdb] = item.id } }
        return Generation(
            models: models, catalogue: data.catalogue, movieByTMDBID: byTMDB, fittedAt: Date(), fitSeconds: seconds, experiments: experiments,
            strategies: strategies)
    }
}

extension ModelHost {
    /// Fit duration, fit time and size of a freshly fitted model, as gauges.
    static func record(_ instance: ConfiguredStrategy, model: any FittedModel, seconds: Double) {
        // "model", not "instance": Prometheus reserves `instance` for the scraped target.
        let labels = [("model", instance.name), ("strategy", instance.strategyID)]
        Gauge(label: Metric.modelFitDuration.name, dimensions: labels).record(seconds)
        Gauge(label: Metric.modelLastFit.name, dimensions: labels).record(Date().timeIntervalSince1970)
        Gauge(label: Metric.modelItems.name, dimensions: [("model", instance.name)]).record(model.summary.items)
        if let factors = model.summary.factors {
            Gauge(label: Metric.modelFactors.name, dimensions: [("model", instance.name)]).record(factors)
        }
    }
}

/// Runs seconds of number crunching (fitting, offline evaluation) on a thread of its own, so
/// it never holds one of the few threads of Swift's cooperative pool that request handlers need.
final class BackgroundExecutor: TaskExecutor {
    /// Model fits and catalogue generations.
    static let fitting = BackgroundExecutor(label: "reclab.fit")
    /// The startup evaluation, apart so a refit never waits behind it.
    static let evaluation = BackgroundExecutor(label: "reclab.evaluate")
    private let queue: DispatchQueue

    private init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
