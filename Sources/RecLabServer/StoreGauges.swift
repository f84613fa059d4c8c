import Foundation
import Metrics
import RecLabEvaluation
import RecLabExperiments
import RecLabObservability
import RecLabSQLite
import RecLabStore
import Synchronization

/// Gauges read from the store: catalogue size, ratings, users with preferences, the latest
/// offline scores and each running experiment's sample-ratio p-value.
///
/// They are refreshed when `/metrics` is scraped, at most every `interval`, so a scrape costs a
/// few queries at most and a burst of scrapes costs one.
final class StoreGauges: Sendable {
    let store: SQLiteStore
    let models: ModelHost
    let exposures: ExposureLog
    let interval: Duration
    private let refreshed = Mutex<ContinuousClock.Instant?>(nil)

    init(store: SQLiteStore, models: ModelHost, exposures: ExposureLog, interval: Duration = .seconds(15)) {
        self.store = store
        self.models = models
        self.exposures = exposures
        self.interval = interval
    }

    func refreshIfStale() async throws {
        let now = ContinuousClock.now
        let due = refreshed.withLock { last in
            guard last.map({ now - $0 >= interval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let counts = try await store.counts()
        Gauge(label: Metric.catalogueMovies.name).record(counts.movies)
        Gauge(label: Metric.ratings.name).record(counts.ratings)
        Gauge(label: Metric.usersWithPreferences.name).record(counts.preferenceUsers)
        if let latest = try await store.evaluations().first,
           let report = try? JSONDecoder.reports.decode(EvaluationReport.self, from: latest.json) {
            for result in report.strategies {
                let labels = [("strategy", result.name)]
                Gauge(label: Metric.offlineNDCG.name, dimensions: labels).record(result.metrics.ndcg)
                Gauge(label: Metric.offlineRecall.name, dimensions: labels).record(result.metrics.recall)
                Gauge(label: Metric.offlineCoverage.name, dimensions: labels).record(result.metrics.coverage)
            }
        }
        try await exposures.flush()
        for experiment in models.generation?.experiments ?? [] where experiment.status == .running {
            let activity = try await store.activity(experiment: experiment.id)
            let users = experiment.variants.map { variant in activity.filter { $0.variant == variant.name }.count }
            guard let check = ExperimentAnalysis.sampleRatioCheck(users: users, weights: experiment.variants.map(\.weight)) else { continue }
            Gauge(label: Metric.experimentSampleRatioPValue.name, dimensions: [("experiment", experiment.id)]).record(check.pValue)
        }
    }
}
