import Dispatch
import Foundation

/// Runs `body` on a thread of its own instead of Swift's cooperative pool, whose threads are as
/// few as the cores. Fitting, evaluating or hashing there for seconds would stall every test
/// beside it that waits on a timeout (a TMDB deadline, an idle connection); the server keeps its
/// own fits off the pool for the same reason. One serial thread for all callers, so heavy tests
/// also take turns rather than share the cores.
public func offThePool<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(HeavyWorkExecutor.shared, operation: body)
}

final class HeavyWorkExecutor: TaskExecutor {
    static let shared = HeavyWorkExecutor()
    private let queue = DispatchQueue(label: "reclab.tests.heavy-work")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs blocking `work` (waiting for a child process, say) on a thread of its own and awaits
/// it, so that no cooperative-pool thread sleeps in a system call meanwhile.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { done in
        Thread.detachNewThread { done.resume(with: Result { try work() }) }
    }
}
