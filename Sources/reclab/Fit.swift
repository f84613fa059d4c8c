import ArgumentParser
import Foundation
import Logging
import RecLabCore
import RecLabExperiments
import RecLabServer
import RecLabServing

/// `reclab fit`: the models fitted once, for every replica.
struct Fit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit every configured model once and share the generation with the replicas.",
        discussion: """
            Fits the instances of STRATEGIES_FILE and the running experiments' variants on the \
            database's training data, writes the generation to the models folder (MODELS_DIR), \
            and announces it on the database's change feed: every replica serving with that \
            MODELS_DIR loads it instead of fitting. The generation becomes visible in one rename, \
            so no replica ever reads a half-written one.
            """)

    @Option(name: .long, help: "Folder of shared model generations (default: MODELS_DIR).")
    var modelsDir: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var settings = try await database.configuration.load()
        if let modelsDir { settings.modelsDirectory = modelsDir }
        guard let folder = settings.modelsDirectory else { throw ValidationError("no models folder: pass --models-dir or set MODELS_DIR") }
        let (strategies, experiments) = try ServedStrategies.load(settings)
        let store = try await database.open().store
        let host = ModelHost(
            configuration: strategies, experiments: experiments, registry: Reclab.strategies, interactions: store,
            memoryLimit: settings.modelMemoryLimit, sharing: try ModelHost.Sharing.configured(settings, feed: store), logger: Logger(label: "reclab.fit"))
        let clock = ContinuousClock.now
        try await host.refit()
        guard let generation = host.generation, let id = generation.sharedID else {
            throw ValidationError("the models were fitted but could not be written to \(folder) (see the error above)")
        }
        try await store.announceRefit(by: "reclab fit")
        print("fitted \(generation.models.count) models in \(ContinuousClock.now - clock); generation \(id) written to \(folder) and announced")
    }
}

/// The strategies file and the experiment files, read and checked as `serve` and `fit` need them.
enum ServedStrategies {
    static func load(_ configuration: ServerConfiguration) throws -> (StrategyConfiguration, [Experiment]) {
        do {
            return (
                try StrategyConfiguration.load(path: configuration.strategiesFile, registry: Reclab.strategies),
                try ExperimentReloader.load(configuration, registry: Reclab.strategies))
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
