import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import RecLabCore
import RecLabExperiments
import RecLabObservability
import RecLabStore

/// The seed's recommendation answer: the movies, why each, which strategy answered, when.
struct RecommendationResponse: ResponseEncodable, Sendable {
    /// One recommended movie with the fields clients show.
    struct Item: Codable, Sendable {
        let movieID: Int?
        let title: String
        let score: Double
        let reason: String
        let posterPath: String?
        let releaseDate: String?
        let voteAverage: Double?

        enum CodingKeys: String, CodingKey {
            case title, score, reason
            case movieID = "movie_id"
            case posterPath = "poster_path"
            case releaseDate = "release_date"
            case voteAverage = "vote_average"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(movieID, forKey: .movieID)
            try container.encode(title, forKey: .title)
            try container.encode(score, forKey: .score)
            try container.encode(reason, forKey: .reason)
            try container.encode(posterPath, forKey: .posterPath)
            try container.encode(releaseDate, forKey: .releaseDate)
            try container.encode(voteAverage, forKey: .voteAverage)
        }
    }

    let type: String
    let strategy: String
    let strategyInstance: String
    let movieID: Int?
    let userID: String?
    let genre: Genre?
    let timeWindow: String?
    let recommendations: [Item]
    let totalCount: Int
    let generatedAt: Date
    /// Names this answer, so feedback events can say which answer showed a movie.
    var requestID: String
    /// The experiment and variant that served this answer; nil when the user is in none.
    let experiment: String?
    let variant: String?

    enum CodingKeys: String, CodingKey {
        case type, strategy, genre, recommendations, experiment, variant
        case requestID = "request_id"
        case strategyInstance = "strategy_instance"
        case movieID = "movie_id"
        case userID = "user_id"
        case timeWindow = "time_window"
        case totalCount = "total_count"
        case generatedAt = "generated_at"
    }

    /// Writes `experiment` and `variant` as null when no experiment served the answer, so a
    /// client always sees whether one did.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(strategy, forKey: .strategy)
        try container.encode(strategyInstance, forKey: .strategyInstance)
        try container.encodeIfPresent(movieID, forKey: .movieID)
        try container.encodeIfPresent(userID, forKey: .userID)
        try container.encodeIfPresent(genre, forKey: .genre)
        try container.encodeIfPresent(timeWindow, forKey: .timeWindow)
        try container.encode(recommendations, forKey: .recommendations)
        try container.encode(totalCount, forKey: .totalCount)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(experiment, forKey: .experiment)
        try container.encode(variant, forKey: .variant)
    }
}

/// Answers recommendation requests from the current models, through the response cache.
struct Recommender: Sendable {
    let host: ModelHost
    let interactions: any InteractionRepository
    let cache: RecommendationCache
    let exposures: ExposureLog
    let served: ServingStats
    let metrics: RecommendationMetrics

    /// What a route asks of the surface's strategy.
    struct Question {
        var surface: Surface
        var cacheKey: String
        var request: RecommendationRequest
        var seedTMDBID: Int?
        /// Whose answer this is, so their next preference can drop it from the cache.
        var user: String?
        /// A variant to serve whatever the assignment says (QA, admin key only).
        var forcedVariant: String?
        /// The user's history when the route has already read it.
        var history: [Interaction]?
    }

    func answer(_ question: Question) async throws -> RecommendationResponse {
        if let cached = cache.value(for: question.cacheKey) { return issue(cached, forced: question.forcedVariant != nil) }
        guard let generation = host.generation else {
            throw APIError(.serviceUnavailable, code: "models_not_ready", message: "the models are still being fitted; try again shortly")
        }
        var name = host.configuration.surfaces[question.surface]!
        var strategyID = host.configuration.instances.first { $0.name == name }!.strategyID
        var request = question.request
        request.requireTMDBID = true
        var served: (experiment: String, variant: String)?
        if let user = question.user {
            if let history = question.history {
                request.history = history
            } else {
                request.history = try await interactions.history(of: user)
            }
            request.excluded.formUnion(request.history.map(\.movie))
            if let (experiment, variant) = try Self.variant(
                for: user, surface: question.surface, interactions: request.history.count,
                forced: question.forcedVariant, experiments: generation.experiments) {
                served = (experiment.id, variant.name)
                name = experiment.modelName(of: variant)
                strategyID = variant.strategy
            }
        }
        if let seed = question.seedTMDBID {
            guard let movie = generation.movieByTMDBID[seed] else {
                throw APIError.notFound("no movie with tmdb_id \(seed)", code: "movie_not_found")
            }
            request.seedMovie = movie
            request.excluded.insert(movie)
        }
        let recommendations: [Recommendation]
        do {
            let started = ContinuousClock.now
            recommendations = try generation.models[name]!.recommend(request)
            metrics.durations(strategyID).recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        } catch let error as RecommendationError {
            throw APIError(.unprocessableContent, code: "cannot_recommend", message: "\(strategyID): \(error)")
        }
        let items = recommendations.compactMap { recommendation -> RecommendationResponse.Item? in
            guard let item = generation.catalogue.item(recommendation.movie) else { return nil }
            return .init(
                movieID: item.tmdbID, title: item.title, score: (recommendation.score * 10_000).rounded() / 10_000,
                reason: recommendation.reason, posterPath: item.posterPath, releaseDate: item.releaseDate ?? item.year.map(String.init),
                voteAverage: item.voteAverage)
        }
        let response = RecommendationResponse(
            type: question.surface.rawValue, strategy: strategyID, strategyInstance: name,
            movieID: question.seedTMDBID, userID: question.user, genre: request.genre,
            timeWindow: request.timeWindow?.rawValue, recommendations: items, totalCount: items.count, generatedAt: Date(),
            requestID: "", experiment: served?.experiment, variant: served?.variant)
        cache.store(response, for: question.cacheKey, user: question.user)
        return issue(response, forced: question.forcedVariant != nil)
    }

    /// Names this showing of an answer (a cached answer shown again is a new showing, which
    /// events must be able to tell apart) and logs the exposure when an experiment served it;
    /// a QA-forced variant is no exposure, or it would skew the split.
    private func issue(_ answer: RecommendationResponse, forced: Bool) -> RecommendationResponse {
        var response = answer
        response.requestID = "rec_" + UUID().uuidString.lowercased()
        served.answers.add(1, ordering: .relaxed)
        metrics.served([response.type, response.strategy, response.experiment ?? "none", response.variant ?? "none"]).increment()
        if response.recommendations.isEmpty {
            metrics.empty([response.type, response.strategy]).increment()
        }
        if let experiment = response.experiment, let variant = response.variant, let user = response.userID, !forced {
            metrics.assignments([experiment, variant]).increment()
            exposures.record(Exposure(
                requestID: response.requestID, experiment: experiment, variant: variant, userID: user, surface: response.type,
                exposedAt: response.generatedAt))
        }
        return response
    }

    /// The running experiment on `surface` that enrols the user, and its variant for them
    /// (or the forced one).
    static func variant(
        for user: String, surface: Surface, interactions: Int, forced: String?, experiments: [Experiment]
    ) throws -> (Experiment, Experiment.Variant)? {
        for experiment in experiments where experiment.status == .running && experiment.surface == surface {
            if let forced {
                guard let variant = experiment.variants.first(where: { $0.name == forced }) else {
                    throw APIError.badRequest("experiment '\(experiment.id)' has no variant '\(forced)' (variants: \(experiment.variants.map(\.name).joined(separator: ", ")))")
                }
                return (experiment, variant)
            }
            if let assignment = experiment.assign(userID: user, interactions: interactions) {
                return (experiment, assignment.variant)
            }
        }
        return nil
    }

    /// The user surface an experiment enrolling this user runs on (personalized first), and
    /// the history that decided it, for the answer to reuse.
    func experimentSurface(for user: String, forced: Bool) async throws -> (Surface, [Interaction]) {
        let history = try await interactions.history(of: user)
        let running = (host.generation?.experiments ?? []).filter { $0.status == .running }
        for surface in [Surface.personalized, .hybrid] {
            if running.contains(where: { $0.surface == surface && (forced || $0.assign(userID: user, interactions: history.count) != nil) }) {
                return (surface, history)
            }
        }
        return (.personalized, history)
    }
}

/// The recommender's metric handles by label values (strategies, surfaces and variants:
/// bounded sets), bound to the metrics backend of when the services were made.
final class RecommendationMetrics: Sendable {
    let durations = HandleCache<String, Timer> { Timer(label: Metric.recommendDuration.name, dimensions: [("strategy", $0)]) }
    let served = HandleCache<[String], Counter> { key in
        Counter(label: Metric.recommendationsServed.name, dimensions: [("surface", key[0]), ("strategy", key[1]), ("experiment", key[2]), ("variant", key[3])])
    }
    let empty = HandleCache<[String], Counter> { key in
        Counter(label: Metric.recommendationsEmpty.name, dimensions: [("surface", key[0]), ("strategy", key[1])])
    }
    let assignments = HandleCache<[String], Counter> { key in
        Counter(label: Metric.experimentAssignments.name, dimensions: [("experiment", key[0]), ("variant", key[1])])
    }

    /// Creates, at zero, the served, empty-answer and assignment series every surface and
    /// running variant of `generation` can produce, so dashboards and alerts see 0 rather
    /// than no data.
    func prime(_ configuration: StrategyConfiguration, _ generation: ModelHost.Generation) {
        for (surface, name) in configuration.surfaces {
            let strategy = configuration.instances.first { $0.name == name }?.strategyID ?? name
            _ = served([surface.rawValue, strategy, "none", "none"])
            _ = empty([surface.rawValue, strategy])
        }
        for experiment in generation.experiments where experiment.status == .running {
            for variant in experiment.variants {
                _ = assignments([experiment.id, variant.name])
                _ = served([experiment.surface.rawValue, variant.strategy, experiment.id, variant.name])
                _ = empty([experiment.surface.rawValue, variant.strategy])
            }
        }
    }
}

/// `/recommendations/…` and `/users/{user_id}/recommendations/personalized`.
struct RecommendationRoutes {
    let recommender: Recommender
    let maxRecommendations: Int
    let adminKey: String?

    func register(on router: Router<RecLabRequestContext>) {
        let group = router.group("recommendations")
        group.get("similar/:tmdb_id") { request, context in
            let tmdbID = try context.parameters.positiveInteger("tmdb_id")
            let limit = try limit(request)
            return try await recommender.answer(.init(
                surface: .similar, cacheKey: "similar/\(tmdbID)/\(limit)",
                request: RecommendationRequest(limit: limit), seedTMDBID: tmdbID))
        }
        group.get("genre/:genre") { request, context in
            let name = context.parameters.get("genre") ?? ""
            guard let genre = GenreCatalog.genre(named: name.removingPercentEncoding ?? name) else {
                throw APIError.notFound(
                    "unknown genre '\(name)'; use a TMDB genre name, alias (sci-fi) or id: \(GenreCatalog.tmdb.map(\.name).joined(separator: ", "))",
                    code: "genre_not_found")
            }
            let limit = try limit(request)
            return try await recommender.answer(.init(
                surface: .genre, cacheKey: "genre/\(genre.id)/\(limit)", request: RecommendationRequest(genre: genre, limit: limit)))
        }
        group.get("popular") { request, _ in try await ranking(.popular, request) }
        group.get("top-rated") { request, _ in try await ranking(.topRated, request) }
        group.get("trending") { request, _ in
            let text = request.uri.queryParameters.get("time_window") ?? "day"
            guard let window = TimeWindow(rawValue: text) else {
                throw APIError.badRequest("query parameter 'time_window' must be day, week or month, got '\(text)'")
            }
            let limit = try limit(request)
            return try await recommender.answer(.init(
                surface: .trending, cacheKey: "trending/\(window.rawValue)/\(limit)",
                request: RecommendationRequest(timeWindow: window, limit: limit)))
        }
        group.get("hybrid/:user_id") { request, context in
            try await personal(.hybrid, user: try context.parameters.userID(), request)
        }
        router.get("users/:user_id/recommendations/personalized") { request, context in
            try await personal(.personalized, user: try context.parameters.userID(), request)
        }
        group.get("ab-test/:user_id") { request, context in
            let user = try context.parameters.userID()
            let forced = try forcedVariant(request)
            let (surface, history) = try await recommender.experimentSurface(for: user, forced: forced != nil)
            return try await personal(surface, user: user, request, forcedVariant: forced, history: history)
        }
    }

    /// `?force_variant=`, honoured only with the admin key (QA looks at a variant on purpose).
    private func forcedVariant(_ request: Request) throws -> String? {
        guard let variant = request.uri.queryParameters.get("force_variant") else { return nil }
        guard let adminKey, request.headers[HTTPField.Name("X-API-Key")!] == adminKey else {
            throw APIError(.forbidden, code: "forbidden", message: "force_variant needs the admin X-API-Key")
        }
        return variant
    }

    private func ranking(_ surface: Surface, _ request: Request) async throws -> RecommendationResponse {
        let limit = try limit(request)
        return try await recommender.answer(.init(surface: surface, cacheKey: "\(surface.rawValue)/\(limit)", request: RecommendationRequest(limit: limit)))
    }

    private func personal(
        _ surface: Surface, user: String, _ request: Request, forcedVariant: String? = nil,
        history: [Interaction]? = nil
    ) async throws -> RecommendationResponse {
        let limit = try limit(request)
        return try await recommender.answer(.init(
            surface: surface, cacheKey: "\(surface.rawValue)/\(user)/\(limit)/\(forcedVariant ?? "")",
            request: RecommendationRequest(userID: user, limit: limit), user: user, forcedVariant: forcedVariant, history: history))
    }

    private func limit(_ request: Request) throws -> Int {
        try request.integerQuery("limit", default: min(10, maxRecommendations), in: 1...maxRecommendations)
    }
}

extension Parameters {
    /// A user id path parameter: 1–64 letters, digits, `_`, `-`, `.` or `@`.
    func userID() throws -> String {
        let text = get("user_id") ?? ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-.@"))
        guard (1...64).contains(text.count), text.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIError.badRequest("user_id must be 1–64 letters, digits, '_', '-', '.' or '@', got '\(text)'")
        }
        return text
    }
}
