import LinearAlgebra
import RecLabCore

/// Personal picks from collaborative filtering on everyone's interactions — EASE^R or
/// implicit-feedback ALS — answered from the user's current history, so a new rating changes
/// the next answer without a refit; users with no movie known to the model get popular movies
/// of the genres they liked.
public struct PersonalizedStrategy: RecommendationStrategy {
    public static let id = "personalized"

    /// The collaborative model to fit.
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        case ease, als

        public init(from decoder: any Decoder) throws {
            self = try decodeChoice(from: decoder, what: "algorithm")
        }
    }

    /// What EASE^R's X holds for an interaction.
    public enum Input: String, Codable, Sendable, CaseIterable {
        case rating, binary

        public init(from decoder: any Decoder) throws {
            self = try decodeChoice(from: decoder, what: "input")
        }
    }

    /// How EASE^R holds B: `auto` the form that answers fastest within MODEL_MEMORY_LIMIT
    /// (`EASEWeights.fittingForm`), the others forced, for ablations.
    public enum Form: String, Codable, Sendable, CaseIterable {
        case auto, dense, woodbury, pruned, sparse

        public init(from decoder: any Decoder) throws {
            self = try decodeChoice(from: decoder, what: "form")
        }
    }

    /// Which model to fit and its settings; each model reads only its own fields.
    public struct Parameters: StrategyParameters {
        public var algorithm: Algorithm = .ease
        /// EASE^R's ridge penalty. Rating-valued X has ~16× the binary Gram matrix, so its best
        /// lambda is 10–40× larger (REFERENCE.md: 12000 for ratings, 300 for binary).
        public var lambda: Double = 12000
        public var input: Input = .rating
        /// EASE^R: ratings at or below it put 0 in X and the rest `rating − rating_offset`
        /// (binary input: 0 or 1), so X says how much more than lukewarm a user liked a movie.
        /// 0 keeps every rating as given.
        ///
        /// On ml-latest-small (PROTOCOL.md v1), a grid on the validation split (rating_offset
        /// 0–3.5 × recency_half_life_days 0–1000 × lambda 100–12000) chose lambda 300,
        /// rating_offset 3, recency_half_life_days 365: test ndcg@10 0.1299 against 0.1164 for
        /// the defaults. X then holds 0.5–2 instead of 0.5–5, so its best lambda is ~40× smaller.
        public var ratingOffset: Double = 0
        /// EASE^R: half-life, in days, of an interaction's weight in X, measured back from the
        /// user's latest interaction (x = value · 2^(−age / half-life)); the same weights apply
        /// to the request's history at answer time. 0 turns weighting off.
        public var recencyHalfLifeDays: Double = 0
        /// ALS: latent dimensions, ridge penalty, confidence slope (c = 1 + alpha·rating),
        /// sweeps, and the seed of the initial factors.
        public var factors: Int = 32
        public var regularization: Double = 1.0
        public var alpha: Double = 1.0
        public var iterations: Int = 15
        public var seed: UInt64 = 42
        /// Fit on the `max_items` most-interacted movies only (0: every movie). EASE^R's memory
        /// grows with the square of the items it holds; the movies left out are never
        /// recommended by this model, and a history made only of them gets the cold-start answer.
        public var maxItems: Int = 0
        /// EASE^R, at answer time only: how much a history item's weight depends on how recent
        /// it is in the user's own sequence, β in w = (1 − β) + β · 2^(−position / h), position
        /// 0 for the newest (ratings of one second share a position). 0 turns it off; the fit
        /// is unchanged either way.
        public var historyRecencyWeight: Double = 0
        /// EASE^R, at answer time: h above, the half-life counted in items, not days.
        public var historyHalfLifeItems: Double = 10
        /// EASE^R: the share of B's off-diagonal weights the pruned form keeps, the largest in
        /// magnitude (one threshold for all of B). An answer then sums only the kept weights of
        /// the user's movies; the fit computes B whole once to cut it. With `form: auto` it
        /// applies where B would otherwise be held dense (at least as many users as movies).
        public var density: Double = 1
        public var form: Form = .auto
        /// EASE^R's sparse form: the movies each movie's column of B is regressed on, its most
        /// similar (`NeighbourhoodWeights`).
        public var neighbours: Int = 256

        public init() {}

        enum CodingKeys: String, CodingKey {
            case algorithm, lambda, input, factors, regularization, alpha, iterations, seed
            case ratingOffset = "rating_offset"
            case recencyHalfLifeDays = "recency_half_life_days"
            case maxItems = "max_items"
            case historyRecencyWeight = "history_recency_weight"
            case historyHalfLifeItems = "history_half_life_items"
            case density, form, neighbours
        }

        public func validate() throws {
            guard lambda > 0, lambda.isFinite else { throw ParameterError(field: "lambda", problem: "must be a finite number > 0, got \(lambda)") }
            guard factors >= 1 else { throw ParameterError(field: "factors", problem: "must be >= 1, got \(factors)") }
            guard regularization > 0, regularization.isFinite else {
                throw ParameterError(field: "regularization", problem: "must be a finite number > 0, got \(regularization)")
            }
            guard alpha >= 0, alpha.isFinite else { throw ParameterError(field: "alpha", problem: "must be a finite number >= 0, got \(alpha)") }
            guard iterations >= 1 else { throw ParameterError(field: "iterations", problem: "must be >= 1, got \(iterations)") }
            guard ratingOffset >= 0, ratingOffset < 5, ratingOffset.isFinite else {
                throw ParameterError(field: "rating_offset", problem: "must be a number in [0, 5) (ratings run from 0.5 to 5), got \(ratingOffset)")
            }
            guard maxItems >= 0 else { throw ParameterError(field: "max_items", problem: "must be >= 0 (0 keeps every movie), got \(maxItems)") }
            guard historyRecencyWeight >= 0, historyRecencyWeight <= 1 else {
                throw ParameterError(field: "history_recency_weight", problem: "must be in [0, 1] (0 turns it off), got \(historyRecencyWeight)")
            }
            guard density > 0, density <= 1 else {
                throw ParameterError(field: "density", problem: "must be in (0, 1] (1 keeps every weight), got \(density)")
            }
            guard neighbours >= 1 else { throw ParameterError(field: "neighbours", problem: "must be >= 1, got \(neighbours)") }
            guard form != .pruned || density < 1 else {
                throw ParameterError(field: "form", problem: "pruned needs a density below 1 (the share of B's weights kept)")
            }
            guard historyHalfLifeItems > 0, historyHalfLifeItems.isFinite else {
                throw ParameterError(field: "history_half_life_items", problem: "must be a finite number > 0 (in items), got \(historyHalfLifeItems)")
            }
            guard recencyHalfLifeDays >= 0, recencyHalfLifeDays.isFinite else {
                throw ParameterError(
                    field: "recency_half_life_days", problem: "must be a finite number >= 0 (0 turns recency weighting off), got \(recencyHalfLifeDays)")
            }
        }

        /// The answer-time weighting of the history by position, nil when off.
        var historyWeighting: HistoryWeighting? {
            historyRecencyWeight > 0 ? HistoryWeighting(weight: Float(historyRecencyWeight), halfLife: historyHalfLifeItems) : nil
        }

        /// What EASE^R's X holds for an interaction under these parameters.
        var easeInput: EASEInput {
            EASEInput(binary: input == .binary, ratingOffset: ratingOffset, recencyHalfLifeDays: recencyHalfLifeDays)
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try parameters.validate()
        let data = context.data
        // ALS reads the ratings as given; EASE^R its own input (offset, weights).
        let input = parameters.algorithm == .ease ? parameters.easeInput : .plain(binary: false)
        let interactions = parameters.maxItems > 0 ? Self.onMostInteracted(parameters.maxItems, data.interactions) : data.interactions
        let indexed = IndexedInteractions(interactions, input: input)
        let matrix = indexed.matrix

        let engine: PersonalizedModel.Engine
        let summary: ModelSummary
        switch parameters.algorithm {
        case .ease:
            // A forced form is EASEWeights' of the same name; `auto` is the only other choice.
            let form = EASEWeights.Form(rawValue: parameters.form.rawValue) ?? EASEWeights.fittingForm(
                users: matrix.rows, items: matrix.columns, density: parameters.density, neighbours: parameters.neighbours, limit: context.memoryLimit)
            try context.reserve(
                EASEWeights.workingBytes(users: matrix.rows, items: matrix.columns, form: form, neighbours: parameters.neighbours),
                for: "EASE^R on \(matrix.rows) users × \(matrix.columns) movies (\(form.rawValue) form)",
                change: EASEWeights.advice(users: matrix.rows, items: matrix.columns, limit: context.memoryLimit ?? 0, form: form, neighbours: parameters.neighbours))
            let weights = try EASEWeights(matrix, lambda: Float(parameters.lambda), form: form, density: parameters.density, neighbours: parameters.neighbours)
            engine = .ease(weights, input: input)
            // The input's settings are named only when they differ from the plain input.
            var detail = "EASE lambda=\(plain(parameters.lambda)) input=\(parameters.input.rawValue)"
            if parameters.ratingOffset != 0 { detail += " rating_offset=\(plain(parameters.ratingOffset))" }
            if parameters.recencyHalfLifeDays != 0 { detail += " recency_half_life_days=\(plain(parameters.recencyHalfLifeDays))" }
            if parameters.historyRecencyWeight != 0 {
                detail += " history_recency_weight=\(plain(parameters.historyRecencyWeight)) history_half_life_items=\(plain(parameters.historyHalfLifeItems))"
            }
            if form == .pruned { detail += " density=\(plain(parameters.density))" }
            if form == .sparse { detail += " neighbours=\(parameters.neighbours)" }
            summary = ModelSummary(items: matrix.columns, users: matrix.rows, detail: detail + " form=\(weights.form.rawValue)")
        case .als:
            // Both factor matrices and one sweep's per-row systems.
            let factors = parameters.factors
            try context.reserve(
                4 * (factors * (matrix.rows + matrix.columns) * 2 + factors * factors * 64),
                for: "ALS with \(factors) factors on \(matrix.rows) users × \(matrix.columns) movies",
                change: "set fewer factors, or raise MODEL_MEMORY_LIMIT")
            let model = try ImplicitALS(
                matrix, factors: parameters.factors, regularization: Float(parameters.regularization),
                alpha: Float(parameters.alpha), iterations: parameters.iterations, seed: parameters.seed)
            engine = .als(model)
            summary = ModelSummary(
                items: matrix.columns, users: matrix.rows, factors: parameters.factors,
                detail: "ALS factors=\(parameters.factors) regularization=\(plain(parameters.regularization)) "
                    + "alpha=\(plain(parameters.alpha)) iterations=\(parameters.iterations) seed=\(parameters.seed) "
                    + "loss=\(plain((model.loss(on: matrix) * 10).rounded() / 10))")
        }
        return PersonalizedModel(
            engine: engine, movies: indexed.movies, positions: indexed.positions, interactionCounts: matrix.columnCounts,
            catalogue: data.catalogue, summary: summary, historyWeighting: parameters.historyWeighting)
    }
}

extension PersonalizedStrategy {
    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        let engine: PersonalizedModel.Engine
        let items: Int
        switch try reader.readString() {
        case "ease" where parameters.algorithm == .ease:
            let weights = try EASEWeights(from: &reader)
            engine = .ease(weights, input: parameters.easeInput)
            items = weights.items
        case "als" where parameters.algorithm == .als:
            let model = try ImplicitALS(from: &reader)
            engine = .als(model)
            items = model.itemFactors.rows
        case let other:
            throw ModelArchiveError("a stored '\(other)' model for an instance configured with algorithm \(parameters.algorithm.rawValue)")
        }
        let movies = try reader.readArray(of: MovieID.self)
        let interactionCounts = try reader.readArray(of: Int.self)
        try reader.expect(movies.count == items && interactionCounts.count == items, "\(movies.count) movies for a model of \(items)")
        return PersonalizedModel(
            engine: engine, movies: movies, positions: MovieIndex(movies), interactionCounts: interactionCounts, catalogue: context.catalogue,
            summary: try ModelSummary(from: &reader), historyWeighting: parameters.historyWeighting)
    }

    /// The interactions with the `count` movies most interacted with (ties by id, so the cut
    /// does not depend on the order of the data).
    static func onMostInteracted(_ count: Int, _ interactions: [Interaction]) -> [Interaction] {
        var counts: [MovieID: Int] = [:]
        for interaction in interactions { counts[interaction.movie, default: 0] += 1 }
        guard counts.count > count else { return interactions }
        let kept = Set(counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(count).map(\.key))
        return interactions.filter { kept.contains($0.movie) }
    }
}

/// A number as configuration would write it: 12000, not 12000.0.
private func plain(_ value: Double) -> String {
    value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
