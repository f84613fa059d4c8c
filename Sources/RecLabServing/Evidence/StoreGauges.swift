import Foundation
import Metrics
import RecLabEvaluation
import RecLabExperiments
import RecLabObservability
import RecLabStore
import Synchronization

/// Gauges read from the store: catalogue size, ratings, users with preferences, the latest
/// offline scores and each running experiment's sample-ratio p-value.
///
/// They are refreshed when `/metrics` is scraped, at most every `interval`, so a scrape costs a
/// few queries at most and a burst of scrapes costs one: the first scrape refreshes, and one
/// that comes while that refresh is under way waits for it, so it never exports a
/// half-refreshed set.
public final class StoreGauges: Sendable {
    let store: any MovieRepository & PreferenceRepository & ExposureRepository
    let models: ModelHost
    let exposures: ExposureLog
    let reports: EvaluationReports
    let attributionWindow: Duration
    let interval: Duration
    private struct Refreshes {
        /// When the last refresh started.
        var started: ContinuousClock.Instant?
        /// Scrapes waiting for the refresh under way; nil when none is.
        var waiting: [CheckedContinuation<Void, any Error>]?
    }

    private let refreshes = Mutex(Refreshes())
    private let enrolled = Mutex<[String: Int]>([:])

    /// The users each running experiment had served, by experiment id, as of the last refresh.
    public var experimentUsers: [String: Int] { enrolled.withLock { $0 } }

    init(store: any MovieRepository & PreferenceRepository & ExposureRepository, models: ModelHost, exposures: ExposureLog, reports: EvaluationReports, attributionWindow: Duration,
         interval: Duration = .seconds(15)) {
        self.store = store
        self.models = models
        self.exposures = exposures
        self.reports = reports
        self.attributionWindow = attributionWindow
        self.interval = interval
    }

    public func refreshIfStale() async throws {
        let now = ContinuousClock.now
        enum Part { case none, refresh, wait }
        let part = refreshes.withLock { state -> Part in
            if state.waiting != nil { return .wait }
            guard state.started.map({ now - $0 >= interval }) ?? true else { return .none }
            state.started = now
            state.waiting = []
            return .refresh
        }
        switch part {
        case .none:
            return
        case .wait:
            try await withCheckedThrowingContinuation { waiter in
                // The refresh may have ended meanwhile: then there is nothing to wait for.
                let waiting = refreshes.withLock { state in
                    guard state.waiting != nil else { return false }
                    state.waiting?.append(waiter)
                    return true
                }
                if !waiting { waiter.resume() }
            }
        case .refresh:
            let outcome: Result<Void, any Error>
            do {
                try await refresh()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            let waiters = refreshes.withLock { state in
                defer { state.waiting = nil }
                return state.waiting ?? []
            }
            for waiter in waiters { waiter.resume(with: outcome) }
            try outcome.get()
        }
    }

    private func refresh() async throws {
        let counts = try await store.counts()
        Gauge(label: Metric.catalogueMovies.name).record(counts.movies)
        Gauge(label: Metric.ratings.name).record(counts.ratings)
        Gauge(label: Metric.usersWithPreferences.name).record(try await store.usersWithPreferences())
        // Keyed by the models serving now, so the series stay put when evaluations come and go.
        let evaluations = try await reports.newestFirst()
        for model in models.generation?.strategies ?? [] {
            let metrics = EvaluationReport.newestResult(in: evaluations, strategy: model.strategyID, parameters: model.parameters)?.result.metrics
            let labels = [("model", model.name)]
            Gauge(label: Metric.offlineNDCG.name, dimensions: labels).record(metrics?.ndcg ?? .nan)
            Gauge(label: Metric.offlineRecall.name, dimensions: labels).record(metrics?.recall ?? .nan)
            Gauge(label: Metric.offlineCoverage.name, dimensions: labels).record(metrics?.coverage ?? .nan)
        }
        try await exposures.flush()
        var users: [String: Int] = [:]
        defer { enrolled.withLock { $0 = users } }
        for experiment in models.generation?.experiments ?? [] where experiment.status == .running {
            // The report's own check (users in two variants left out), so alert and report agree.
            let activity = try await store.activity(experiment: experiment.id, attributionWindow: attributionWindow)
            users[experiment.id] = Set(activity.users.map(\.userID)).count
            let report = ExperimentAnalysis.report(experiment: experiment, activity: activity)
            // No users yet is no evidence of a mismatch: p = 1, so the series exists from the start.
            let p = report.sampleRatio?.pValue ?? 1
            Gauge(label: Metric.experimentSampleRatioPValue.name, dimensions: [("experiment", experiment.id)]).record(p)
        }
    }
}
