import Foundation
import HTTPTypes
import Hummingbird
import RecLabEvaluation
import RecLabExperiments
import RecLabServing
import RecLabStore

/// `/experiments`: the experiments the server is running, as configured, and each one's
/// report (JSON, or the HTML page for a browser or `?format=html`).
struct ExperimentRoutes {
    let models: ModelHost
    let exposures: ExposureLog
    let store: any ExposureRepository
    /// Whose histories give CUPED its covariate.
    let interactions: any InteractionRepository
    let reports: EvaluationReports
    let simulations: ExperimentSimulations
    let attributionWindow: Duration

    struct Listing: ResponseEncodable {
        struct Variant: Codable {
            let name: String
            let weight: Double
            let control: Bool
            let strategy: String
        }

        struct Item: Codable {
            let id: String
            let description: String
            let status: String
            /// "ab" or "interleaving".
            let kind: String
            let surface: String
            let coverage: Double
            let namespace: String?
            let variants: [Variant]
            let links: [String: String]
        }

        let experiments: [Item]
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("experiments") { _, _ in
            Listing(experiments: (models.generation?.experiments ?? []).map { experiment in
                .init(
                    id: experiment.id, description: experiment.description, status: experiment.status.rawValue,
                    kind: experiment.kind.rawValue, surface: experiment.surface.rawValue, coverage: experiment.coverage,
                    namespace: experiment.namespace.map { "\($0.name) [\($0.range.lowerBound), \($0.range.upperBound))" },
                    variants: experiment.variants.map { .init(name: $0.name, weight: $0.weight, control: $0.isControl, strategy: $0.strategy) },
                    links: ["report": "/experiments/\(experiment.id)/report", "page": "/experiments/\(experiment.id)/report?format=html"])
            })
        }
        router.get("experiments/:id/report") { request, context in
            try answer(try await report(id: context.parameters.get("id") ?? ""), to: request)
        }
        // The newest offline simulation asked for with POST /admin/experiments/{id}/simulation.
        router.get("experiments/:id/simulation") { request, context in
            let id = context.parameters.get("id") ?? ""
            switch simulations.state(of: id) {
            case nil:
                throw APIError.notFound("no simulation of '\(id)' has run; start one with POST /admin/experiments/\(id)/simulation", code: "no_simulation")
            case .running(let since):
                throw APIError(.conflict, code: "simulation_running", message: "the simulation started at \(since.formatted(.iso8601)) is running")
                    .retrying(after: 2)
            case .failed(let reason, _):
                throw APIError(.unprocessableContent, code: "simulation_failed", message: "the simulation failed: \(reason)")
            case .finished(let report, _, _):
                return try answer(report, to: request)
            }
        }
    }

    /// The report over every exposure served so far (the buffer is flushed first) and the
    /// newest offline scores of each variant's strategy.
    private func report(id: String) async throws -> ExperimentReport {
        guard let generation = models.generation else {
            throw APIError(.serviceUnavailable, code: "models_not_ready", message: "the models are still being fitted; try again shortly")
        }
        guard let experiment = generation.experiments.first(where: { $0.id == id }) else {
            let known = generation.experiments.map(\.id).joined(separator: ", ")
            throw APIError.notFound("no experiment '\(id)' (known: \(known.isEmpty ? "none" : known))", code: "experiment_not_found")
        }
        try await exposures.flush()
        let activity = try await store.activity(experiment: id, attributionWindow: attributionWindow)
        let offline = ExperimentAnalysis.offlineScores(for: experiment, evaluations: try await reports.newestFirst(), registry: models.registry)
        let covariates = experiment.cuped ? try await preExposureActivity(activity.users) : [:]
        return ExperimentAnalysis.report(experiment: experiment, activity: activity, covariates: covariates, offline: offline)
    }

    /// CUPED's covariate: from how many ratings and preferences each user had before the
    /// experiment first served them. A user with none is a 0, which is what they did.
    private func preExposureActivity(_ users: [VariantUserActivity]) async throws -> [String: Double] {
        var covariates: [String: Double] = [:]
        for user in users {
            guard let first = user.firstExposedAt, covariates[user.userID] == nil else { continue }
            let before = Int64(first.timeIntervalSince1970)
            covariates[user.userID] = ExperimentAnalysis.preExposureCovariate(
                activityCount: try await interactions.history(of: user.userID).count { $0.timestamp < before })
        }
        return covariates
    }

    /// The report as JSON, or as its HTML page for a browser.
    private func answer(_ report: ExperimentReport, to request: Request) throws -> Response {
        if try wantsHTML(request) {
            return Response.reportPage(ExperimentHTMLReport.render(report))
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try EvaluationJob.reportEncoder.encode(report))))
    }

    /// `?format=html` or `json` decides; otherwise a browser (Accept: text/html) gets the page.
    private func wantsHTML(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("format") {
        case "html": return true
        case "json": return false
        case nil: return request.headers[.accept]?.contains("text/html") ?? false
        case let other?: throw APIError.badRequest("query parameter 'format' must be json or html, got '\(other)'")
        }
    }
}
