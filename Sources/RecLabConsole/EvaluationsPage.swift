import Foundation
import RecLabEvaluation
import RecLabStatistics
import Synchronization

/// Two reports compared strategy by strategy on per-user ndcg@10, computed once per pair:
/// stored reports never change.
final class EvaluationComparisons: Sendable {
    /// Each strategy's row: `strategy`, `a`, `b`, `difference`, `interval` and `verdict`, formatted.
    struct Result: Sendable {
        let paired: Bool
        let rows: [[String: String]]
        let onlyInOne: [String]
    }

    private let computed = Mutex<[String: Result]>([:])
    static let resamples = 1_000

    /// b − a for each strategy both ran. On the same data (the same file and scored users) the
    /// users pair up and the bootstrap resamples them together; otherwise each run is resampled
    /// on its own and the interval is of the difference of the two means.
    func compare(_ a: EvaluationReport, _ b: EvaluationReport) -> Result {
        let key = a.id + "\u{1F}" + b.id
        if let known = computed.withLock({ $0[key] }) { return known }
        let paired = a.data.sha256 == b.data.sha256 && a.data.usersScored == b.data.usersScored && a.protocolVersion == b.protocolVersion
        let names = Set(a.strategies.map(\.name)).intersection(b.strategies.map(\.name))
        let rows = b.strategies.filter { names.contains($0.name) }.compactMap { right -> [String: String]? in
            guard let left = a.strategies.first(where: { $0.name == right.name }),
                  !left.perUserNDCG.isEmpty, !right.perUserNDCG.isEmpty else { return nil }
            let difference = paired && left.perUserNDCG.count == right.perUserNDCG.count
                ? Bootstrap(units: left.perUserNDCG.count, resamples: Self.resamples).compare(right.perUserNDCG, to: left.perUserNDCG)
                : Self.unpaired(right.perUserNDCG, left.perUserNDCG)
            return [
                "strategy": right.name, "a": Console.decimal(left.metrics.ndcg), "b": Console.decimal(right.metrics.ndcg),
                "difference": Console.signed(difference.difference),
                "interval": "\(Console.signed(difference.low)) to \(Console.signed(difference.high))",
                "verdict": difference.tied ? "tie" : difference.difference > 0 ? "b better" : "a better",
            ]
        }
        let onlyInOne = Set(a.strategies.map(\.name)).symmetricDifference(b.strategies.map(\.name)).sorted()
        let result = Result(paired: paired, rows: rows, onlyInOne: onlyInOne)
        computed.withLock { $0[key] = result }
        return result
    }

    /// mean(values) − mean(reference) with each side resampled on its own.
    static func unpaired(_ values: [Double], _ reference: [Double]) -> PairedDifference {
        let left = Bootstrap(units: values.count, resamples: resamples, seed: 1).replicatedMeans(values)
        let right = Bootstrap(units: reference.count, resamples: resamples, seed: 2).replicatedMeans(reference)
        let replicates = zip(left, right).map { $0 - $1 }
        let interval = Bootstrap(units: 1, resamples: 1).percentileInterval(replicates)
        let below = replicates.count { $0 <= 0 }
        let above = replicates.count { $0 >= 0 }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        return PairedDifference(
            difference: mean(values) - mean(reference), low: interval.low, high: interval.high,
            pValue: min(1, 2 * Double(1 + min(below, above)) / Double(1 + resamples)))
    }
}

extension Console {
    /// `/console/evaluations`: every stored offline evaluation, and `a` and `b` compared
    /// strategy by strategy when both are given.
    public func evaluations(a: String?, b: String?, part: Part, keyed: Bool) async throws -> String {
        let reports = try await services.reports.newestFirst()
        var comparison: View?
        if let a, let b {
            guard let left = reports.first(where: { $0.id == a }), let right = reports.first(where: { $0.id == b }) else {
                throw ConsoleNotFound(message: "no stored evaluation '\(reports.contains { $0.id == a } ? b : a)'")
            }
            let result = comparisons.compare(left, right)
            comparison = Self.view([
                "a": "\(left.name) (\(Self.time(left.createdAt)))", "b": "\(right.name) (\(Self.time(right.createdAt)))", "rows": result.rows,
                "onlyInOne": result.onlyInOne.isEmpty ? nil : result.onlyInOne.joined(separator: ", "),
                "pairing": result.paired
                    ? "Same data and users: each user's ndcg@10 is paired, and the users are resampled together (\(EvaluationComparisons.resamples) resamples)."
                    : "Different data or users: each run is resampled on its own (\(EvaluationComparisons.resamples) resamples), so the interval is wider than a paired one.",
            ])
        }
        let runs = reports.map { report -> View in
            [
                "id": report.id, "name": report.name, "created": Self.time(report.createdAt), "protocolVersion": report.protocolVersion,
                "users": Self.count(report.data.usersScored), "verdict": report.winner.map { "\($0) wins" } ?? "tie at the top",
                "best": report.best.map { "\($0.name), ndcg@10 \(Self.decimal($0.metrics.ndcg))" } ?? "—",
                "report": "/evaluations/\(report.id)/report", "json": "/evaluations/\(report.id)",
                "selectedA": report.id == (a ?? reports.dropFirst().first?.id), "selectedB": report.id == (b ?? reports.first?.id),
            ]
        }
        var note: String?
        if reports.isEmpty {
            note = switch services.startupEvaluation.current {
            case .running(let config, _): "The start-up evaluation (\(config)) is running: its ndcg@10 and intervals appear here when it ends."
            default: "No offline evaluation is stored yet: run `reclab evaluate --config experiments/offline/ml-latest-small.yaml`."
            }
        }
        let view = Self.view(["runs": runs, "comparison": comparison, "canCompare": reports.count >= 2, "note": note])
        return page("Evaluations", .evaluations, "evaluations", view, part: part, keyed: keyed)
    }
}
