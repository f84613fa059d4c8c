import Foundation
import RecLabCore

/// A weighted blend of other strategies' answers: each component's scores scaled within its
/// answer for this user (`scaling`), weighted, summed per movie, reasons of the strongest
/// contributors kept.
public struct HybridStrategy: RecommendationStrategy {
    public static let id = "hybrid"

    /// How a component's answer for one user is scaled to [0, 1].
    public enum Scaling: String, Codable, Sendable, CaseIterable {
        /// (s − min) / (max − min) over the answer: its last candidate counts 0, like a movie
        /// the component did not name. The default, and what blends of unlike scales need.
        case minMax = "min-max"
        /// s / max: keeps how far below the best each candidate is, so a component whose
        /// scores fall off fast (transitions) is not flattened; for non-negative scores.
        case max

        public init(from decoder: any Decoder) throws {
            self = try decodeChoice(from: decoder, what: "scaling")
        }

        func scale(_ score: Double, low: Double, high: Double) -> Double {
            switch self {
            case .minMax: high > low ? (score - low) / (high - low) : 1
            case .max: high > 0 ? Swift.max(score, 0) / high : 1
            }
        }
    }

    public struct Parameters: StrategyParameters {
        /// Instance names of the blended strategies (defined before this one) and their weights.
        public var components: [String: Double] = ["personalized": 0.7, "content": 0.2, "popular": 0.1]
        /// How many candidates each component contributes, as a multiple of the limit.
        public var candidateFactor: Int = 3
        /// How each component's scores are brought to one range for this user before weighing.
        public var scaling: Scaling = .minMax

        public init() {}

        enum CodingKeys: String, CodingKey {
            case components, scaling
            case candidateFactor = "candidate_factor"
        }

        public func validate() throws {
            guard !components.isEmpty else { throw ParameterError(field: "components", problem: "must name at least one strategy") }
            for (name, weight) in components where !(weight > 0) {
                throw ParameterError(field: "components.\(name)", problem: "weight must be > 0, got \(weight)")
            }
            guard candidateFactor >= 1 else { throw ParameterError(field: "candidate_factor", problem: "must be >= 1, got \(candidateFactor)") }
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        let components = try parameters.components.sorted { $0.key < $1.key }.map { name, weight in
            guard let model = context.models[name] else {
                throw ConfigurationError("hybrid component '\(name)' is not a strategy defined before the hybrid")
            }
            return HybridModel.Component(name: name, weight: weight, model: model)
        }
        return HybridModel(components: components, candidateFactor: parameters.candidateFactor, scaling: parameters.scaling)
    }

    /// The components are the generation's models read before this one, as a fit finds them.
    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        let names = try reader.readStrings()
        let weights = try reader.readArray(of: Double.self)
        try reader.expect(names.count == weights.count, "\(names.count) component names, \(weights.count) weights")
        let components = try zip(names, weights).map { name, weight in
            guard let model = context.models[name] else { throw ModelArchiveError("hybrid component '\(name)' is not in the generation") }
            return HybridModel.Component(name: name, weight: weight, model: model)
        }
        return HybridModel(components: components, candidateFactor: try reader.read(Int.self), scaling: parameters.scaling)
    }
}

/// Holds the component models it was fitted with: a refit builds a new hybrid over the new
/// components, so one answer never mixes model generations.
struct HybridModel: FittedModel {
    struct Component: Sendable {
        let name: String
        let weight: Double
        let model: any FittedModel
    }

    let components: [Component]
    let candidateFactor: Int
    let scaling: HybridStrategy.Scaling

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        // Components give scores alone for their many candidates; reasons are asked for the
        // few movies kept (most of an answer's cost, for a model that explains from the history).
        var wide = request
        wide.limit = request.limit * candidateFactor
        wide.wantsReasons = false
        var totals: [MovieID: Double] = [:]
        var contributors: [MovieID: [(contribution: Double, component: Int)]] = [:]
        var reasons = [[MovieID: String]](repeating: [:], count: components.count)
        var answered = 0
        for (index, component) in components.enumerated() {
            let answer: [Recommendation]
            do {
                answer = try component.model.recommend(wide)
            } catch is RecommendationError {
                continue  // this component cannot answer this kind of request (no seed, no genre…)
            }
            guard let high = answer.map(\.score).max(), let low = answer.map(\.score).min() else { continue }
            answered += 1
            for recommendation in answer {
                let contribution = component.weight * scaling.scale(recommendation.score, low: low, high: high)
                totals[recommendation.movie, default: 0] += contribution
                contributors[recommendation.movie, default: []].append((contribution, index))
                reasons[index][recommendation.movie] = recommendation.reason
            }
        }
        guard answered > 0 else { throw RecommendationError.missingInput("an input one of its components can answer") }
        var top = TopK(request.limit)
        for (movie, score) in totals { top.insert(movie, score: score) }
        let picks = top.sorted()
        // Each pick's reasons are its two strongest contributors'.
        let strongest = picks.map { pick in contributors[pick.id]!.sorted { $0.contribution > $1.contribution }.prefix(2).map(\.component) }
        if request.wantsReasons {
            for index in components.indices {
                let unexplained = zip(picks, strongest).filter { $1.contains(index) && reasons[index][$0.id]!.isEmpty }.map(\.0.id)
                guard !unexplained.isEmpty else { continue }
                reasons[index].merge(try components[index].model.reasons(for: unexplained, wide)) { _, asked in asked }
            }
        }
        return zip(picks, strongest).map { pick, from in
            let reason = from.compactMap { reasons[$0][pick.id] }.filter { !$0.isEmpty }.joined(separator: "; ")
            return Recommendation(movie: pick.id, score: pick.score, reason: reason)
        }
    }

    var summary: ModelSummary {
        ModelSummary(items: components.map(\.model.summary.items).max() ?? 0,
                     detail: components.map { "\($0.name)×\($0.weight)" }.joined(separator: " + "))
    }

    func write(to writer: inout ModelWriter) {
        writer.write(strings: components.map(\.name))
        writer.write(array: components.map(\.weight))
        writer.write(candidateFactor)
    }
}
