import ArgumentParser
import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabExperiments
import RecLabServer
import RecLabServing

/// Prints rows under a header, each column as wide as its widest cell.
private func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
    for row in [header] + rows {
        print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}

struct Experiments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with A/B experiment files.",
        subcommands: [Validate.self, Simulate.self])

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
                experiments = try ExperimentFile.loadAll(folder: folder, registry: Reclab.strategies)
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            for experiment in experiments {
                let variants = experiment.variants.map { variant in
                    let share = experiment.kind == .ab ? " \(Int((variant.weight * 100).rounded()))%" : ""
                    return "\(variant.name)\(share)\(variant.isControl ? " (control)" : "")"
                }
                let kind = experiment.kind == .ab ? "" : " \(experiment.kind.rawValue) of"
                print("ok  \(experiment.id) [\(experiment.status.rawValue)] on \(experiment.surface):\(kind) \(variants.joined(separator: ", "))")
            }
            print("\(experiments.count) experiment\(experiments.count == 1 ? "" : "s") valid")
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Try an experiment offline: held-out MovieLens ratings play the users.",
            discussion: """
                Splits the ratings as evaluation protocol v1 does and fits every variant (after \
                the instances of the strategies file, so hybrids find their components) on \
                train. Each user is assigned by the experiment's own salt, weights, coverage and \
                targeting, and shown their variant's top 10 among train movies: one exposure, ten \
                impressions. A shown movie the user rated 4 or more in the held-out part is a \
                click, one they rated at all a watch. The report is the one GET \
                /experiments/{id}/report serves, with each variant's offline scores on the same \
                split beside it; it is printed and written as report.json and report.html under \
                reports/<timestamp>-<id>-simulated/.
                """)

        @Option(help: "The id of the experiment to simulate.")
        var experiment: String

        @Option(help: "The folder of experiment files.")
        var folder: String = "experiments"

        @Option(help: "An offline-evaluation config; only its datasets and ratings are read.")
        var config: String = "experiments/offline/ml-latest-small.yaml"

        @Option(help: "The strategies file whose instances are fitted before the variants.")
        var strategies: String = "experiments/strategies.yaml"

        @Option(help: "Folder the report folder is written under.")
        var reports: String = "reports"

        func run() async throws {
            let outcome: ExperimentSimulation.Outcome
            let progress = EvaluationProgressLine()
            do {
                let experiments = try ExperimentFile.loadAll(folder: folder, registry: Reclab.strategies)
                guard let chosen = experiments.first(where: { $0.id == experiment }) else {
                    throw ConfigurationError("no experiment '\(experiment)' in \(folder) (found: \(experiments.map(\.id).joined(separator: ", ")))")
                }
                let instances = try StrategyConfiguration.load(path: strategies, registry: Reclab.strategies).instances
                let configuration = try EvaluationConfiguration.load(path: config)
                outcome = try await EvaluationJob.withScratchData(configuration, scratch: Reclab.scratchStore) { store, data, sha256 in
                    try await ExperimentSimulation(registry: Reclab.strategies).run(
                        chosen, data: data,
                        prerequisites: instances.map { EvaluationPlan.Entry(name: $0.name, strategy: $0.strategyID, parameters: $0.parameters) },
                        store: store, ratingsFile: configuration.ratings, sha256: sha256, progress: progress.report)
                }
            } catch let error as ConfigurationError {
                progress.finish()
                throw ValidationError(error.description)
            }
            progress.finish()
            let report = outcome.report
            let folder = URL(fileURLWithPath: reports).appending(path: "\(OfflineEvaluation.stamp(report.generatedAt))-\(report.experiment)-simulated")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try EvaluationJob.reportEncoder.encode(report).write(to: folder.appending(path: "report.json"))
            try Data(ExperimentHTMLReport.render(report).utf8).write(to: folder.appending(path: "report.html"))
            try Data(HTMLReport.render(outcome.evaluation).utf8).write(to: folder.appending(path: "offline.html"))
            try EvaluationJob.reportEncoder.encode(outcome.power).write(to: folder.appending(path: "power.json"))

            print("\(report.experiment): \(outcome.exposures) simulated users, \(outcome.events) events")
            let header = ["variant", "users", "impr.", "clicks", "CTR (95% CI)", "lift (95% CI)", "p", "ndcg@10"]
            let rows = report.variants.map { variant -> [String] in
                let ctr = variant.ctr
                let lift = variant.ctrLift
                return [
                    variant.name + (variant.control ? "*" : ""), "\(variant.users)", "\(variant.impressions)", "\(variant.clicks)",
                    ctr.value.map { value in String(format: "%.4f (%.4f–%.4f)", value, ctr.low ?? .nan, ctr.high ?? .nan) } ?? "n/a",
                    lift?.relativeLift.map { String(format: "%+.1f%% (%+.1f%% to %+.1f%%)", $0 * 100, (lift?.low ?? .nan) * 100, (lift?.high ?? .nan) * 100) } ?? "—",
                    lift?.pValue.map { String(format: "%.2g", $0) } ?? "—",
                    variant.offline.map { String(format: "%.4f", $0.ndcg) } ?? "n/a",
                ]
            }
            printTable(header, rows)
            print("* control")
            for preference in report.preferences ?? [] {
                print("\(preference.a) vs \(preference.b): \(preference.usersWithClicks) of \(preference.users) users clicked; "
                    + "\(preference.favourA) favour \(preference.a), \(preference.favourB) favour \(preference.b), \(preference.tied) tied"
                    + (preference.pValue.map { String(format: ", p = %.2g", $0) } ?? ""))
            }
            for warning in report.warnings { print("warning: \(warning)") }
            print(report.conclusion)
            for curve in outcome.power {
                print("\nUsers needed to tell \(curve.challenger) from \(curve.control) (share of \(PowerCurve.experiments) simulated experiments finding p < 0.05):")
                printTable(["users", "A/B", "interleaving"], curve.points.map { point in
                    ["\(point.users)", String(format: "%.0f%%", point.abPower * 100), String(format: "%.0f%%", point.interleavingPower * 100)]
                })
                let needed = { (users: Int?) in users.map { "\($0) users" } ?? "more than \(PowerCurve.userCounts.last!) users" }
                print("80% power: A/B \(needed(curve.abUsersNeeded)), interleaving \(needed(curve.interleavingUsersNeeded)).")
            }
            print("Simulated clicks are held-out ratings, so these compare the designs' sensitivity, not live traffic needs.")
            print("report in \(folder.path)")
        }
    }
}
