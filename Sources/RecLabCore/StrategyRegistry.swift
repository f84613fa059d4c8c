import Foundation

/// Strategies by id, and the strategy instances built from configuration.
///
/// Strategies register a factory once (`registry.register(ContentStrategy.self)`); the host
/// then builds the instances its configuration names. The registry knows no strategy type
/// itself, as swift-log knows no log handler.
public struct StrategyRegistry: Sendable {
    private var factories: [String: @Sendable (ParameterValue?) throws -> (any RecommendationStrategy, ParameterValue)] = [:]

    public init() {}

    public mutating func register<S: RecommendationStrategy>(_ strategy: S.Type) {
        factories[S.id] = { value in
            let parameters: S.Parameters = try ParameterDecoding.decode(value)
            return (S(parameters: parameters), try ParameterValue(encoding: parameters))
        }
    }

    /// The registered strategy ids, sorted.
    public var ids: [String] { factories.keys.sorted() }

    /// Builds a strategy from its id and configured parameters (defaults for the rest).
    /// Throws `ConfigurationError` naming the instance, the id or the parameter at fault.
    public func make(name: String, strategy id: String, parameters: ParameterValue?) throws -> ConfiguredStrategy {
        guard let factory = factories[id] else {
            throw ConfigurationError(
                "strategy '\(name)': unknown strategy id '\(id)' (registered: \(ids.joined(separator: ", ")))")
        }
        do {
            let (strategy, resolved) = try factory(parameters)
            return ConfiguredStrategy(name: name, strategyID: id, parameters: resolved, strategy: strategy)
        } catch let error as ParameterError {
            throw ConfigurationError("strategy '\(name)' (\(id)): \(error)")
        }
    }
}

/// A strategy instance as configuration names it: an instance name ("top-rated"), the
/// strategy id it runs ("popularity") and its resolved parameters.
public struct ConfiguredStrategy: Sendable {
    public let name: String
    public let strategyID: String
    public let parameters: ParameterValue
    public let strategy: any RecommendationStrategy

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try await strategy.fit(context)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        try strategy.readModel(from: &reader, context: context)
    }
}

/// A configuration file that cannot be used, with a message naming what is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A JSON-like configuration value (YAML and JSON files both read into it).
public enum ParameterValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ParameterValue])
    case object([String: ParameterValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ParameterValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ParameterValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value of any `Encodable`, through JSON.
    public init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(ParameterValue.self, from: ParameterDecoding.encoder.encode(value))
    }
}

/// Decodes parameters from configuration over their defaults, refusing unknown names.
enum ParameterDecoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func decode<P: StrategyParameters>(_ value: ParameterValue?) throws -> P {
        guard case .object(var fields) = try ParameterValue(encoding: P()) else {
            preconditionFailure("\(P.self) must encode as an object")
        }
        switch value {
        case nil, .null?: break
        case .object(let given)?:
            for (key, field) in given.sorted(by: { $0.key < $1.key }) {
                guard fields[key] != nil else {
                    throw ParameterError(field: key, problem: "unknown parameter (known: \(fields.keys.sorted().joined(separator: ", ")))")
                }
                fields[key] = field
            }
        default:
            throw ParameterError(field: "parameters", problem: "expected a mapping of parameter names to values")
        }
        let parameters: P
        do {
            parameters = try JSONDecoder().decode(P.self, from: encoder.encode(ParameterValue.object(fields)))
        } catch let DecodingError.typeMismatch(type, context) {
            throw ParameterError(field: context.codingPath.map(\.stringValue).joined(separator: "."), problem: "expected \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ParameterError(field: context.codingPath.map(\.stringValue).joined(separator: "."), problem: context.debugDescription)
        }
        try parameters.validate()
        return parameters
    }
}

extension Sequence<ConfiguredStrategy> {
    /// Fits the instances in order, each seeing the models fitted before it (a blend comes
    /// after what it blends), and returns every model by instance name. The one fitting
    /// loop the server, the offline evaluation and the experiment simulation share, so a
    /// blend finds its components the same way in all three.
    public func fitInOrder(
        on data: TrainingData, after earlier: [String: any FittedModel] = [:], memoryLimit: Int? = nil,
        fitted: (ConfiguredStrategy, any FittedModel, Duration) async throws -> Void = { _, _, _ in }
    ) async throws -> [String: any FittedModel] {
        var models = earlier
        for instance in self {
            // Between fits, so a shutdown never waits for more than one model.
            try Task.checkCancellation()
            let started = ContinuousClock.now
            let model: any FittedModel
            do {
                model = try await instance.fit(FitContext(data: data, models: models, memoryLimit: memoryLimit))
            } catch let refusal as MemoryLimitExceeded {
                throw ConfiguredFitRefused(instance: instance.name, refusal: refusal)
            }
            models[instance.name] = model
            try await fitted(instance, model, ContinuousClock.now - started)
        }
        return models
    }
}

/// A configured instance's fit refused for memory, naming the instance to change.
public struct ConfiguredFitRefused: Error, CustomStringConvertible {
    public let instance: String
    public let refusal: MemoryLimitExceeded

    public var description: String { "strategy instance '\(instance)': \(refusal)" }
}
