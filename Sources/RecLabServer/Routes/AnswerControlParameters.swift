import Hummingbird
import RecLabCore

extension Request {
    /// The list controls the query names (`ListControls`), or a 400 naming the parameter.
    /// `user`: whether the route answers a user, whose showings `unseen_for` reads.
    func answerControls(user: Bool = false) throws -> ListControls {
        // Hummingbird parses the query at each `uri.queryParameters`: once here.
        let query = uri.queryParameters
        // Most answers name no control: no parsing for them.
        guard query.contains(where: { ListControls.names.contains(String($0.key)) }) else { return ListControls() }
        do {
            return try ListControls(parameters: query.map { (String($0.key), String($0.value)) }, user: user)
        } catch {
            throw APIError.badRequest(error.description)
        }
    }
}
