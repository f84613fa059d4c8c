import ArgumentParser
import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabServer
import RecLabServing
import RecLabSQLite
import Synchronization

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score strategies offline on evaluation protocol v1 and write a report.",
        discussion: """
            Splits the config's ratings per user in time (last 20% to test), fits every strategy \
            of the config on train, and scores its top 10 among train movies. A strategy with a \
            `grid` is chosen on the validation split carved from train, refitted on train and \
            scored once on test. Writes report.json, report.md and report.html under \
            reports/<timestamp>-<name>/, and stores the report in the database the server reads \
            (GET /evaluations, /analytics/model-performance).
            """)

    @Option(help: "The evaluation config, e.g. experiments/offline/ml-latest-small.yaml.")
    var config: String

    @Option(help: "Folder the report folder is written under.")
    var reports: String = "reports"

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store = try await database.open().store
        let progress = EvaluationProgressLine()
        let output: EvaluationJob.Output
        do {
            output = try await EvaluationJob.run(
                configPath: config, reportsDirectory: URL(fileURLWithPath: reports), store: store, scratch: Reclab.scratchStore, registry: Reclab.strategies,
                progress: progress.report)
        } catch let error as ConfigurationError {
            progress.finish()
            throw ValidationError(error.description)
        }
        progress.finish()
        let report = output.report
        print("\(report.name): protocol \(report.protocolVersion), \(report.data.usersScored) users scored, \(report.data.moviesInTrain) movies in train")
        print("strategy".padding(toLength: 22, withPad: " ", startingAt: 0) + " ndcg@10  recall@10  precision@10  coverage@10  fit s")
        for result in report.strategies {
            let m = result.metrics
            print(result.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " %.4f   %.4f     %.4f        %.4f       %.3f", m.ndcg, m.recall, m.precision, m.coverage, result.fitSeconds))
        }
        let gridPoints = report.strategies.map(\.grid.count).reduce(0, +)
        let gridSeconds = report.strategies.flatMap(\.grid).map(\.fitSeconds).reduce(0, +)
        if gridPoints > 0 {
            print(String(format: "grids: %d points, %.2f s of fitting on the validation split", gridPoints, gridSeconds))
        }
        print(String(format: "total %.1f s; report in %@ (stored as %@)", report.totalSeconds, output.folder.path, report.id))
    }
}

/// Evaluation progress: strategy, phase, users done and an ETA for the phase.
final class EvaluationProgressLine: Sendable {
    let line = StatusLine()
    /// The phase on screen and when it began, for the ETA.
    private let phase = Mutex((key: "", started: ContinuousClock.now))

    var report: EvaluationProgress {
        { [self] strategy, name, done, total in
            if line.interactive {
                let key = "\(strategy)/\(name)"
                let started = self.phase.withLock { current in
                    if current.key != key { current = (key, .now) }
                    return current.started
                }
                let elapsed = (ContinuousClock.now - started).seconds
                let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
                line.redraw("\(strategy) · \(name) · users \(done)/\(total) · ETA \(String(format: "%.1f s", eta))")
            } else if done == total {
                line.log("\(strategy): \(name): \(total) users scored")
            }
        }
    }

    func finish() { line.finish() }
}
