import Foundation
import RecLabCore
import Yams

/// An offline-evaluation config (`experiments/offline/<name>.yaml`): the data and the plan.
public struct EvaluationConfiguration: Sendable {
    /// Folder of data sets imported for the catalogue (movies, genres, people…).
    public var datasets: String
    /// The ratings file of the protocol; its checksum goes into the report.
    public var ratings: String
    public var plan: EvaluationPlan

    private struct File: Decodable {
        struct Entry: Decodable {
            let name: String
            let strategy: String
            let parameters: ParameterValue?
            let grid: [String: [ParameterValue]]?
            /// The API's query parameters: `genres=comedy&diversify=mmr&diversity=0.3`.
            let controls: String?
        }
        let name: String
        let datasets: String
        let ratings: String
        let strategies: [Entry]
        let bootstrap: Bootstrap?

        /// Every setting optional, over `BootstrapSettings`' defaults.
        struct Bootstrap: Decodable {
            let resamples: Int?
            let seed: UInt64?
            let confidence: Double?
        }
    }

    /// Reads the config; relative paths are relative to the working directory (the
    /// repository root, where the commands in the README run).
    public static func load(path: String) throws -> EvaluationConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("\(path): cannot be read (\(error.localizedDescription))")
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError("\(path): missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw ConfigurationError("\(path): not a valid evaluation config: \(error)")
        }
        guard !file.strategies.isEmpty else { throw ConfigurationError("\(path): strategies: nothing to evaluate") }
        var bootstrap = BootstrapSettings()
        if let given = file.bootstrap {
            bootstrap.resamples = given.resamples ?? bootstrap.resamples
            bootstrap.seed = given.seed ?? bootstrap.seed
            bootstrap.confidence = given.confidence ?? bootstrap.confidence
        }
        do {
            try bootstrap.validate()
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error.description)")
        }
        let entries = try file.strategies.map { entry in
            var controls = ListControls()
            if let text = entry.controls {
                do {
                    controls = try ListControls(query: text, user: true)
                } catch {
                    throw ConfigurationError("\(path): \(entry.name).controls: \(error)")
                }
            }
            if controls.unseenFor != nil {
                throw ConfigurationError("\(path): \(entry.name).controls: unseen_for reads the exposure log, which an offline evaluation has not")
            }
            return EvaluationPlan.Entry(name: entry.name, strategy: entry.strategy, parameters: entry.parameters, grid: entry.grid, controls: controls)
        }
        return EvaluationConfiguration(
            datasets: file.datasets, ratings: file.ratings, plan: EvaluationPlan(name: file.name, entries: entries, bootstrap: bootstrap))
    }
}
