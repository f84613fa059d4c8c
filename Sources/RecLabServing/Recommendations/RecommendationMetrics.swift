import Metrics
import RecLabObservability

/// The recommender's metric handles by label values (strategies, surfaces and variants:
/// bounded sets), bound to the metrics backend of when the services were made.
final class RecommendationMetrics: Sendable {
    let durations = HandleCache<String, Timer> { Timer(label: Metric.recommendDuration.name, dimensions: [("strategy", $0)]) }
    let served = HandleCache<[String], Counter> { key in
        Counter(label: Metric.recommendationsServed.name, dimensions: [("surface", key[0]), ("strategy", key[1]), ("experiment", key[2]), ("variant", key[3])])
    }
    let empty = HandleCache<[String], Counter> { key in
        Counter(label: Metric.recommendationsEmpty.name, dimensions: [("surface", key[0]), ("strategy", key[1])])
    }
    let assignments = HandleCache<[String], Counter> { key in
        Counter(label: Metric.experimentAssignments.name, dimensions: [("experiment", key[0]), ("variant", key[1])])
    }

    /// Creates, at zero, the served, empty-answer and assignment series every surface and
    /// running variant of `generation` can produce, so dashboards and alerts see 0 rather
    /// than no data.
    func prime(_ configuration: StrategyConfiguration, _ generation: ModelHost.Generation) {
        for (surface, name) in configuration.surfaces {
            let strategy = configuration.instances.first { $0.name == name }?.strategyID ?? name
            _ = served([surface.rawValue, strategy, "none", "none"])
            _ = empty([surface.rawValue, strategy])
        }
        for experiment in generation.experiments where experiment.status == .running {
            for variant in experiment.variants {
                _ = assignments([experiment.id, variant.name])
                _ = served([experiment.surface.rawValue, variant.strategy, experiment.id, variant.name])
                _ = empty([experiment.surface.rawValue, variant.strategy])
            }
        }
    }
}
