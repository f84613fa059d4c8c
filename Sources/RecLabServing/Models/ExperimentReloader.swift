import Foundation
import Logging
import RecLabCore
import RecLabExperiments
import ServiceLifecycle
import UnixSignals

/// Reloads the experiment files (`POST /admin/experiments/reload`, SIGHUP): an invalid set is
/// refused and the running one keeps serving; a valid one is fitted in the background.
public struct ExperimentReloader: Sendable {
    let configuration: ServerConfiguration
    let refits: RefitService
    let logger: Logger

    public init(configuration: ServerConfiguration, refits: RefitService, logger: Logger) {
        self.configuration = configuration
        self.refits = refits
        self.logger = logger
    }

    /// Reads and checks every experiment file of `EXPERIMENTS_DIR` against `registry`.
    public static func load(_ configuration: ServerConfiguration, registry: StrategyRegistry) throws -> [Experiment] {
        try ExperimentFile.loadAll(folder: configuration.experimentsDirectory, registry: registry)
    }

    /// The new set, checked and queued: it goes live once its variants are fitted, which takes
    /// as long as a refit, so nobody waits for it. Throws `ConfigurationError` (the old set
    /// stays) or returns nil when a refit is already running or waiting.
    public func reload() throws -> [Experiment]? {
        // The registry the models are built from, so a set that loads here also fits.
        let experiments = try Self.load(configuration, registry: refits.host.registry)
        guard refits.request(.reload(experiments)) else { return nil }
        logger.info("experiment reload started", metadata: ["experiments": "\(experiments.map(\.id).joined(separator: ", "))"])
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
                if try reloader.reload() == nil {
                    reloader.logger.error("experiment reload refused: a refit is running; send SIGHUP again when it ends")
                }
            } catch {
                reloader.logger.error("experiment reload refused; the previous experiments keep serving", metadata: ["error": "\(error)"])
            }
        }
    }
}
