import HTTPTypes
import Hummingbird

/// Checks the admin key (`ADMIN_API_KEY` in `X-API-Key`) in constant time, and refuses a
/// client after `failureLimit` wrong keys in a minute with 429 until its quota refills, so the
/// key cannot be guessed at request speed.
struct AdminGate: Sendable {
    let adminKey: String?
    let trustedProxies: Set<String>
    let failures: RateLimiter

    init(adminKey: String?, trustedProxies: Set<String>, maxClients: Int, failureLimit: Int = 10) {
        self.adminKey = adminKey
        self.trustedProxies = trustedProxies
        failures = RateLimiter(RateLimitPolicy(name: "admin-failures", limit: failureLimit, window: .seconds(60)), capacity: maxClients)
    }

    /// Whether the request carries the admin key; throws 429 for a client that failed too often.
    /// A request without the header is not an attempt and costs nothing.
    func admits(_ request: Request, context: RecLabRequestContext) throws -> Bool {
        guard let adminKey, let given = request.headers[.apiKey] else { return false }
        let client = clientAddress(of: request, context: context, trustedProxies: trustedProxies)
        let standing = failures.standing(of: client)
        guard standing.allowed else { throw Self.tooManyFailures(standing) }
        if ConstantTime.equals(given, adminKey) { return true }
        let failure = failures.admit(client)
        guard failure.allowed else { throw Self.tooManyFailures(failure) }
        return false
    }

    /// `/admin` routes: 403 while admin is disabled, 401 without the right key.
    func authorise(_ request: Request, context: RecLabRequestContext) throws {
        guard adminKey != nil else {
            throw APIError(.forbidden, code: "admin_disabled", message: "admin endpoints are disabled; set ADMIN_API_KEY to enable them")
        }
        guard try admits(request, context: context) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "missing or wrong X-API-Key header")
        }
    }

    private static func tooManyFailures(_ decision: RateLimitDecision) -> APIError {
        APIError(.tooManyRequests, code: "too_many_failed_attempts",
                 message: "too many wrong admin keys from this client; retry in \(decision.retryAfterSeconds) s")
            .retrying(after: decision.retryAfterSeconds)
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-API-Key")!
}
