import Foundation
import RecLabCore
import RecLabStatistics

/// What to evaluate: strategy instances with fixed parameters, or a grid to choose from on
/// the validation split.
public struct EvaluationPlan: Sendable {
    /// One strategy instance of the plan.
    public struct Entry: Sendable {
        public var name: String
        public var strategy: String
        public var parameters: ParameterValue?
        /// Parameter name → candidate values. Points are the cartesian product, names in
        /// alphabetical order, the last name varying fastest; ties go to the earlier point.
        public var grid: [String: [ParameterValue]]?
        /// The list controls every one of its answers is given, as the API applies them (so
        /// their cost in ndcg is measured); `diversify=mmr` measures likeness by the first
        /// content model listed before this entry.
        public var controls: ListControls

        public init(
            name: String, strategy: String, parameters: ParameterValue? = nil, grid: [String: [ParameterValue]]? = nil,
            controls: ListControls = ListControls()
        ) {
            self.name = name
            self.strategy = strategy
            self.parameters = parameters
            self.grid = grid
            self.controls = controls
        }
    }

    public var name: String
    public var entries: [Entry]
    /// The bootstrap behind every interval and comparison of the report.
    public var bootstrap: BootstrapSettings

    public init(name: String, entries: [Entry], bootstrap: BootstrapSettings = BootstrapSettings()) {
        self.name = name
        self.entries = entries
        self.bootstrap = bootstrap
    }
}

/// Reports how far an evaluation has come: the strategy, the phase ("validation 3/12",
/// "test"), users done and in all.
public typealias EvaluationProgress = @Sendable (_ strategy: String, _ phase: String, _ done: Int, _ total: Int) -> Void

/// Evaluation protocol v1 (../shared/eval/PROTOCOL.md) for any registered strategy: the
/// temporal split, the validation split for grids, top-10 among train movies, every metric.
///
/// Strategies are reached only through the registry and `FittedModel.recommend`, as the
/// server reaches them; a request carries the user's train history and their favourite
/// genre, so a genre strategy can answer for a user too.
public struct OfflineEvaluation: Sendable {
    public static let protocolVersion = "v1"
    public static let cutoff = 10
    public static let curveDepth = 20

    let registry: StrategyRegistry

    public init(registry: StrategyRegistry) {
        self.registry = registry
    }

    /// Runs the plan on `data` (the catalogue and the ratings file's interactions only).
    public func run(
        _ plan: EvaluationPlan, data: TrainingData, ratingsFile: String, sha256: String, progress: EvaluationProgress? = nil
    ) async throws -> EvaluationReport {
        let started = ContinuousClock.now
        let createdAt = Date()
        let order = TemporalHoldout.movieLensOrder(of: data.catalogue)
        let test = RankingTask(data: data, split: TemporalHoldout(data.interactions, movieOrder: order))
        let validation = RankingTask(
            data: TrainingData(catalogue: data.catalogue, interactions: test.split.kept),
            split: TemporalHoldout(test.split.kept, movieOrder: order))

        // First each entry's parameters, chosen on the validation split (in plan order, so a
        // blend's grid sees its chosen components); then every chosen instance fitted on train
        // and scored on test.
        let needsValidationModels = plan.entries.contains { $0.grid != nil }
        // Drawn once per split and shared by every strategy: comparisons are paired.
        let settings = plan.bootstrap
        func bootstrap(_ task: RankingTask) -> Bootstrap? {
            task.scoredUsers.isEmpty
                ? nil : Bootstrap(units: task.scoredUsers.count, resamples: settings.resamples, seed: settings.seed, confidence: settings.confidence)
        }
        // Only grid points read the validation split's intervals.
        let validationBootstrap = needsValidationModels ? bootstrap(validation) : nil
        var fitModels: [String: any FittedModel] = [:]
        var choices: [(strategy: ConfiguredStrategy, grid: [GridPoint])] = []
        for entry in plan.entries {
            var chosen = try registry.make(name: entry.name, strategy: entry.strategy, parameters: entry.parameters)
            var grid: [GridPoint] = []
            if let axes = entry.grid {
                let points = try Self.points(axes, base: entry.parameters)
                var best: (score: Double, model: any FittedModel, strategy: ConfiguredStrategy)?
                // A blend's points ask its components the same questions: each is answered once.
                let remembering = fitModels.mapValues(RememberingModel.init)
                defer { for model in remembering.values { model.answers.close() } }
                let components: [String: any FittedModel] = remembering.mapValues { $0 }
                for (index, point) in points.enumerated() {
                    try Task.checkCancellation()
                    let candidate = try registry.make(name: entry.name, strategy: entry.strategy, parameters: point)
                    let clock = ContinuousClock.now
                    let model = try await candidate.fit(FitContext(data: validation.fitData, models: components))
                    let fitSeconds = (ContinuousClock.now - clock).seconds
                    let rankings = try validation.rank(model, controls: entry.controls, similarity: try Self.similarity(for: entry, among: plan.entries.compactMap { fitModels[$0.name] })) {
                        progress?(entry.name, "validation \(index + 1)/\(points.count)", $0, $1)
                    }
                    let score = RankingMetrics(rankings, k: Self.cutoff, catalogueSize: validation.candidates.count).ndcg
                    grid.append(GridPoint(
                        parameters: candidate.parameters, validationNDCG: score, fitSeconds: fitSeconds,
                        interval: validationBootstrap?.intervalOfMean(rankings.map { $0.ndcg(at: Self.cutoff) })))
                    if best == nil || score > best!.score { best = (score, model, candidate) }
                }
                chosen = best!.strategy
                fitModels[entry.name] = best!.model
            } else if needsValidationModels {
                fitModels[entry.name] = try await chosen.fit(FitContext(data: validation.fitData, models: fitModels))
            }
            choices.append((chosen, grid))
        }

        var results: [StrategyResult] = []
        var lists: [[[MovieID]]] = []
        var testModels: [any FittedModel] = []
        let testBootstrap = bootstrap(test)
        let models = try await choices.map(\.strategy).fitInOrder(on: test.fitData) { chosen, model, fitDuration in
            let (entry, grid) = (plan.entries[results.count], choices[results.count].grid)
            let recommending = ContinuousClock.now
            let similarity = try Self.similarity(for: entry, among: testModels)
            testModels.append(model)
            let rankings = try test.rank(model, controls: entry.controls, similarity: similarity) { progress?(entry.name, "test", $0, $1) }
            lists.append(rankings.map { Array($0.ranked.prefix(Self.cutoff)) })
            let recommendSeconds = (ContinuousClock.now - recommending).seconds
            let catalogueSize = test.candidates.count
            results.append(StrategyResult(
                name: entry.name, strategy: entry.strategy, parameters: chosen.parameters,
                selection: grid.isEmpty ? "fixed in the configuration" : "best validation ndcg@10 of \(grid.count) grid points, refitted on train",
                grid: grid, metrics: RankingMetrics(rankings, k: Self.cutoff, catalogueSize: catalogueSize), rating: nil,
                curves: Self.curves(rankings, catalogueSize: catalogueSize),
                perUserNDCG: rankings.map { $0.ndcg(at: Self.cutoff) }, fitSeconds: fitDuration.seconds, recommendSeconds: recommendSeconds,
                intervals: testBootstrap.map { RankingMetrics.intervals(rankings, k: Self.cutoff, catalogueSize: catalogueSize, bootstrap: $0) }))
        }
        // Likeness as the first content model of the plan measures it: the same yardstick for all.
        if let similarity = choices.lazy.compactMap({ models[$0.strategy.name] as? any ItemSimilarity }).first {
            for index in results.indices {
                let lists = lists[index].filter { !$0.isEmpty }
                results[index].intraListDiversity = lists.isEmpty ? nil : lists.reduce(0) { $0 + similarity.intraListDiversity($1) } / Double(lists.count)
            }
        }
        let winner = testBootstrap.flatMap { Self.compareWithBest(&results, bootstrap: $0) }

        let description = DataDescription(
            file: ratingsFile, sha256: sha256, users: Set(data.interactions.map(\.user)).count, ratings: data.interactions.count,
            trainRows: test.split.kept.count, testRows: test.split.heldOut.count, moviesInTrain: test.candidates.count,
            usersScored: test.scoredUsers.count, fitRows: validation.split.kept.count, validationRows: validation.split.heldOut.count,
            moviesInFit: validation.candidates.count, usersScoredOnValidation: validation.scoredUsers.count)
        let stamp = Self.stamp(createdAt)
        return EvaluationReport(
            id: "\(stamp)-\(plan.name)", name: plan.name, protocolVersion: Self.protocolVersion, createdAt: createdAt,
            data: description, strategies: results, totalSeconds: (ContinuousClock.now - started).seconds, winner: winner,
            bootstrap: testBootstrap == nil ? nil : settings)
    }

    /// What `entry`'s MMR measures likeness by: the first of the models fitted before it (in
    /// plan order) that measures it; nil when its controls ask for no MMR.
    static func similarity(for entry: EvaluationPlan.Entry, among earlier: [any FittedModel]) throws -> (any ItemSimilarity)? {
        guard case .mmr? = entry.controls.diversification else { return nil }
        guard let similarity = earlier.lazy.compactMap({ $0 as? any ItemSimilarity }).first else {
            throw ConfigurationError("\(entry.name): diversify=mmr needs a content strategy listed before it, whose similarity it measures")
        }
        return similarity
    }

    /// Compares every strategy with the best on test ndcg@10, user by user, and returns the
    /// best's name when none is statistically tied with it (nil when one is).
    static func compareWithBest(_ results: inout [StrategyResult], bootstrap: Bootstrap) -> String? {
        guard let best = results.bestIndex else { return nil }
        for index in results.indices where index != best && results[index].metrics.ndcg.isFinite {
            results[index].versusBest = bootstrap.compare(results[index].perUserNDCG, to: results[best].perUserNDCG)
        }
        return results.contains { $0.versusBest?.tied == true } ? nil : results[best].name
    }

    static func curves(_ rankings: [UserRanking], catalogueSize: Int) -> [String: [Double]] {
        let ks = Array(1...curveDepth)
        let count = Double(max(rankings.count, 1))
        return [
            "ndcg": ks.map { k in rankings.reduce(0) { $0 + $1.ndcg(at: k) } / count },
            "recall": ks.map { k in rankings.reduce(0) { $0 + $1.recall(at: k) } / count },
            "precision": ks.map { k in rankings.reduce(0) { $0 + $1.precision(at: k) } / count },
        ]
    }

    /// The grid's points as full parameter objects over `base`.
    static func points(_ axes: [String: [ParameterValue]], base: ParameterValue?) throws -> [ParameterValue] {
        var fixed: [String: ParameterValue] = [:]
        if case .object(let values)? = base { fixed = values }
        var points: [[String: ParameterValue]] = [fixed]
        for (name, values) in axes.sorted(by: { $0.key < $1.key }) {
            guard !values.isEmpty else { throw ConfigurationError("grid.\(name): no values") }
            points = points.flatMap { point in values.map { value in point.merging([name: value]) { $1 } } }
        }
        return points.map(ParameterValue.object)
    }

    /// A sortable UTC timestamp for report ids and folders.
    public static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

/// One ranking task of the protocol: fit on the kept rows, recommend among the movies they
/// hold, score against each user's held-out movies rated 4 or more.
struct RankingTask {
    let split: TemporalHoldout
    let fitData: TrainingData
    let candidates: Set<MovieID>
    let nonCandidates: Set<MovieID>
    let scoredUsers: [String]
    let relevant: [String: Set<MovieID>]
    let history: [String: [Interaction]]
    let favouriteGenre: [String: Genre]

    init(data: TrainingData, split: TemporalHoldout) {
        self.split = split
        fitData = TrainingData(catalogue: data.catalogue, interactions: split.kept)
        candidates = Set(split.kept.map(\.movie))
        nonCandidates = Set(data.catalogue.items.map(\.id)).subtracting(candidates)
        var relevant: [String: Set<MovieID>] = [:]
        for interaction in split.heldOut where interaction.rating >= Interaction.likedThreshold {
            relevant[interaction.user, default: []].insert(interaction.movie)
        }
        var users: [String] = []
        var history: [String: [Interaction]] = [:]
        for interaction in split.kept {
            if history[interaction.user] == nil { users.append(interaction.user) }
            history[interaction.user, default: []].append(interaction)
        }
        scoredUsers = users.filter { relevant[$0] != nil }
        self.relevant = relevant
        self.history = history
        var favourite: [String: Genre] = [:]
        for (user, interactions) in history {
            var counts: [Genre: (count: Int, first: Int)] = [:]
            for (index, interaction) in interactions.enumerated() where interaction.isLiked {
                for genre in data.catalogue.item(interaction.movie)?.genres ?? [] {
                    counts[genre, default: (0, index)].count += 1
                }
            }
            favourite[user] = counts.max { ($0.value.count, -$0.value.first, -$0.key.id) < ($1.value.count, -$1.value.first, -$1.key.id) }?.key
        }
        favouriteGenre = favourite
    }

    /// Every scored user's top `curveDepth` from `model`; a strategy that cannot answer a
    /// user scores zero for them.
    func rank(
        _ model: any FittedModel, controls: ListControls = ListControls(), similarity: (any ItemSimilarity)? = nil, progress: (Int, Int) -> Void
    ) throws -> [UserRanking] {
        let movieByTMDBID = controls.excluded.isEmpty
            ? [:] : Dictionary(fitData.catalogue.items.compactMap { item in item.tmdbID.map { ($0, item.id) } }) { first, _ in first }
        var rankings: [UserRanking] = []
        rankings.reserveCapacity(scoredUsers.count)
        for (index, user) in scoredUsers.enumerated() {
            let userHistory = history[user] ?? []
            var request = RecommendationRequest(
                userID: user, history: userHistory, genre: favouriteGenre[user], limit: OfflineEvaluation.curveDepth,
                excluded: nonCandidates)
            request.wantsReasons = false  // metrics read the ranking alone
            request.apply(controls) { movieByTMDBID[$0] }
            let ranked: [MovieID]
            do {
                ranked = try CandidateRules.answer(model, request, catalogue: fitData.catalogue, similarity: similarity).map(\.movie)
            } catch is RecommendationError {
                ranked = []
            }
            rankings.append(UserRanking(ranked: ranked, relevant: relevant[user]!))
            if index % 50 == 49 || index == scoredUsers.count - 1 { progress(index + 1, scoredUsers.count) }
        }
        return rankings
    }
}

