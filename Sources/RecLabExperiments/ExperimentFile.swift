import Foundation
import RecLabCore
import Yams

/// Reads and checks `experiments/*.yaml` experiment files; every message names the file and
/// the field at fault.
public enum ExperimentFile {
    private struct File: Decodable {
        struct Namespace: Decodable {
            let name: String
            let range: [Double]
        }
        struct Targeting: Decodable {
            let minRatings: Int?
            let newUsers: Bool?
            enum CodingKeys: String, CodingKey {
                case minRatings = "min_ratings"
                case newUsers = "new_users"
            }
        }
        struct Variant: Decodable {
            let name: String
            let weight: Double?
            let control: Bool?
            let strategy: String
            let parameters: ParameterValue?
            /// The API's query parameters: `diversify=mmr&diversity=0.3`.
            let controls: String?
        }
        let id: String
        let description: String?
        let status: Experiment.Status
        let surface: String
        let salt: String
        let coverage: Double?
        let namespace: Namespace?
        let targeting: Targeting?
        let variants: [Variant]
        struct Guardrail: Decodable {
            let metric: String
            let maxDrop: Double
            enum CodingKeys: String, CodingKey {
                case metric
                case maxDrop = "max_drop"
            }
        }
        let kind: String?
        let analysis: String?
        let sequentialTuning: Double?
        let guardrails: [Guardrail]?
        let cuped: Bool?

        enum CodingKeys: String, CodingKey {
            case id, description, status, surface, salt, coverage, namespace, targeting, variants, analysis, kind, guardrails, cuped
            case sequentialTuning = "sequential_tuning"
        }
    }

    /// Parses one file and checks it on its own (the registry builds every variant, so an
    /// unknown strategy or a bad parameter is caught here).
    /// `surfaces` are the ones this server offers (tests narrow them).
    public static func parse(
        _ yaml: String, file: String, registry: StrategyRegistry, surfaces: Set<Surface> = Set(Surface.allCases)
    ) throws -> Experiment {
        func fail(_ field: String, _ problem: String) -> ConfigurationError { ConfigurationError("\(file): \(field): \(problem)") }
        let decoded: File
        do {
            decoded = try YAMLDecoder().decode(File.self, from: yaml)
        } catch let DecodingError.keyNotFound(key, context) {
            throw fail((context.codingPath + [key]).map(\.stringValue).joined(separator: "."), "missing")
        } catch let DecodingError.dataCorrupted(context) {
            throw fail(context.codingPath.map(\.stringValue).joined(separator: "."), context.debugDescription)
        } catch let DecodingError.typeMismatch(type, context) {
            throw fail(context.codingPath.map(\.stringValue).joined(separator: "."), "expected \(type)")
        } catch {
            throw ConfigurationError("\(file): not a valid experiment file: \(error)")
        }
        guard !decoded.id.isEmpty else { throw fail("id", "must not be empty") }
        guard !decoded.salt.isEmpty else { throw fail("salt", "must not be empty") }
        guard let surface = Surface(rawValue: decoded.surface), surfaces.contains(surface) else {
            throw fail("surface", "unknown surface '\(decoded.surface)' (known: \(surfaces.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        let coverage = decoded.coverage ?? 1
        guard (0...1).contains(coverage) else { throw fail("coverage", "must be between 0 and 1, got \(coverage)") }
        guard let kind = Experiment.Kind(rawValue: decoded.kind ?? "ab") else {
            throw fail("kind", "unknown kind '\(decoded.kind ?? "")' (known: ab, interleaving)")
        }
        guard decoded.variants.count >= 2 else { throw fail("variants", "an experiment needs at least two variants") }
        // An interleaving experiment shows every variant to every user: there is no split to weigh.
        let weights: [Double]
        switch kind {
        case .ab:
            weights = try decoded.variants.enumerated().map { index, variant in
                guard let weight = variant.weight else { throw fail("variants[\(index)].weight", "missing") }
                guard weight > 0 else { throw fail("variants[\(index)].weight", "must be > 0, got \(weight)") }
                return weight
            }
            let total = weights.reduce(0, +)
            guard abs(total - 1) <= 0.001 else { throw fail("variants", "weights sum to \(total), not 1") }
        case .interleaving:
            if let index = decoded.variants.firstIndex(where: { $0.weight != nil }) {
                throw fail("variants[\(index)].weight", "applies to kind: ab only (an interleaving experiment shows every variant to every user)")
            }
            if let index = decoded.variants.firstIndex(where: { $0.name == Experiment.interleavedArm }) {
                throw fail("variants[\(index)].name", "'\(Experiment.interleavedArm)' names the interleaved list itself; choose another name")
            }
            weights = decoded.variants.map { _ in 1 / Double(decoded.variants.count) }
        }
        var names = Set<String>()
        var controls: [ListControls] = []
        for (index, variant) in decoded.variants.enumerated() {
            if let text = variant.controls {
                do {
                    controls.append(try ListControls(query: text, user: true))
                } catch {
                    throw fail("variants[\(index)].controls", "\(error)")
                }
            } else {
                controls.append(ListControls())
            }
            guard names.insert(variant.name).inserted else { throw fail("variants[\(index)].name", "'\(variant.name)' is used twice") }
            do {
                _ = try registry.make(name: Experiment.modelName(experiment: decoded.id, variant: variant.name), strategy: variant.strategy, parameters: variant.parameters)
            } catch let error as ConfigurationError {
                throw fail("variants[\(index)]", error.description)
            }
        }
        let controlVariants = decoded.variants.filter { $0.control == true }.count
        guard controlVariants == 1 else { throw fail("variants", "exactly one variant must be the control (control: true), found \(controlVariants)") }
        var namespace: Experiment.Namespace?
        if let given = decoded.namespace {
            guard given.range.count == 2, 0 <= given.range[0], given.range[0] < given.range[1], given.range[1] <= 1 else {
                throw fail("namespace.range", "must be [start, end] with 0 <= start < end <= 1")
            }
            namespace = .init(name: given.name, range: given.range[0]..<given.range[1])
        }
        if let minimum = decoded.targeting?.minRatings, minimum < 0 { throw fail("targeting.min_ratings", "must be >= 0, got \(minimum)") }
        let analysis: Experiment.Analysis
        switch decoded.analysis ?? "fixed" {
        case "fixed":
            guard decoded.sequentialTuning == nil else { throw fail("sequential_tuning", "applies to analysis: sequential only") }
            analysis = .fixed
        case "sequential":
            // GrowthBook's default: the sequence is tightest at 5,000 users in all.
            let tuning = decoded.sequentialTuning ?? 5_000
            guard tuning >= 1 else { throw fail("sequential_tuning", "must be >= 1 (users in all), got \(tuning)") }
            analysis = .sequential(tuning: tuning)
        case let other:
            throw fail("analysis", "unknown analysis '\(other)' (known: fixed, sequential)")
        }
        let guardrails = try (decoded.guardrails ?? []).enumerated().map { index, given in
            guard let metric = Experiment.Guardrail.Metric(rawValue: given.metric) else {
                throw fail("guardrails[\(index)].metric", "unknown metric '\(given.metric)' (known: \(Experiment.Guardrail.Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard given.maxDrop > 0, given.maxDrop < 1 else {
                throw fail("guardrails[\(index)].max_drop", "must be a share between 0 and 1 (0.02 for 2%), got \(given.maxDrop)")
            }
            return Experiment.Guardrail(metric: metric, maxDrop: given.maxDrop)
        }
        if kind == .interleaving {
            // Interleaving compares clicks within one list; the A/B statistics do not apply.
            if decoded.analysis != nil { throw fail("analysis", "applies to kind: ab only") }
            if !guardrails.isEmpty { throw fail("guardrails", "apply to kind: ab only") }
            if decoded.cuped != nil { throw fail("cuped", "applies to kind: ab only") }
        }
        return Experiment(
            id: decoded.id, description: decoded.description ?? "", status: decoded.status, surface: surface,
            salt: decoded.salt, coverage: coverage, namespace: namespace,
            targeting: .init(minimumInteractions: decoded.targeting?.minRatings, newUsersOnly: decoded.targeting?.newUsers ?? false),
            variants: zip(zip(decoded.variants, weights), controls).map { pair, controls in
                .init(
                    name: pair.0.name, weight: pair.1, isControl: pair.0.control == true, strategy: pair.0.strategy, parameters: pair.0.parameters,
                    controls: controls)
            }, analysis: analysis, kind: kind, guardrails: guardrails, cuped: decoded.cuped ?? false)
    }

    /// Checks a set of experiments together: ids are unique, and two running experiments on
    /// one surface must split a namespace into disjoint slices, or one user would be in both.
    public static func checkTogether(_ experiments: [(file: String, experiment: Experiment)]) throws {
        var seen: [String: String] = [:]
        for (file, experiment) in experiments {
            if let other = seen[experiment.id] { throw ConfigurationError("\(file): id: '\(experiment.id)' is also the id in \(other)") }
            seen[experiment.id] = file
        }
        let running = experiments.filter { $0.experiment.status == .running }
        for (index, first) in running.enumerated() {
            for second in running[(index + 1)...] where first.experiment.surface == second.experiment.surface {
                guard let a = first.experiment.namespace, let b = second.experiment.namespace, a.name == b.name, !a.range.overlaps(b.range) else {
                    throw ConfigurationError(
                        "\(second.file): namespace: running on surface '\(second.experiment.surface.rawValue)' together with '\(first.experiment.id)' (\(first.file)); give both the same namespace with disjoint ranges")
                }
            }
        }
    }

    /// Every `*.yaml` experiment file directly in `folder` (not `strategies.yaml`, not
    /// `offline/`), parsed and checked together, sorted by file name.
    public static func loadAll(folder: String, registry: StrategyRegistry, surfaces: Set<Surface> = Set(Surface.allCases)) throws -> [Experiment] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var loaded: [(file: String, experiment: Experiment)] = []
        for name in names.sorted() where name.hasSuffix(".yaml") && name != "strategies.yaml" {
            let path = (folder as NSString).appendingPathComponent(name)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            loaded.append((path, try parse(text, file: path, registry: registry, surfaces: surfaces)))
        }
        try checkTogether(loaded)
        return loaded.map(\.experiment)
    }
}
