import Foundation
import LinearAlgebra
import RecLabCore

/// SLIST (Choi, Kim, Lee, Shim and Lee, "Session-aware Linear Item-Item Models for
/// Session-based Recommendation", WWW 2021): one item-item matrix B learned in closed form from
/// two objectives at once, each user's whole history reconstructing itself (the EASE-like
/// part, weight `alpha`) and each stretch of a history predicting the movies that came next
/// (the transition part, 1 − `alpha`):
///
///     B = (α XᵀX + (1−α) SᵀS + λI)⁻¹ (α XᵀX + (1−α) SᵀT)
///
/// X holds each user's movies; S and T hold, for each step of each history, the `window`
/// movies before it (weighted by how recent they are) and the `targets` movies from it on
/// (weighted down the further they are). An answer sums the rows of B of the user's latest
/// movies, weighted by recency, so a new rating changes the next answer without a refit.
public struct SLISTStrategy: RecommendationStrategy {
    public static let id = "slist"

    /// The two objectives' balance and the ridge (`alpha`, `lambda`); how a history becomes
    /// inputs (the `window` movies before a step, weights halving every `input_half_life`
    /// movies back) and targets (the `targets` movies from the step on, the d-th weighted
    /// `target_decay`^d); how an answer reads B (the `last_items` latest movies, weights
    /// halving every `history_half_life` ratings back). With `rating_offset` 0 every rating
    /// counts 1; otherwise its value above the offset, in the histories, the targets and an
    /// answer's input, so a disliked movie pulls its neighbours down (EASE^R's input). Movies
    /// with fewer than `min_ratings` ratings are left out of B, which is dense: its size and
    /// fit time grow with the square and the cube of the movies kept, so `max_items` (0: no
    /// cap) keeps only that many of the most-rated ones, which bounds both at any catalogue's
    /// size (10,000 movies: 1.2 GB while fitting).
    public struct Parameters: StrategyParameters {
        public var alpha = 0.5, lambda = 100.0
        public var window = 10, inputHalfLife = 3.0, targets = 3, targetDecay = 0.5
        public var lastItems = 50, historyHalfLife = 10.0, ratingOffset = 0.0, minRatings = 1, maxItems = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case alpha, lambda, window, targets, inputHalfLife = "input_half_life", targetDecay = "target_decay", lastItems = "last_items"
            case historyHalfLife = "history_half_life", ratingOffset = "rating_offset", minRatings = "min_ratings"
            case maxItems = "max_items"
        }

        public func validate() throws {
            try require((0...1).contains(alpha), "alpha", "must be in [0, 1], got \(alpha)")
            try require(lambda > 0 && lambda.isFinite, "lambda", "must be a finite number > 0, got \(lambda)")
            try require((1...100).contains(window), "window", "must be between 1 and 100, got \(window)")
            try require(inputHalfLife > 0 && inputHalfLife.isFinite, "input_half_life", "must be a finite number > 0 (in movies), got \(inputHalfLife)")
            try require((1...50).contains(targets), "targets", "must be between 1 and 50, got \(targets)")
            try require(targetDecay > 0 && targetDecay <= 1, "target_decay", "must be in (0, 1] (1: every target alike), got \(targetDecay)")
            try require((1...10_000).contains(lastItems), "last_items", "must be between 1 and 10000, got \(lastItems)")
            try require(historyHalfLife > 0 && historyHalfLife.isFinite, "history_half_life", "must be a finite number > 0 (in ratings), got \(historyHalfLife)")
            try require((0..<5).contains(ratingOffset), "rating_offset", "must be in [0, 5), got \(ratingOffset)")
            try require(minRatings >= 1, "min_ratings", "must be at least 1, got \(minRatings)")
            try require(maxItems >= 0, "max_items", "must be >= 0 (0 keeps every movie), got \(maxItems)")
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try parameters.validate()
        var ratings: [MovieID: Int] = [:]
        for interaction in context.data.interactions { ratings[interaction.movie, default: 0] += 1 }
        var eligible = ratings.filter { $0.value >= parameters.minRatings }
        if parameters.maxItems > 0, eligible.count > parameters.maxItems {
            // The most-rated, equal counts by smaller id.
            let ranked = eligible.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            eligible = Dictionary(uniqueKeysWithValues: ranked.prefix(parameters.maxItems).map { ($0.key, $0.value) })
        }
        let movies = eligible.keys.sorted()
        let kept = Set(movies)
        let interactions = movies.count < ratings.count ? context.data.interactions.filter { kept.contains($0.movie) } : context.data.interactions
        // A, B and the right-hand side, n² floats each.
        let bytes = 3 * movies.count * movies.count * MemoryLayout<Float>.size
        if let limit = context.memoryLimit, bytes > limit {
            throw RecommendationError.missingInput(
                "more memory than MODEL_MEMORY_LIMIT allows: \(bytes / (1 << 20)) MiB for \(movies.count) movies, \(limit / (1 << 20)) MiB allowed")
        }
        let weights = try SLISTWeights(interactions, movies: movies, parameters: parameters)
        return SLISTModel(weights: weights, parameters: parameters, catalogue: context.data.catalogue)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        SLISTModel(weights: try SLISTWeights(from: &reader), parameters: parameters, catalogue: context.catalogue)
    }
}

extension SLISTStrategy.Parameters {
    /// What a rating counts for: 1, or its value above `rating_offset`.
    func value(of rating: Float) -> Float {
        ratingOffset == 0 ? 1 : rating - Float(ratingOffset)
    }
}

