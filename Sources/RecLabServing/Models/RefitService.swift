import Foundation
import Logging
import RecLabExperiments
import ServiceLifecycle
import Synchronization

/// Refits the models in the background: on `POST /admin/refit` and every `REFIT_INTERVAL`
/// seconds (reloading the catalogue first, so movies imported meanwhile are served and learnt
/// from), and for a new experiment set (`POST /admin/experiments/reload`, SIGHUP); adopts
/// another replica's shared generation when it is announced. One job at a time; a service of
/// the application: shutdown waits for the job under way.
public final class RefitService: Service, Sendable {
    /// What a job refits for.
    public enum Job: Sendable {
        /// The catalogue and the training data as they are now; `announce`: tell the other
        /// replicas once the new models serve, so they refit or adopt them too (a refit asked
        /// over HTTP).
        case refit(announce: Bool)
        /// `REFIT_INTERVAL`'s: with shared models, one replica fits and announces.
        case scheduled
        /// Another replica's shared generation, announced.
        case adopt
        /// A new experiment set, live once its variants are fitted.
        case reload([Experiment])
    }

    private struct State {
        /// How many applications run the service: tests serve several on the same models.
        var runners = 0
        /// The job under way, if any; jobs never overlap.
        var job: Task<Void, Never>?
        /// A generation was announced while a job ran: adopt it once that job ends, or this
        /// replica would serve an older generation than the others until the next announcement.
        var adoptAfterJob = false
    }

    let catalogue: CatalogueHost
    let host: ModelHost
    let interval: Duration?
    /// Tells the other replicas this one refitted on request.
    let announce: @Sendable () async throws -> Void
    let logger: Logger
    private let state = Mutex(State())

    public init(
        catalogue: CatalogueHost, host: ModelHost, interval: Duration?, announce: @escaping @Sendable () async throws -> Void = {}, logger: Logger
    ) {
        self.catalogue = catalogue
        self.host = host
        self.interval = interval
        self.announce = announce
        self.logger = logger
    }

    /// Starts `job`; false when a job is already under way or the service is not running,
    /// so the caller can say so rather than queue a second one. An `.adopt` refused for a job
    /// under way runs after it.
    public func request(_ job: Job) -> Bool {
        state.withLock { state in
            guard state.runners > 0 else { return false }
            guard state.job == nil, !host.isRefitting else {
                if case .adopt = job { state.adoptAfterJob = true }
                return false
            }
            // Detached: the job belongs to no request, and outlives the one that asked for it.
            state.job = Task.detached {
                await self.perform(job)
                let adopt = self.state.withLock { state in
                    defer { state.job = nil; state.adoptAfterJob = false }
                    return state.adoptAfterJob
                }
                if adopt { _ = self.request(.adopt) }
            }
            return true
        }
    }

    public func run() async throws {
        state.withLock { $0.runners += 1 }
        await withDiscardingTaskGroup { group in
            if let interval {
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil {
                        _ = self.request(.scheduled)
                    }
                }
            }
            // Until shutdown (or cancellation), then the job under way is let finish.
            try? await gracefulShutdown()
            group.cancelAll()
        }
        let unfinished = state.withLock { state in
            state.runners -= 1
            return state.runners == 0 ? state.job : nil
        }
        if Task.isCancelled { unfinished?.cancel() }
        await unfinished?.value
    }

    private func perform(_ job: Job) async {
        let clock = ContinuousClock.now
        do {
            switch job {
            case .refit(let announcing):
                try await catalogue.reload()
                try await host.refit()
                logger.info("models refitted", metadata: ["seconds": "\(ContinuousClock.now - clock)"])
                if announcing { try await announce() }
            case .scheduled:
                try await catalogue.reload()
                // Without shared models each replica keeps its own schedule: nothing to announce.
                if try await host.scheduledRefit(interval: interval ?? .zero) {
                    logger.info("models refitted and shared", metadata: ["seconds": "\(ContinuousClock.now - clock)"])
                    try await announce()
                }
            case .adopt:
                try await host.adoptShared()
            case .reload(let experiments):
                guard try await host.reload(experiments: experiments) else {
                    logger.error("experiments not reloaded: another refit was running")
                    return
                }
                logger.info("experiments reloaded", metadata: [
                    "experiments": "\(experiments.map(\.id).joined(separator: ", "))", "seconds": "\(ContinuousClock.now - clock)",
                ])
            }
        } catch {
            logger.error("refit or model load failed; the previous models keep serving", metadata: ["error": "\(error)"])
        }
    }
}
