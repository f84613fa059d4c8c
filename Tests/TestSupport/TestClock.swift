import Synchronization

/// A clock a test moves on by hand, for code that takes its time as a function: it reads as
/// the continuous clock's now plus what the test has added, so waits of seconds take none.
public final class TestClock: Sendable {
    private let added = Mutex(Duration.zero)

    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now + added.withLock { $0 } }

    /// Moves the clock on by `duration`.
    public func advance(by duration: Duration) {
        added.withLock { $0 += duration }
    }
}
