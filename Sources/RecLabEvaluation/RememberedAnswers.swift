import Foundation
import RecLabCore

/// The answers one fitted model gave during one entry's grid search, kept until the search
/// closes them: a blend's grid asks its components the same questions at every point (only the
/// weights change), so each is answered once.
///
/// Within one search a request is a function of its user and its limit: the ranking task and
/// the entry's controls are fixed, and a blend changes nothing else in what it asks. Closed,
/// it passes every question through, since the model chosen by the search outlives it and is
/// asked with other controls by the entries after it.
final class RememberedAnswers: @unchecked Sendable {  // guarded by `lock`
    private struct Question: Hashable {
        let user: String
        let limit: Int
    }

    private let lock = NSLock()
    private var answers: [Question: DeferredAnswer] = [:]
    private var isOpen = true

    func answer(_ request: RecommendationRequest, by model: any FittedModel) throws -> DeferredAnswer {
        guard let user = request.userID else { return try model.recommendExplainingLater(request) }
        let question = Question(user: user, limit: request.limit)
        let remembered = lock.withLock { isOpen ? answers[question] : nil }
        if let remembered { return remembered }
        let answer = try model.recommendExplainingLater(request)
        lock.withLock { if isOpen { answers[question] = answer } }
        return answer
    }

    /// Forgets every answer and remembers none from now on.
    func close() {
        lock.withLock {
            isOpen = false
            answers = [:]
        }
    }
}

/// A fitted model as a grid search's points see it: its deferred answers remembered.
struct RememberingModel: FittedModel {
    let model: any FittedModel
    let answers = RememberedAnswers()

    init(model: any FittedModel) {
        self.model = model
    }

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        try model.recommend(request)
    }

    func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        try answers.answer(request, by: model)
    }

    var summary: ModelSummary { model.summary }

    func write(to writer: inout ModelWriter) throws {
        try model.write(to: &writer)
    }
}
