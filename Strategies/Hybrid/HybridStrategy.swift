import Foundation
import RecLabCore

/// A weighted blend of other strategies' answers: each component's scores scaled within its
/// answer for this user (`scaling`), weighted (by the user's history length, when configured),
/// summed per movie, reasons of the strongest contributors kept.
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

    /// Other weights for the same components, for users whose history is short.
    public struct ShortHistory: Codable, Sendable, Equatable {
        /// Histories of at most this many interactions are short.
        public var upTo: Int
        /// The weights a short history is blended with, one per component.
        public var components: [String: Double]

        public init(upTo: Int, components: [String: Double]) {
            self.upTo = upTo
            self.components = components
        }

        enum CodingKeys: String, CodingKey {
            case components
            case upTo = "up_to"
        }
    }

    public struct Parameters: StrategyParameters {
        /// Instance names of the blended strategies (defined before this one) and their weights.
        public var components: [String: Double] = ["personalized": 0.7, "content": 0.2, "popular": 0.1]
        /// How many candidates each component contributes, as a multiple of the limit.
        public var candidateFactor: Int = 3
        /// How each component's scores are brought to one range for this user before weighing.
        public var scaling: Scaling = .minMax
        /// Weights for short histories, when they need others than `components` (none by
        /// default: every user is blended alike). A user with few ratings has few next ones,
        /// which what-comes-next predicts; a long history's future is more its lasting taste.
        public var shortHistory: ShortHistory?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case components, scaling
            case candidateFactor = "candidate_factor"
            case shortHistory = "short_history"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(components, forKey: .components)
            try container.encode(candidateFactor, forKey: .candidateFactor)
            try container.encode(scaling, forKey: .scaling)
            // Null when absent, not left out: configuration knows a parameter by the defaults' encoding.
            try container.encode(shortHistory, forKey: .shortHistory)
        }

        public func validate() throws {
            guard !components.isEmpty else { throw ParameterError(field: "components", problem: "must name at least one strategy") }
            try Self.validate(weights: components, field: "components")
            guard candidateFactor >= 1 else { throw ParameterError(field: "candidate_factor", problem: "must be >= 1, got \(candidateFactor)") }
            if let shortHistory {
                guard shortHistory.upTo >= 1 else {
                    throw ParameterError(field: "short_history.up_to", problem: "must be >= 1, got \(shortHistory.upTo)")
                }
                guard Set(shortHistory.components.keys) == Set(components.keys) else {
                    throw ParameterError(field: "short_history.components", problem: "must weigh the same strategies as components")
                }
                try Self.validate(weights: shortHistory.components, field: "short_history.components")
            }
        }

        private static func validate(weights: [String: Double], field: String) throws {
            for (name, weight) in weights where !(weight > 0) {
                throw ParameterError(field: "\(field).\(name)", problem: "weight must be > 0, got \(weight)")
            }
        }

        /// The short-history weights in the order of `names`, the blend's components.
        func shortTier(names: [String]) -> HybridModel.ShortTier? {
            shortHistory.map { short in HybridModel.ShortTier(upTo: short.upTo, weights: names.map { short.components[$0] ?? 0 }) }
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
        return HybridModel(
            components: components, candidateFactor: parameters.candidateFactor, scaling: parameters.scaling,
            shortTier: parameters.shortTier(names: components.map(\.name)))
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
        return HybridModel(
            components: components, candidateFactor: try reader.read(Int.self), scaling: parameters.scaling,
            shortTier: parameters.shortTier(names: names))
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

    /// The weights, one per component, of histories of at most `upTo` interactions.
    struct ShortTier: Sendable {
        let upTo: Int
        let weights: [Double]
    }

    let components: [Component]
    let candidateFactor: Int
    let scaling: HybridStrategy.Scaling
    let shortTier: ShortTier?

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        // Components give scores alone for their many candidates; reasons are asked for the
        // few movies kept (most of an answer's cost, for a model that explains from the history),
        // from what each component's answer already read.
        var wide = request
        wide.limit = request.limit * candidateFactor
        var candidates: [MovieID: Candidate] = [:]
        var explainers: [Int: ([MovieID]) throws -> [MovieID: String]] = [:]
        let weights = shortTier.flatMap { request.history.count <= $0.upTo ? $0.weights : nil } ?? components.map(\.weight)
        var answered = false
        for (index, component) in components.enumerated() {
            let answer: DeferredAnswer
            do {
                answer = try component.model.recommendExplainingLater(wide)
            } catch is RecommendationError {
                continue  // this component cannot answer this kind of request (no seed, no genre…)
            }
            // An empty list is an answer too (the request's filter may leave nothing).
            answered = true
            let recommendations = answer.recommendations
            guard let high = recommendations.map(\.score).max(), let low = recommendations.map(\.score).min() else { continue }
            explainers[index] = answer.reasons
            for recommendation in recommendations {
                let value = weights[index] * scaling.scale(recommendation.score, low: low, high: high)
                candidates[recommendation.movie, default: Candidate()].add(Candidate.Contribution(value: value, component: index, reason: recommendation.reason))
            }
        }
        guard answered else { throw RecommendationError.missingInput("an input one of its components can answer") }
        var top = TopK(request.limit)
        for (movie, candidate) in candidates { top.insert(movie, score: candidate.total) }
        let picks = top.sorted()
        // Each pick's reasons are its two strongest contributors'; those given scores alone are
        // asked for now, of each component for its picks together.
        var strongest = picks.map { candidates[$0.id]!.strongest }
        if request.wantsReasons {
            for (index, explain) in explainers {
                let unexplained = picks.indices.filter { pick in strongest[pick].contains { $0.component == index && $0.reason.isEmpty } }
                guard !unexplained.isEmpty else { continue }
                let asked = try explain(unexplained.map { picks[$0].id })
                for pick in unexplained {
                    for slot in strongest[pick].indices where strongest[pick][slot].component == index {
                        strongest[pick][slot].reason = asked[picks[pick].id] ?? ""
                    }
                }
            }
        }
        return zip(picks, strongest).map { pick, from in
            Recommendation(movie: pick.id, score: pick.score, reason: from.map(\.reason).filter { !$0.isEmpty }.joined(separator: "; "))
        }
    }

    /// A movie some component offered: its blended score and its two largest contributions.
    /// Only two are kept because a reason names at most two components.
    private struct Candidate {
        struct Contribution {
            let value: Double
            let component: Int
            /// The component's reason, empty while it gave scores alone.
            var reason: String
        }

        var total = 0.0
        var first: Contribution?
        var second: Contribution?

        /// Equal contributions keep the order they came in (the components' order).
        mutating func add(_ contribution: Contribution) {
            total += contribution.value
            if let first, contribution.value <= first.value {
                if second.map({ contribution.value > $0.value }) ?? true { second = contribution }
            } else {
                second = first
                first = contribution
            }
        }

        var strongest: [Contribution] { [first, second].compactMap { $0 } }
    }

    var summary: ModelSummary {
        let blend = components.map { "\($0.name)×\($0.weight)" }.joined(separator: " + ")
        let short = shortTier.map { tier in
            "; up to \(tier.upTo) interactions " + zip(components, tier.weights).map { "\($0.name)×\($1)" }.joined(separator: " + ")
        }
        return ModelSummary(items: components.map(\.model.summary.items).max() ?? 0, detail: blend + (short ?? ""))
    }

    func write(to writer: inout ModelWriter) {
        writer.write(strings: components.map(\.name))
        writer.write(array: components.map(\.weight))
        writer.write(candidateFactor)
    }
}
