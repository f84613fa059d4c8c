/// What this process holds per user, the answers cached for them and their history, dropped
/// together whenever their data changes: by a write here, or one the change feed reports.
public struct UserMemory: Sendable {
    public let answers: RecommendationCache
    public let histories: UserHistories

    /// The user's preferences or data changed.
    public func forget(user: String) {
        histories.invalidate(user: user)
        answers.invalidate(user: user)
    }

    /// Anyone's data may have changed.
    func forgetEveryone() {
        histories.removeAll()
        answers.removeAll()
    }
}
