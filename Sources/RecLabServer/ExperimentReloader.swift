import Foundation
import Logging
import RecLabCore
import RecLabExperiments
import ServiceLifecycle
import UnixSignals

/// Reloads the experiment files (`POST /admin/experiments/reload`, SIGHUP): an invalid set is
/// refused and the running one keeps serving.
public struct ExperimentReloader: Sendable {
    let configuration: ServerConfiguration
    let models: ModelHost
    let logger: Logger

    public init(configuration: ServerConfiguration, models: ModelHost, logger: Logger) {
        self.configuration = configuration
        self.models = models
        self.logger = logger
    }

    /// Reads and checks every experiment file of `EXPERIMENTS_DIR` against `registry`.
    public static func load(_ configuration: ServerConfiguration, registry: StrategyRegistry) throws -> [Experiment] {
        try ExperimentFile.loadAll(folder: configuration.experimentsDirectory, registry: registry)
    }

    /// The new set, live once its variants are fitted. Throws `ConfigurationError` (the old
    /// set stays) or returns false when a refit was already running.
    public func reload() async throws -> [Experiment]? {
        // The registry the models are built from, so a set that loads here also fits.
        let experiments = try Self.load(configuration, registry: models.registry)
        guard try await models.reload(experiments: experiments) else { return nil }
        logger.info("experiments reloaded", metadata: ["experiments": "\(experiments.map(\.id).joined(separator: ", "))"])
        return experiments
    }
}

/// Reloads the experiments on SIGHUP, as a service of the server's group.
public struct ExperimentReloadService: Service {
    let reloader: ExperimentReloader

    public init(reloader: ExperimentReloader) {
        self.reloader = reloader
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                _ = try await reloader.reload()
            } catch {
                reloader.logger.error("experiment reload refused; the previous experiments keep serving", metadata: ["error": "\(error)"])
            }
        }
    }
}
