import Foundation
import Logging
import RecLabCore
import RecLabEvaluation
import RecLabStore
import ServiceLifecycle
import Synchronization

/// The offline evaluation the server runs by itself when none is stored, so
/// `/analytics/model-performance` answers from the first start: pending, then the scores.
public final class StartupEvaluation: Sendable {
    /// Where the run stands, as the model-performance route tells it.
    public enum State: Sendable {
        case notStarted
        case running(config: String, since: Date)
        case failed(config: String, reason: String)
        case finished
    }

    private let state = Mutex(State.notStarted)
    public var current: State { state.withLock { $0 } }

    public init() {}

    /// Runs `configPath`'s evaluation unless an evaluation is already stored, on a thread of
    /// its own (seconds of fitting must not hold the cooperative pool request handlers need).
    /// A failure is logged and reported by the route, never thrown: the server serves on.
    public func runIfNoneStored(
        configPath: String, store: any Repositories, scratch: @escaping EvaluationJob.ScratchStore, registry: StrategyRegistry, logger: Logger
    ) async {
        do {
            guard try await store.evaluations().isEmpty else { return }
        } catch {
            state.withLock { $0 = .failed(config: configPath, reason: "cannot read the stored evaluations: \(error)") }
            return
        }
        state.withLock { $0 = .running(config: configPath, since: Date()) }
        logger.info("no offline evaluation stored: running one in the background", metadata: ["config": "\(configPath)"])
        do {
            let report = try await withTaskExecutorPreference(BackgroundExecutor.evaluation) {
                try await EvaluationJob.evaluate(configPath: configPath, store: store, scratch: scratch, registry: registry)
            }
            state.withLock { $0 = .finished }
            logger.info("background evaluation stored", metadata: [
                "id": "\(report.id)", "seconds": "\(String(format: "%.1f", report.totalSeconds))",
            ])
        } catch is CancellationError {
            state.withLock { $0 = .failed(config: configPath, reason: "the server stopped before the evaluation finished") }
        } catch {
            state.withLock { $0 = .failed(config: configPath, reason: "\(error)") }
            logger.error("background evaluation failed", metadata: ["config": "\(configPath)", "error": "\(error)"])
        }
    }
}

/// `StartupEvaluation` as a service of `reclab serve`: it starts once the models are ready and
/// is cancelled, between fits, when the server shuts down. Its end, whatever it is, leaves the
/// server serving: the service then waits for shutdown.
public struct StartupEvaluationService: Service {
    let body: @Sendable () async -> Void

    public init(_ evaluation: StartupEvaluation, configPath: String, store: any Repositories,
                scratch: @escaping EvaluationJob.ScratchStore, registry: StrategyRegistry, logger: Logger) {
        body = { await evaluation.runIfNoneStored(configPath: configPath, store: store, scratch: scratch, registry: registry, logger: logger) }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
        try? await gracefulShutdown()
    }
}
