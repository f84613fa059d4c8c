import ArgumentParser
import Foundation
import RecLabCore
import RecLabExperiments
import RecLabServer

struct Experiments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with A/B experiment files.",
        subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every experiment file.",
            discussion: """
                Reads every *.yaml in the folder except strategies.yaml: unknown strategy ids and \
                parameters, weights that do not sum to 1, a missing or second control, unknown \
                surfaces, and two running experiments on one surface without disjoint namespace \
                slices are reported with the file and the field.
                """)

        @Option(help: "The folder of experiment files.")
        var folder: String = "experiments"

        func run() async throws {
            let experiments: [Experiment]
            do {
                experiments = try ExperimentFile.loadAll(
                    folder: folder, registry: .standard,
                    surfaces: Set(StrategyConfiguration.Surface.allCases.map(\.rawValue)))
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            for experiment in experiments {
                let variants = experiment.variants.map { "\($0.name) \(Int(($0.weight * 100).rounded()))%\($0.isControl ? " (control)" : "")" }
                print("ok  \(experiment.id) [\(experiment.status.rawValue)] on \(experiment.surface): \(variants.joined(separator: ", "))")
            }
            print("\(experiments.count) experiment\(experiments.count == 1 ? "" : "s") valid")
        }
    }
}
