import Synchronization

/// Recommendation answers served since start, for `/health/detailed`.
public final class ServingStats: Sendable {
    public let answers = Atomic(0)
}
