import Foundation
import HTTPTypes
import Hummingbird
import RecLabCore
import RecLabEvaluation
import RecLabServing
import RecLabStore

/// `/evaluations` and `/analytics/model-performance`: the stored offline evaluation reports.
struct EvaluationRoutes {
    let evaluations: any EvaluationRepository
    let startup: StartupEvaluation

    /// A stored evaluation in a list.
    struct Summary: Codable {
        let id: String
        let name: String
        let protocolVersion: String
        let createdAt: Date
        let links: [String: String]
    }

    struct List: ResponseEncodable {
        let evaluations: [Summary]
    }

    /// The seed's model-performance answer, per strategy, from the latest report.
    struct ModelPerformance: ResponseEncodable {
        struct Scores: Codable {
            let strategy: String
            let precision: Double
            let recall: Double
            let ndcg: Double
            let map: Double
            let mrr: Double
            let hitRate: Double
            let coverage: Double
            let rmse: Double?
        }

        /// Always "ready": the pending and failed answers say otherwise.
        let status = "ready"
        let evaluationID: String
        let protocolVersion: String
        let evaluatedAt: Date
        let cutoff: Int
        let usersScored: Int
        let strategies: [String: Scores]
    }

    /// The model-performance answer while no evaluation is stored: the startup run is under
    /// way ("pending") or it failed ("failed"), with why.
    struct NoScoresYet: ResponseEncodable {
        let status: String
        let message: String
        let evaluationConfig: String
        let startedAt: Date?
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("evaluations") { _, _ in
            List(evaluations: try await evaluations.evaluations().map { stored in
                Summary(id: stored.id, name: stored.name, protocolVersion: stored.protocolVersion, createdAt: stored.createdAt,
                        links: ["self": "/evaluations/\(stored.id)", "report": "/evaluations/\(stored.id)/report"])
            })
        }
        router.get("evaluations/:id") { _, context in
            let stored = try await find(context.parameters.get("id") ?? "")
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            headers[.cacheControl] = "public, max-age=86400, immutable"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.json)))
        }
        router.get("evaluations/:id/report") { _, context in
            let stored = try await find(context.parameters.get("id") ?? "")
            return Response.reportPage(stored.html)
        }
        router.get("analytics/model-performance") { request, context -> Response in
            guard let latest = try await evaluations.evaluations().first else {
                switch startup.current {
                case .running(let config, let since):
                    return try NoScoresYet(
                        status: "pending", message: "the first offline evaluation is running; scores follow in seconds",
                        evaluationConfig: config, startedAt: since
                    ).response(from: request, context: context)
                case .failed(let config, let reason):
                    return try NoScoresYet(status: "failed", message: "the startup evaluation failed: \(reason)", evaluationConfig: config, startedAt: nil)
                        .response(from: request, context: context)
                case .notStarted, .finished:
                    throw APIError.notFound(
                        "no offline evaluation has been run yet; run `reclab evaluate --config experiments/offline/ml-latest-small.yaml`",
                        code: "no_evaluation")
                }
            }
            let report = try JSONCoding.decoder.decode(EvaluationReport.self, from: latest.json)
            return try ModelPerformance(
                evaluationID: report.id, protocolVersion: report.protocolVersion, evaluatedAt: report.createdAt,
                cutoff: OfflineEvaluation.cutoff, usersScored: report.data.usersScored,
                strategies: Dictionary(uniqueKeysWithValues: report.strategies.map { result in
                    let m = result.metrics
                    return (result.name, ModelPerformance.Scores(
                        strategy: result.strategy, precision: m.precision, recall: m.recall, ndcg: m.ndcg, map: m.map, mrr: m.mrr,
                        hitRate: m.hitRate, coverage: m.coverage, rmse: result.rating?.rmse))
                })
            ).response(from: request, context: context)
        }
    }

    private func find(_ id: String) async throws -> StoredEvaluation {
        guard let stored = try await evaluations.evaluation(id: id) else {
            throw APIError.notFound("no evaluation '\(id)'", code: "evaluation_not_found")
        }
        return stored
    }
}

extension Response {
    /// A report page: self-contained HTML (inline styles and SVG, no script), under a
    /// Content-Security-Policy that lets it load nothing, so a crafted title or parameter in a
    /// report could never run or fetch anything.
    static func reportPage(_ html: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
