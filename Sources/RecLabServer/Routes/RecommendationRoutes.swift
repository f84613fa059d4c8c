import Foundation
import HTTPTypes
import Hummingbird
import RecLabCore
import RecLabExperiments
import RecLabServing

/// `/recommendations/…` and `/users/{user_id}/recommendations/personalized`: each route turns
/// HTTP into a `Recommender.Question` and the answer or `ServingError` back into HTTP.
struct RecommendationRoutes {
    let recommender: Recommender
    let maxRecommendations: Int
    let adminGate: AdminGate

    func register(on router: Router<RecLabRequestContext>) {
        let group = router.group("recommendations")
        group.get("similar/:tmdb_id") { request, context in
            let tmdbID = try context.parameters.positiveInteger("tmdb_id")
            return try await answer(.init(surface: .similar, limit: try limit(request), seedTMDBID: tmdbID, controls: try request.answerControls()))
        }
        group.get("genre/:genre") { request, context in
            let name = context.parameters.get("genre") ?? ""
            guard let genre = GenreCatalog.genre(named: name.contains("%") ? name.removingPercentEncoding ?? name : name) else {
                throw APIError.notFound(
                    "unknown genre '\(name)'; use a TMDB genre name, alias (sci-fi) or id: \(GenreCatalog.tmdb.map(\.name).joined(separator: ", "))",
                    code: "genre_not_found")
            }
            return try await answer(.init(surface: .genre, limit: try limit(request), genre: genre, controls: try request.answerControls()))
        }
        group.get("popular") { request, _ in try await answer(.init(surface: .popular, limit: try limit(request), controls: try request.answerControls())) }
        group.get("top-rated") { request, _ in try await answer(.init(surface: .topRated, limit: try limit(request), controls: try request.answerControls())) }
        group.get("trending") { request, _ in
            let text = request.uri.queryParameters.get("time_window") ?? "day"
            guard let window = TimeWindow(rawValue: text) else {
                throw APIError.badRequest("query parameter 'time_window' must be day, week or month, got '\(text)'")
            }
            return try await answer(.init(surface: .trending, limit: try limit(request), timeWindow: window, controls: try request.answerControls()))
        }
        group.get("hybrid/:user_id") { request, context in
            try await answer(.init(surface: .hybrid, limit: try limit(request), user: try context.parameters.userID(), controls: try request.answerControls(user: true)))
        }
        router.get("users/:user_id/recommendations/personalized") { request, context in
            try await answer(.init(surface: .personalized, limit: try limit(request), user: try context.parameters.userID(), controls: try request.answerControls(user: true)))
        }
        group.get("ab-test/:user_id") { request, context in
            let user = try context.parameters.userID()
            let forced = try forcedVariant(request, context: context)
            let limit = try limit(request)
            let controls = try request.answerControls(user: true)
            let (surface, history) = try await recommender.experimentSurface(for: user, forced: forced != nil)
            return try await answer(.init(surface: surface, limit: limit, user: user, forcedVariant: forced, history: history, controls: controls))
        }
    }

    private func answer(_ question: Recommender.Question) async throws -> Response {
        let issued: IssuedAnswer
        do {
            issued = try await recommender.answer(question)
        } catch let error as ServingError {
            throw APIError(error)
        }
        // The answer's stored JSON with this showing's request id spliced in.
        let id = issued.requestID
        var body = ByteBuffer()
        body.reserveCapacity(issued.encoded.head.count + id.utf8.count + issued.encoded.tail.count)
        body.writeBytes(issued.encoded.head)
        body.writeString(id)
        body.writeBytes(issued.encoded.tail)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    /// `?force_variant=`, honoured only with the admin key (QA looks at a variant on purpose).
    private func forcedVariant(_ request: Request, context: RecLabRequestContext) throws -> String? {
        guard let variant = request.uri.queryParameters.get("force_variant") else { return nil }
        guard try adminGate.admits(request, context: context) else {
            throw APIError(.forbidden, code: "forbidden", message: "force_variant needs the admin X-API-Key")
        }
        return variant
    }

    private func limit(_ request: Request) throws -> Int {
        try request.integerQuery("limit", default: min(10, maxRecommendations), in: 1...maxRecommendations)
    }
}

extension APIError {
    /// The HTTP answer for a question the serving layer could not answer.
    init(_ error: ServingError) {
        switch error {
        case .modelsNotReady:
            self.init(.serviceUnavailable, code: "models_not_ready", message: "the models are still being fitted; try again shortly")
        case .unknownMovie(let tmdbID):
            self = .notFound("no movie with tmdb_id \(tmdbID)", code: "movie_not_found")
        case .cannotRecommend(let strategy, let reason):
            self.init(.unprocessableContent, code: "cannot_recommend", message: "\(strategy): \(reason)")
        case .unknownVariant(let experiment, let variant, let known):
            self = .badRequest("experiment '\(experiment)' has no variant '\(variant)' (variants: \(known.joined(separator: ", ")))")
        }
    }
}
