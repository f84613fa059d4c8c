import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabExperiments
import RecLabObservability
import RecLabServing

/// The request rate and latency per route over the last minute, as `/console/live` answers
/// them and the overview's table shows them: each route's `route`, `per_second`, `p50`, `p99`
/// and `requests`, formatted for reading.
public struct LiveFigures: Codable, Sendable {
    public let routes: [[String: String]]
    public let windowSeconds: Int
    public let rateSeconds: Int
}

extension Console {
    /// `/console`: the catalogue, the fitted instances, the experiments, the latest offline
    /// evaluation and the live figures per route.
    public func overview(part: Part, keyed: Bool) async throws -> String {
        let generation = services.models.generation
        let facts = services.catalogue.snapshot.map { snapshot in
            let counts = snapshot.counts
            return [
                Self.fact("Movies", Self.count(counts.movies)), Self.fact("Ratings", Self.count(counts.ratings)),
                Self.fact("Users who rated", Self.count(counts.ratingUsers)), Self.fact("Genres", Self.count(counts.genres)),
                Self.fact("People", Self.count(counts.people)),
            ]
        } ?? []
        let instances = (generation?.strategies ?? []).map { instance -> View in
            let summary = generation?.models[instance.name]?.summary
            var size = summary.map { "\(Self.count($0.items)) movies" + ($0.users > 0 ? ", \(Self.count($0.users)) users" : "") } ?? ""
            if let factors = summary?.factors { size += ", \(factors) factors" }
            if let detail = summary?.detail, !detail.isEmpty { size += "; \(detail)" }
            return [
                "name": instance.name, "strategy": instance.strategyID, "parameters": instance.parameters.inline, "size": size,
                "fit": generation?.fitSeconds[instance.name].map(Self.duration(seconds:)) ?? "",
            ]
        }
        let users = experimentUsers()
        let experiments = (generation?.experiments ?? []).map { experiment -> View in
            [
                "id": experiment.id, "kind": Self.kind(experiment), "surface": experiment.surface.rawValue, "status": experiment.status.rawValue,
                "users": experiment.status == .running ? users[experiment.id].map(Self.count) ?? "…" : "—",
                "report": "/experiments/\(experiment.id)/report?format=html",
            ]
        }
        let (evaluation, note) = try await latestEvaluation()
        let fitted = generation.map { "Fitted \(Self.time($0.fittedAt))" + ($0.sharedID.map { ", shared generation \($0)" } ?? "") }
        let view = Self.view([
            "catalogue": facts, "instances": instances, "experiments": experiments, "evaluation": evaluation, "evaluationNote": note,
            "routes": live().routes,
            "generation": fitted ?? (services.models.isRefitting ? "The models are being fitted." : "No models are fitted yet."),
        ])
        return page("Overview", .overview, "overview", view, part: part, keyed: keyed)
    }

    /// "A/B" or "interleaving", as the pages name an experiment's kind.
    static func kind(_ experiment: Experiment) -> String {
        experiment.kind == .interleaving ? "interleaving" : "A/B"
    }

    /// The newest stored evaluation's best strategy, or why there is none.
    private func latestEvaluation() async throws -> (View?, String?) {
        guard let report = try await services.reports.newestFirst().first else {
            switch services.startupEvaluation.current {
            case .running(let config, _): return (nil, "The first offline evaluation (\(config)) is running; its scores appear here when it ends.")
            case .failed(let config, let reason): return (nil, "The start-up evaluation of \(config) failed: \(reason)")
            case .notStarted, .finished: return (nil, "No offline evaluation is stored yet: run `reclab evaluate`.")
            }
        }
        guard let best = report.best else { return (nil, "The latest evaluation, \(report.name), scored no strategy.") }
        let interval = best.intervals?["ndcg@10"].map { "95% interval \(Self.decimal($0.low))–\(Self.decimal($0.high))" } ?? "no interval"
        let verdict = report.winner != nil
            ? "\(best.name) wins: no other strategy is tied with it."
            : "A tie: another strategy's interval of the difference with \(best.name) spans 0, so no winner is named."
        return ([
            "name": report.name, "created": Self.time(report.createdAt), "report": "/evaluations/\(report.id)/report", "best": best.name,
            "ndcg": Self.decimal(best.metrics.ndcg), "interval": interval, "verdict": verdict,
        ], nil)
    }

    /// The live figures of every route with traffic in the last minute.
    public func live() -> LiveFigures {
        LiveFigures(
            routes: services.activity.figures().map { figures in
                [
                    "route": figures.route, "per_second": String(format: figures.perSecond >= 10 ? "%.0f" : "%.1f", figures.perSecond),
                    "p50": Self.milliseconds(figures.p50Milliseconds), "p99": Self.milliseconds(figures.p99Milliseconds),
                    "requests": Self.count(figures.requests),
                ]
            },
            windowSeconds: RouteActivity.windowSeconds, rateSeconds: RouteActivity.rateSeconds)
    }

    static func milliseconds(_ value: Double) -> String {
        value >= 10 ? String(format: "%.0f ms", value) : value >= 1 ? String(format: "%.1f ms", value) : String(format: "%.2f ms", value)
    }
}
