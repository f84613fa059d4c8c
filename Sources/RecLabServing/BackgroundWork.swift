import ServiceLifecycle
import Synchronization

/// Work that a request or a change sets off and must not wait for (a catalogue reload, movies
/// fetched from TMDB and stored), run as child tasks of this service rather than as tasks of
/// their own, so that graceful shutdown stops it in order: the service takes no new work,
/// cancels the work under way and waits for it to end, and a job that checks for cancellation
/// before it writes writes nothing after shutdown has begun.
///
/// Several applications may run the service at once (tests serve several on the same
/// services); each job runs on one of them. Work submitted while none runs waits for one.
public final class BackgroundWork: Service, Sendable {
    public typealias Job = @Sendable () async -> Void

    private struct State {
        var queue: [Job] = []
        /// Runners waiting for a job, by runner.
        var idle: [Int: CheckedContinuation<Job?, Never>] = [:]
        /// Runners told to stop.
        var stopped: Set<Int> = []
        var nextRunner = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `job` in the background.
    public func submit(_ job: @escaping Job) {
        let runner = state.withLock { state -> CheckedContinuation<Job?, Never>? in
            guard let (id, waiting) = state.idle.first else {
                state.queue.append(job)
                return nil
            }
            state.idle[id] = nil
            return waiting
        }
        runner?.resume(returning: job)
    }

    public func run() async throws {
        let runner = state.withLock { state in
            defer { state.nextRunner += 1 }
            return state.nextRunner
        }
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                while let job = await next(for: runner) { group.addTask { await job() } }
            } onGracefulShutdown: {
                self.stop(runner)
            }
            group.cancelAll()
        }
        state.withLock { _ = $0.stopped.remove(runner) }
    }

    /// The next job for `runner`; nil once it is stopped or cancelled.
    private func next(for runner: Int) async -> Job? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiting in
                let ready: Job?? = state.withLock { state in
                    if state.stopped.contains(runner) || Task.isCancelled { return .some(nil) }
                    if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                    state.idle[runner] = waiting
                    return .none
                }
                if case .some(let job) = ready { waiting.resume(returning: job) }
            }
        } onCancel: {
            self.stop(runner)
        }
    }

    private func stop(_ runner: Int) {
        let waiting = state.withLock { state in
            state.stopped.insert(runner)
            return state.idle.removeValue(forKey: runner)
        }
        waiting?.resume(returning: nil)
    }
}
