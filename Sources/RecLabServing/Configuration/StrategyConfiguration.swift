import Foundation
import RecLabCore
import Yams

/// `experiments/strategies.yaml`: the strategy instances the server builds at start-up (a
/// name, a registered strategy id, parameters) and which instance serves which API surface.
public struct StrategyConfiguration: Sendable {
    /// Instances in file order, which is fitting order: a blend comes after what it blends.
    public let instances: [ConfiguredStrategy]
    public let surfaces: [Surface: String]

    private struct File: Decodable {
        struct Entry: Decodable {
            let name: String
            let strategy: String
            let parameters: ParameterValue?
        }
        let strategies: [Entry]
        let surfaces: [String: String]
    }

    /// Reads and checks the file: unknown strategy ids, bad parameters, unknown or missing
    /// surfaces all throw a `ConfigurationError` naming the file and what is wrong.
    public static func load(path: String, registry: StrategyRegistry) throws -> StrategyConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("\(path): cannot be read (\(error.localizedDescription)); set STRATEGIES_FILE")
        }
        do {
            return try parse(text, registry: registry)
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error.description)")
        }
    }

    public static func parse(_ yaml: String, registry: StrategyRegistry) throws -> StrategyConfiguration {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError("missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw ConfigurationError("not a valid strategies file: \(error)")
        }
        var instances: [ConfiguredStrategy] = []
        for entry in file.strategies {
            guard !instances.contains(where: { $0.name == entry.name }) else {
                throw ConfigurationError("strategy '\(entry.name)' is defined twice")
            }
            instances.append(try registry.make(name: entry.name, strategy: entry.strategy, parameters: entry.parameters))
        }
        var surfaces: [Surface: String] = [:]
        for (key, name) in file.surfaces.sorted(by: { $0.key < $1.key }) {
            guard let surface = Surface(rawValue: key) else {
                throw ConfigurationError("surfaces: unknown surface '\(key)' (known: \(Surface.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard instances.contains(where: { $0.name == name }) else {
                throw ConfigurationError("surfaces.\(key): no strategy named '\(name)' in strategies")
            }
            surfaces[surface] = name
        }
        let missing = Surface.allCases.filter { surfaces[$0] == nil }
        guard missing.isEmpty else {
            throw ConfigurationError("surfaces: no strategy serves \(missing.map(\.rawValue).joined(separator: ", "))")
        }
        return StrategyConfiguration(instances: instances, surfaces: surfaces)
    }
}
