import Foundation
import RecLabCore
import RecLabExperiments
import RecLabStore
import RecLabTMDB

/// Answers recommendation questions from the current models, through the answer cache: the
/// serving layer routes translate HTTP to and from. It speaks only domain terms: questions in,
/// answers or `ServingError`s out.
public struct Recommender: Sendable {
    let host: ModelHost
    /// The answers cached and the histories held, per user.
    let users: UserMemory
    /// The movies an operator withholds now.
    let withheld: WithheldMovies
    let exposures: ExposureLog
    let served: ServingStats
    let recent: RecentAnswers
    let metrics: RecommendationMetrics
    /// TMDB's trending lists, when a TMDB key is configured.
    let trending: TMDBTrending?
    /// Makes `poster_url` from a poster's path.
    let images: ImageURLs

    /// A recommendation question: what is asked on which surface, for whom.
    public struct Question: Sendable {
        var surface: Surface
        var limit: Int
        var seedTMDBID: Int?
        var genre: Genre?
        var timeWindow: TimeWindow?
        /// Whose answer this is: their history is left out, and their next preference drops
        /// the answer from the cache.
        var user: String?
        /// A variant to serve whatever the assignment says (QA, admin key only).
        var forcedVariant: String?
        /// The user's history when it has already been read.
        var history: [Interaction]?
        /// What the caller restricts and re-orders the list by.
        var controls: ListControls

        public init(
            surface: Surface, limit: Int, seedTMDBID: Int? = nil, genre: Genre? = nil, timeWindow: TimeWindow? = nil, user: String? = nil,
            forcedVariant: String? = nil, history: [Interaction]? = nil, controls: ListControls = ListControls()
        ) {
            self.surface = surface
            self.limit = limit
            self.seedTMDBID = seedTMDBID
            self.genre = genre
            self.timeWindow = timeWindow
            self.user = user
            self.forcedVariant = forcedVariant
            self.history = history
            self.controls = controls
        }

        /// Everything that decides the answer (the history aside: a preference invalidates the
        /// user's answers), so equal questions share one cached answer.
        var cacheKey: String {
            "\(surface.rawValue)/\(seedTMDBID ?? 0)/\(genre?.id ?? 0)/\(timeWindow?.rawValue ?? "")/\(user ?? "")/\(forcedVariant ?? "")/\(limit)?\(controls.description)"
        }
    }

    public func answer(_ question: Question) async throws -> IssuedAnswer {
        // First: a hide that ran out, or a window that opened or closed, drops the cached answers.
        let withheld = self.withheld.current()
        // TMDB's trending list has its own lifetime (TRENDING_CACHE_TTL), so the answer cache
        // is not used for it; without a list from TMDB, the local strategy answers.
        if question.surface == .trending, let trending, let window = question.timeWindow?.tmdb, let movies = await trending.movies(window) {
            return issue(encoded(movies, question: question, generation: host.generation, withheld: withheld), forced: false)
        }
        let key = question.cacheKey
        // An answer that leaves out what was shown is never reused: showing it changes the next.
        let cacheable = question.controls.unseenFor == nil
        if cacheable, let cached = users.answers.value(for: key) { return issue(cached, forced: question.forcedVariant != nil) }
        guard let generation = host.generation else { throw ServingError.modelsNotReady }
        var name = host.configuration.surfaces[question.surface]!
        var strategyID = host.configuration.instances.first { $0.name == name }!.strategyID
        var history: [Interaction] = []
        var served: (experiment: String, variant: String)?
        // The caller's controls, and a serving variant's own.
        var controls = question.controls
        var interleaving: (experiment: Experiment, variants: [Experiment.Variant])?
        if let user = question.user {
            if let known = question.history {
                history = known
            } else {
                history = try await users.histories.history(of: user)
            }
            if let (experiment, arm) = try ServingRules.arm(
                for: user, on: question.surface, interactions: history.count, forced: question.forcedVariant, among: generation.experiments) {
                switch arm {
                case .variant(let variant):
                    served = (experiment.id, variant.name)
                    name = experiment.modelName(of: variant)
                    strategyID = variant.strategy
                    controls = question.controls.adding(variant.controls)
                case .interleaved(let variants):
                    served = (experiment.id, Experiment.interleavedArm)
                    interleaving = (experiment, variants)
                    name = experiment.id
                    strategyID = Experiment.Kind.interleaving.rawValue
                }
            }
        }
        var seed: MovieID?
        if let tmdbID = question.seedTMDBID {
            guard let movie = generation.movieByTMDBID[tmdbID] else { throw ServingError.unknownMovie(tmdbID: tmdbID) }
            seed = movie
        }
        let plain = ServingRules.request(
            limit: question.limit, user: question.user, history: history, seed: seed, genre: question.genre, timeWindow: question.timeWindow)
        /// The model's answer under `controls`: the caller's, with a variant's own added.
        func recommend(_ model: String, strategy: String, controls: ListControls) async throws -> [Recommendation] {
            var shown: Set<Int> = []
            if let user = question.user, let seconds = controls.unseenFor {
                shown = try await exposures.shownUnclicked(to: user, since: Date().addingTimeInterval(-Double(seconds)))
            }
            let request = Self.controlled(plain, by: controls, withheld: withheld, shown: shown, movieByTMDBID: generation.movieByTMDBID)
            do {
                let started = ContinuousClock.now
                defer { metrics.durations(strategy).recordNanoseconds((ContinuousClock.now - started).nanoseconds) }
                return try CandidateRules.answer(generation.models[model]!, request, catalogue: generation.catalogue, similarity: generation.similarity)
            } catch let error as RecommendationError {
                throw ServingError.cannotRecommend(strategy: strategy, error)
            }
        }
        var recommendations: [(recommendation: Recommendation, team: String?)]
        if let (experiment, variants) = interleaving {
            var lists: [[Recommendation]] = []
            for variant in variants {
                lists.append(try await recommend(experiment.modelName(of: variant), strategy: variant.strategy, controls: controls.adding(variant.controls)))
            }
            var coins = TeamDraft.generator(salt: experiment.salt, user: question.user ?? "", historySize: history.count)
            let picks = TeamDraft.interleave(lists.map { $0.map(\.movie) }, limit: question.limit, using: &coins)
            // The rankers' scores are not on one scale, so a merged list is scored by position
            // (1 for the first, down to 1/n), as TMDB's trending list is; reasons stay the team's.
            recommendations = picks.enumerated().map { rank, pick in
                let own = lists[pick.team].first { $0.movie == pick.item }!
                let score = Double(picks.count - rank) / Double(picks.count)
                return (Recommendation(movie: pick.item, score: score, reason: own.reason), variants[pick.team].name)
            }
        } else {
            recommendations = try await recommend(name, strategy: strategyID, controls: controls).map { ($0, nil) }
        }
        let items = recommendations.compactMap { recommendation, team in shown(recommendation, team: team, catalogue: generation.catalogue) }
        let response = RecommendationResponse(
            type: question.surface.rawValue, strategy: strategyID, strategyInstance: name,
            movieID: question.seedTMDBID, userID: question.user, genre: question.genre,
            timeWindow: question.timeWindow?.rawValue, source: question.surface == .trending ? "local" : nil,
            reason: items.isEmpty ? controls.emptyReason(strategy: name) : nil, recommendations: items,
            totalCount: items.count, generatedAt: Date(), requestID: "", experiment: served?.experiment, variant: served?.variant)
        let encoded = EncodedAnswer(response)
        // A variant's unseen_for makes its answers as unrepeatable as the caller's.
        if controls.unseenFor == nil { users.answers.store(encoded, for: key, user: question.user) }
        return issue(encoded, forced: question.forcedVariant != nil)
    }

    /// A recommendation as an answer lists it; nil for a movie the catalogue lacks.
    func shown(_ recommendation: Recommendation, team: String? = nil, catalogue: Catalogue) -> RecommendationResponse.Item? {
        guard let item = catalogue.item(recommendation.movie) else { return nil }
        return .init(
            movieID: item.tmdbID, title: item.title, score: (recommendation.score * 10_000).rounded() / 10_000,
            reason: recommendation.reason, posterPath: item.posterPath, posterURL: images.url(item.posterPath),
            releaseDate: item.releaseDate ?? item.year.map(String.init), voteAverage: item.shownRating?.average, team: team)
    }

    /// `request` with the caller's controls and the operator's withheld movies: the filter and
    /// variety as asked, and the movies to leave out (those named, and those `shown` lately)
    /// added to those every answer leaves out (a TMDB id the catalogue lacks cannot be shown
    /// anyway).
    static func controlled(
        _ request: RecommendationRequest, by controls: ListControls, withheld: Set<Int>, shown: Set<Int> = [], movieByTMDBID: [Int: MovieID]
    ) -> RecommendationRequest {
        var request = request
        request.apply(controls) { movieByTMDBID[$0] }
        request.withheld = withheld
        for tmdbID in shown {
            if let movie = movieByTMDBID[tmdbID] { request.excluded.insert(movie) }
        }
        return request
    }

    /// TMDB's trending list as an answer: TMDB's order, scored by rank (the first 1, down to
    /// 1/n), under the same controls as every list. Each movie is judged as the catalogue
    /// describes it, or as TMDB does when the catalogue lacks it.
    private func encoded(_ movies: [TMDBMovie], question: Question, generation: ModelHost.Generation?, withheld: Set<Int>) -> EncodedAnswer {
        let window = question.timeWindow?.rawValue ?? "day"
        var byMovie: [MovieID: TMDBMovie] = [:]
        let items = movies.map { movie in
            if let known = generation?.movieByTMDBID[movie.id], let item = generation?.catalogue.item(known) {
                byMovie[item.id] = movie
                return item
            }
            // Outside the catalogue's ids (which are positive), so no two movies share one.
            let item = CatalogueItem(
                id: -MovieID(movie.id), tmdbID: movie.id, title: movie.title, year: movie.releaseDate.flatMap { Int($0.prefix(4)) },
                genres: (movie.genreIds ?? []).map { Genre(id: $0, name: "") },
                shownRating: movie.voteAverage.map { AudienceRating(average: $0, count: movie.voteCount ?? 0, source: .tmdb) })
            byMovie[item.id] = movie
            return item
        }
        let listed = Catalogue(items)
        let request = Self.controlled(
            ServingRules.request(limit: question.limit), by: question.controls, withheld: withheld, movieByTMDBID: generation?.movieByTMDBID ?? [:])
        // The list's own order: scores fall with the rank, every reason is TMDB's.
        let picks = (try? CandidateRules.answer(request, catalogue: listed, similarity: generation?.similarity) { request in
            DeferredAnswer(request.firstAdmitted(items.enumerated(), admitted: { request.admits($0.element) }) { entry in
                Recommendation(movie: entry.element.id, score: Double(items.count - entry.offset), reason: "Trending \(window) on TMDB")
            }) { _ in [:] }
        }) ?? []
        let shown = picks.enumerated().map { rank, pick in
            let movie = byMovie[pick.movie]!
            return RecommendationResponse.Item(
                movieID: movie.id, title: movie.title, score: (Double(picks.count - rank) / Double(picks.count) * 10_000).rounded() / 10_000,
                reason: pick.reason, posterPath: movie.posterPath, posterURL: images.url(movie.posterPath),
                releaseDate: movie.releaseDate.flatMap { $0.isEmpty ? nil : $0 }, voteAverage: movie.voteAverage)
        }
        let response = RecommendationResponse(
            type: Surface.trending.rawValue, strategy: "tmdb", strategyInstance: "tmdb-trending", movieID: nil, userID: nil, genre: nil,
            timeWindow: window, source: "tmdb", reason: shown.isEmpty ? question.controls.emptyReason(strategy: "tmdb-trending") : nil,
            recommendations: shown, totalCount: shown.count, generatedAt: Date(), requestID: "")
        return EncodedAnswer(response)
    }

    /// Names this showing of an answer (a cached answer shown again is a new showing, which
    /// events must be able to tell apart) and logs the exposure when it was shown to a user,
    /// with the variant when an experiment served it; a QA-forced variant is no exposure, or it
    /// would skew the split.
    private func issue(_ encoded: EncodedAnswer, forced: Bool) -> IssuedAnswer {
        let requestID = "rec_" + UUID.random().uuidString.lowercased()
        let answer = encoded.summary
        served.answers.add(1, ordering: .relaxed)
        metrics.served([answer.surface, answer.strategy, answer.experiment ?? "none", answer.variant ?? "none"]).increment()
        if answer.isEmpty {
            metrics.empty([answer.surface, answer.strategy]).increment()
        }
        if let user = answer.userID, !forced {
            recent.record(user: user, instance: answer.instance, movies: answer.movies)
            if let experiment = answer.experiment, let variant = answer.variant { metrics.assignments([experiment, variant]).increment() }
            // Shown now: a cached answer was generated earlier, but the window runs from now.
            exposures.record(Exposure(
                requestID: requestID, experiment: answer.experiment ?? "", variant: answer.variant ?? "", userID: user, surface: answer.surface,
                exposedAt: Date(), movies: answer.movies, teams: answer.teams))
        }
        return IssuedAnswer(requestID: requestID, encoded: encoded)
    }

    /// The user surface an experiment enrolling this user runs on (personalized first), and
    /// the history that decided it, for the answer to reuse.
    public func experimentSurface(for user: String, forced: Bool) async throws -> (Surface, [Interaction]) {
        let history = try await users.histories.history(of: user)
        let running = (host.generation?.experiments ?? []).filter { $0.status == .running }
        for surface in [Surface.personalized, .hybrid] {
            if running.contains(where: { $0.surface == surface && (forced || $0.arm(userID: user, interactions: history.count) != nil) }) {
                return (surface, history)
            }
        }
        return (.personalized, history)
    }
}
