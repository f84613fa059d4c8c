import Foundation
import Hummingbird
import RecLabExperiments

/// `/experiments`: the experiments the server is running, as configured.
struct ExperimentRoutes {
    let models: ModelHost

    struct Listing: ResponseEncodable {
        struct Variant: Codable {
            let name: String
            let weight: Double
            let control: Bool
            let strategy: String
        }

        struct Item: Codable {
            let id: String
            let description: String
            let status: String
            let surface: String
            let coverage: Double
            let namespace: String?
            let variants: [Variant]
        }

        let experiments: [Item]
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("experiments") { _, _ in
            Listing(experiments: (models.generation?.experiments ?? []).map { experiment in
                .init(
                    id: experiment.id, description: experiment.description, status: experiment.status.rawValue,
                    surface: experiment.surface, coverage: experiment.coverage,
                    namespace: experiment.namespace.map { "\($0.name) [\($0.range.lowerBound), \($0.range.upperBound))" },
                    variants: experiment.variants.map { .init(name: $0.name, weight: $0.weight, control: $0.isControl, strategy: $0.strategy) })
            })
        }
    }
}
