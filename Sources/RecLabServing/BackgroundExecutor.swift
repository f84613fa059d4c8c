import Foundation
import LinearAlgebra
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs seconds of number crunching (fitting, offline evaluation) on a thread of its own, so
/// it never holds one of the few threads of Swift's cooperative pool that request handlers need,
/// and, once the server serves, at a lower CPU priority, so it never takes the cores from them.
final class BackgroundExecutor: TaskExecutor, Sendable {
    /// Model fits and catalogue generations.
    static let fitting = BackgroundExecutor(label: "reclab.fit")
    /// The startup evaluation and experiment simulations, apart so a refit never waits behind them.
    static let evaluation = BackgroundExecutor(label: "reclab.evaluate")

    private let jobs = Mutex<[UnownedJob]>([])
    private let waiting = DispatchSemaphore(value: 0)
    /// The nice value all background threads should run at; each applies it to itself
    /// before its next job (Linux sets a thread's own nice with `setpriority(…, 0, …)`).
    private static let nice = Atomic<Int32>(0)

    private init(label: String) {
        let thread = Thread { [self] in
            // Named from inside: Linux names a thread from itself (15 characters at most), and
            // the name shows in `top -H` and /proc/PID/task/*/comm, where an operator looks.
            Thread.current.name = label
            var applied: Int32 = 0
            while true {
                waiting.wait()
                let wanted = Self.nice.load(ordering: .relaxed)
                if wanted != applied {
                    #if os(Linux)
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, wanted)
                    #endif
                    applied = wanted
                }
                let job = jobs.withLock { $0.removeFirst() }
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        waiting.signal()
    }

    /// Lowers every background thread to `nice` (0–19; 0 leaves them as they are; each applies
    /// it before its next job) and keeps BLAS to the calling thread: OpenBLAS's own worker
    /// threads run at normal priority, so a product spread over them would take a core from
    /// requests whatever this thread's nice.
    /// Called once the first models are fitted, when requests start to need the cores.
    static func yieldToRequests(nice: Int) {
        guard nice > 0 else { return }
        BLAS.setThreadCount(1)
        Self.nice.store(Int32(nice), ordering: .relaxed)
    }
}
