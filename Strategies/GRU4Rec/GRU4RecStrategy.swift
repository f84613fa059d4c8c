import Foundation
import RecLabCore

/// GRU4Rec (Hidasi, Karatzoglou, Baltrunas and Tikk, "Session-based Recommendations with
/// Recurrent Neural Networks", ICLR 2016, with the 2018 losses and sampling of Hidasi and
/// Karatzoglou, CIKM 2018): a GRU reads each user's ratings in time order and learns to score
/// the movie rated next, trained here in Swift over BLAS with Adam.
///
/// The number of epochs is found by early stopping: the protocol's split applied once more to
/// the ratings the fit is given (per user, the latest fifth held out), a model trained on the
/// rest scored by ndcg@10 on the held-out ratings of 4 and above after each epoch, training
/// stopped after `patience` epochs without a better one. The model served is then trained
/// afresh on all the ratings for the best epoch count, from the same seed.
public struct GRU4RecStrategy: RecommendationStrategy {
    public static let id = "gru4rec"
    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    /// The network (`hidden` units), the training (`loss`, `bpr_regularization` for BPR-max,
    /// `learning_rate` for Adam, `dropout` on the state before it scores, each step's target
    /// drawn from the `targets` movies after it (1: the next), `batch_size` histories
    /// side by side, `negatives` extra movies drawn per batch with probability ∝
    /// count^`sample_alpha` and scores lowered by `log_q` times their log-odds of being drawn,
    /// at most `max_epochs`, stopping after `patience` epochs without
    /// gain, all draws from `seed`) and the answer (the state after the `last_items` latest
    /// movies).
    public struct Parameters: StrategyParameters {
        public var hidden = 64, batchSize = 32, negatives = 256, sampleAlpha = 0.5, logQ = 1.0
        public var loss = GRULoss.crossEntropy, bprRegularization = 1.0, learningRate = 0.002, dropout = 0.1
        public var targets = 1, maxEpochs = 20, patience = 2, seed = 1, lastItems = 100

        public init() {}

        enum CodingKeys: String, CodingKey {
            case hidden, batchSize = "batch_size", negatives, sampleAlpha = "sample_alpha", logQ = "log_q", loss, bprRegularization = "bpr_regularization"
            case learningRate = "learning_rate", dropout, targets, maxEpochs = "max_epochs", patience, seed, lastItems = "last_items"
        }

        public func validate() throws {
            try require((1...1024).contains(hidden), "hidden", "must be between 1 and 1024, got \(hidden)")
            try require((1...4096).contains(batchSize), "batch_size", "must be between 1 and 4096, got \(batchSize)")
            try require((0...100_000).contains(negatives), "negatives", "must be between 0 and 100000, got \(negatives)")
            try require((0...1).contains(sampleAlpha), "sample_alpha", "must be in [0, 1] (0: uniform, 1: by rating count), got \(sampleAlpha)")
            try require((0...1).contains(logQ), "log_q", "must be in [0, 1] (how much of the sampler's log-probability training subtracts), got \(logQ)")
            try require(bprRegularization >= 0 && bprRegularization.isFinite, "bpr_regularization", "must be a finite number >= 0, got \(bprRegularization)")
            try require(learningRate > 0 && learningRate < 1, "learning_rate", "must be in (0, 1), got \(learningRate)")
            try require((0..<1).contains(dropout), "dropout", "must be in [0, 1), got \(dropout)")
            try require((1...1000).contains(targets), "targets", "must be between 1 and 1000, got \(targets)")
            try require((1...1000).contains(maxEpochs), "max_epochs", "must be between 1 and 1000, got \(maxEpochs)")
            try require((1...1000).contains(patience), "patience", "must be between 1 and 1000, got \(patience)")
            try require(seed >= 0, "seed", "must be >= 0, got \(seed)")
            try require((1...10_000).contains(lastItems), "last_items", "must be between 1 and 10000, got \(lastItems)")
        }
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try parameters.validate()
        let interactions = context.data.interactions
        let movies = Set(interactions.map(\.movie)).count
        // Weights, gradient and Adam's two moments: four copies of every weight.
        let bytes = 4 * movies * (4 * parameters.hidden + 1) * MemoryLayout<Float>.size
        try context.reserve(bytes, for: "GRU4Rec's weights for \(movies) movies", change: "lower hidden (now \(parameters.hidden))")
        let catalogue = context.data.catalogue
        let order = TemporalHoldout.movieLensOrder(of: catalogue)
        let split = TemporalHoldout(interactions, movieOrder: order)
        var epochs = 0
        var best = -1.0
        var stopping = GRUEpochs(split.kept, parameters: parameters, movieOrder: order)
        for epoch in 1...parameters.maxEpochs where epoch - epochs <= parameters.patience {
            stopping.epoch()
            let ndcg = stopping.ndcg(on: split.heldOut, catalogue: catalogue)
            if ndcg > best { (best, epochs) = (ndcg, epoch) }
        }
        var final = GRUEpochs(interactions, parameters: parameters, movieOrder: order)
        for _ in 0..<epochs { final.epoch() }
        return final.model(epochs: epochs, stoppingNDCG: best, catalogue: catalogue)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        let epochs = Int(try reader.read(Int32.self))
        let stoppingNDCG = try reader.read(Double.self)
        return GRU4RecModel(weights: try GRUWeights(from: &reader), parameters: parameters, epochs: epochs, stoppingNDCG: stoppingNDCG, catalogue: context.catalogue)
    }
}
