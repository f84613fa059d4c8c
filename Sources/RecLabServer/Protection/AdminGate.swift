import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import RecLabObservability
import RecLabServing

/// Checks the admin key (`ADMIN_API_KEY` in `X-API-Key`) in constant time, comparing SHA-256
/// digests with swift-crypto's constant-time equality (which also hides the key's length). Wrong keys count
/// against the client's `FailedAttempts`, which API keys share: past `AUTH_FAILURE_LIMIT` the
/// client gets 429 until its lock-out ends, so the key cannot be guessed at request speed.
struct AdminGate: Sendable {
    /// The admin key's digest; nil while admin calls are disabled.
    private let adminDigest: SHA256Digest?
    let trustedProxies: Set<String>
    let failures: FailedAttempts
    private let refused = Counter(label: Metric.authenticationFailures.name, dimensions: [("scope", "admin"), ("outcome", "refused")])
    private let lockedOut = Counter(label: Metric.authenticationFailures.name, dimensions: [("scope", "admin"), ("outcome", "locked_out")])

    init(adminKey: String?, trustedProxies: Set<String>, failures: FailedAttempts) {
        adminDigest = adminKey.map { SHA256.hash(data: Data($0.utf8)) }
        self.trustedProxies = trustedProxies
        self.failures = failures
    }

    /// Whether the request carries the admin key; throws 429 for a client locked out.
    /// A request without the header is not an attempt and costs nothing.
    func admits(_ request: Request, context: RecLabRequestContext) throws -> Bool {
        guard let adminDigest, let given = request.headers[.apiKey] else { return false }
        let client = clientAddress(of: request, context: context, trustedProxies: trustedProxies)
        if let seconds = failures.lockout(of: client) {
            lockedOut.increment()
            throw Self.lockedOut(seconds)
        }
        if SHA256.hash(data: Data(given.utf8)) == adminDigest { return true }
        refused.increment()
        failures.fail(client)
        return false
    }

    /// `/admin` routes: 403 while admin is disabled, 401 without the right key.
    func authorise(_ request: Request, context: RecLabRequestContext) throws {
        guard adminDigest != nil else {
            throw APIError(.forbidden, code: "admin_disabled", message: "admin endpoints are disabled; set ADMIN_API_KEY to enable them")
        }
        guard try admits(request, context: context) else {
            throw APIError.unauthorized("missing or wrong X-API-Key header: admin calls need ADMIN_API_KEY", header: "X-API-Key")
        }
    }

    /// The 429 of a client locked out, as authentication sends it too.
    static func lockedOut(_ seconds: Int) -> APIError {
        APIError(.tooManyRequests, code: "too_many_failed_attempts",
                 message: "too many wrong keys from this client; every key it sends is refused for \(seconds) s more")
            .retrying(after: seconds)
    }
}

extension APIError {
    /// A 401 with the challenge RFC 9110 requires: which header the key goes in.
    static func unauthorized(_ message: String, header: String) -> APIError {
        var error = APIError(.unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = #"APIKey realm="RecLab", header="\#(header)""#
        return error
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-API-Key")!
}
