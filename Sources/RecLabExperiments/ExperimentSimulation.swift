import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabStore

/// Tries an experiment end to end offline: held-out MovieLens ratings play the users.
///
/// The ratings are split as evaluation protocol v1 splits them. Every variant is fitted on the
/// train part; each user is assigned by the experiment's own rule (salt, weights, coverage,
/// targeting on their train history) and served that variant's top 10 among train movies,
/// which is logged as an exposure with one impression per movie. A user "clicks" a shown
/// movie they rated ≥ 4 in the held-out part and "watches" one they rated at all. Exposures
/// and events go through the same repositories the server writes, and the report is built
/// by the same analysis, beside the offline scores of the same variants on the same split.
/// An interleaving experiment shows each user the team-draft merge of every variant's list.
///
/// Every user's clicks on every variant's list, and on interleaved lists, are also kept, so
/// that A/B and interleaving can be compared on the same traffic (`PowerCurve`).
public struct ExperimentSimulation: Sendable {
    /// What a run produced.
    public struct Outcome: Sendable {
        public let report: ExperimentReport
        public let evaluation: EvaluationReport
        public let exposures: Int
        public let events: Int
        /// Each challenger against the control: the users A/B and interleaving need.
        public let power: [PowerCurve]
    }

    public static let limit = 10

    let registry: StrategyRegistry

    public init(registry: StrategyRegistry) {
        self.registry = registry
    }

    /// Runs `experiment` (whatever its status) over `data` (catalogue and ratings, no preferences). `prerequisites`
    /// are the configured instances fitted before the variants, as the server fits them, so
    /// a hybrid variant finds its components. Event and exposure ids are derived from the
    /// experiment, user and movie, so running again stores nothing twice.
    public func run(
        _ experiment: Experiment, data: TrainingData, prerequisites: [EvaluationPlan.Entry] = [],
        store: some ExposureRepository & EventRepository, ratingsFile: String, sha256: String, progress: EvaluationProgress? = nil
    ) async throws -> Outcome {
        // A draft is simulated as if it ran: trying it before it goes live is the point.
        var experiment = experiment
        experiment.status = .running
        let split = TemporalHoldout(data.interactions, movieOrder: TemporalHoldout.movieLensOrder(of: data.catalogue))
        let train = TrainingData(catalogue: data.catalogue, interactions: split.kept)
        let models = try await (prerequisites.map { try registry.make(name: $0.name, strategy: $0.strategy, parameters: $0.parameters) }
            + experiment.variantInstances(registry)).fitInOrder(on: train)

        let candidates = Set(split.kept.map(\.movie))
        let nonCandidates = Set(data.catalogue.items.map(\.id)).subtracting(candidates)
        let history = Dictionary(grouping: split.kept, by: \.user)
        let heldOut = Dictionary(grouping: split.heldOut, by: \.user).mapValues { ratings in
            Dictionary(ratings.map { ($0.movie, $0) }) { first, _ in first }
        }
        var exposures: [Exposure] = []
        var events: [FeedbackEvent] = []
        var traffic: [PowerCurve.User] = []
        var covariates: [String: Double] = [:]
        let users = heldOut.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        let liked = { (user: String, movie: MovieID) in (heldOut[user]?[movie]?.rating ?? 0) >= Interaction.likedThreshold }
        for (index, user) in users.enumerated() {
            defer { if index % 50 == 49 || index == users.count - 1 { progress?(experiment.id, "simulated users", index + 1, users.count) } }
            let past = history[user] ?? []
            // As the server serves them, but only the movies of train are candidates.
            let request = ServingRules.request(limit: Self.limit, user: user, history: past, excluding: nonCandidates)
            let lists = try experiment.variants.map { variant -> [Recommendation] in
                do {
                    return try CandidateRules.answer(models[experiment.modelName(of: variant)]!, request, catalogue: data.catalogue)
                } catch is RecommendationError {
                    return []
                }
            }
            let rankings = lists.map { $0.map(\.movie) }
            traffic.append(PowerCurve.User(
                clicksPerVariant: rankings.map { $0.filter { liked(user, $0) }.count }, shownPerVariant: rankings.map(\.count),
                interleavedClicks: (0..<PowerCurve.deals).map { deal in
                    var coins = TeamDraft.generator(salt: "\(experiment.salt)#\(deal)", user: user, historySize: past.count)
                    var clicks = [Int](repeating: 0, count: rankings.count)
                    for pick in TeamDraft.interleave(rankings, limit: Self.limit, using: &coins) where liked(user, pick.item) { clicks[pick.team] += 1 }
                    return clicks
                }))
            guard let (_, arm) = try ServingRules.arm(
                for: user, on: experiment.surface, interactions: past.count, forced: nil, among: [experiment]) else { continue }
            let shown: [(movie: MovieID, team: String?)]
            let variant: String
            switch arm {
            case .variant(let served):
                variant = served.name
                shown = lists[experiment.variants.firstIndex(of: served)!].map { ($0.movie, nil) }
            case .interleaved(let teams):
                variant = Experiment.interleavedArm
                var coins = TeamDraft.generator(salt: experiment.salt, user: user, historySize: past.count)
                shown = TeamDraft.interleave(rankings, limit: Self.limit, using: &coins).map { ($0.item, teams[$0.team].name) }
            }
            let withTMDBID = shown.compactMap { movie, team in data.catalogue.item(movie)?.tmdbID.map { ($0, movie, team) } }
            let requestID = "sim-\(experiment.id)-\(user)"
            let servedAt = Date(timeIntervalSince1970: TimeInterval(past.map(\.timestamp).max() ?? 0))
            // Every train rating precedes the answer: CUPED's pre-exposure activity.
            covariates[user] = ExperimentAnalysis.preExposureCovariate(activityCount: past.count)
            exposures.append(Exposure(
                requestID: requestID, experiment: experiment.id, variant: variant, userID: user,
                surface: experiment.surface.rawValue, exposedAt: servedAt, movies: withTMDBID.map(\.0),
                teams: experiment.kind == .interleaving ? withTMDBID.map { $0.2 ?? "" } : nil))
            for (tmdbID, movie, _) in withTMDBID {
                func event(_ kind: FeedbackEvent.Kind, at date: Date) -> FeedbackEvent {
                    FeedbackEvent(
                        eventID: "\(requestID)-\(tmdbID)-\(kind.rawValue)", kind: kind, userID: user, tmdbID: tmdbID, requestID: requestID,
                        rating: nil, occurredAt: date)
                }
                events.append(event(.impression, at: servedAt))
                guard let rating = heldOut[user]?[movie] else { continue }
                let watchedAt = Date(timeIntervalSince1970: TimeInterval(rating.timestamp))
                events.append(event(.watch, at: watchedAt))
                if rating.rating >= Interaction.likedThreshold { events.append(event(.click, at: watchedAt)) }
            }
        }
        try await store.record(exposures)
        for start in stride(from: 0, to: events.count, by: 5_000) {
            _ = try await store.record(Array(events[start..<min(start + 5_000, events.count)]))
        }

        let plan = EvaluationPlan(name: "\(experiment.id)-offline", entries: prerequisites + experiment.variants.map { variant in
            EvaluationPlan.Entry(name: experiment.modelName(of: variant), strategy: variant.strategy, parameters: variant.parameters)
        })
        let evaluation = try await OfflineEvaluation(registry: registry).run(plan, data: data, ratingsFile: ratingsFile, sha256: sha256, progress: progress)
        let offline = ExperimentAnalysis.offlineScores(for: experiment, evaluations: [evaluation], registry: registry)
        // A replay's clock is the data's (watches come months after the answer): no window.
        let activity = try await store.activity(experiment: experiment.id, attributionWindow: nil)
        let report = ExperimentAnalysis.report(experiment: experiment, activity: activity, covariates: covariates, offline: offline)
        let control = experiment.variants.firstIndex(where: \.isControl)!
        let power = experiment.variants.indices.filter { $0 != control }.map { challenger in
            PowerCurve(
                control: experiment.variants[control].name, challenger: experiment.variants[challenger].name, traffic: traffic,
                controlIndex: control, challengerIndex: challenger, seed: 1)
        }
        return Outcome(report: report, evaluation: evaluation, exposures: exposures.count, events: events.count, power: power)
    }
}
