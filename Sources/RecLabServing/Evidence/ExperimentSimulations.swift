import Foundation
import Logging
import RecLabCore
import RecLabEvaluation
import RecLabExperiments
import Synchronization

/// Offline simulations of experiments asked for over HTTP (the console's button on a draft):
/// `reclab experiments simulate` run by the server in the background on the data of its
/// evaluation config, one at a time, the newest outcome of each experiment kept in memory.
public final class ExperimentSimulations: Sendable {
    /// Where an experiment's simulation stands.
    public enum State: Sendable {
        case running(since: Date)
        case finished(ExperimentReport, users: Int, at: Date)
        case failed(String, at: Date)
    }

    /// Why a simulation could not start.
    public enum Refusal: Error, Sendable {
        /// Without an evaluation config (`EVALUATION_CONFIG=none`) there is no data to simulate on.
        case noData
        case running(experiment: String)
    }

    let configPath: String?
    let scratch: EvaluationJob.ScratchStore?
    let registry: StrategyRegistry
    /// The configured instances, fitted before the variants as the server fits them.
    let instances: [ConfiguredStrategy]
    let work: BackgroundWork
    let logger: Logger
    private let states = Mutex<[String: State]>([:])

    init(
        configPath: String?, scratch: EvaluationJob.ScratchStore?, registry: StrategyRegistry, instances: [ConfiguredStrategy], work: BackgroundWork,
        logger: Logger
    ) {
        self.configPath = configPath
        self.scratch = scratch
        self.registry = registry
        self.instances = instances
        self.work = work
        self.logger = logger
    }

    public func state(of experiment: String) -> State? {
        states.withLock { $0[experiment] }
    }

    /// Starts simulating `experiment` in the background; its outcome replaces the previous one.
    public func start(_ experiment: Experiment) throws(Refusal) {
        guard let configPath, let scratch else { throw .noData }
        try states.withLock { states throws(Refusal) in
            // One at a time: each fits every instance and variant, seconds of both cores.
            if let (running, _) = states.first(where: { if case .running = $0.value { true } else { false } }) {
                throw .running(experiment: running)
            }
            states[experiment.id] = .running(since: Date())
        }
        work.submit { [self] in
            let outcome: State
            do {
                let configuration = try EvaluationConfiguration.load(path: configPath)
                let result = try await withTaskExecutorPreference(BackgroundExecutor.evaluation) {
                    try await EvaluationJob.withScratchData(configuration, scratch: scratch) { store, data, sha256 in
                        try await ExperimentSimulation(registry: registry).run(
                            experiment, data: data,
                            prerequisites: instances.map { EvaluationPlan.Entry(name: $0.name, strategy: $0.strategyID, parameters: $0.parameters) },
                            store: store, ratingsFile: configuration.ratings, sha256: sha256)
                    }
                }
                outcome = .finished(result.report, users: result.exposures, at: Date())
                logger.info("experiment simulated", metadata: ["experiment": "\(experiment.id)", "users": "\(result.exposures)"])
            } catch {
                outcome = .failed("\(error)", at: Date())
                logger.error("experiment simulation failed", metadata: ["experiment": "\(experiment.id)", "error": "\(error)"])
            }
            self.states.withLock { $0[experiment.id] = outcome }
        }
    }
}
