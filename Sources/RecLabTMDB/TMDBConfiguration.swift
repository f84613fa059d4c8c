import Foundation

/// How RecLab reaches TMDB v3: where, with which credential, and how patiently.
public struct TMDBConfiguration: Sendable {
    /// A v3 API key (sent as `api_key`) or a read access token (sent as `Authorization: Bearer`).
    public enum Credential: Sendable, Equatable {
        case apiKey(String)
        case bearer(String)
    }

    public var credential: Credential
    /// `https://api.themoviedb.org/3`; every path is appended to it.
    public var baseURL: String
    /// The most a call may take, its retries and waits included.
    public var timeout: Duration
    /// The client's own pace, under TMDB's limit of about 50 requests a second per address.
    public var requestsPerSecond: Double
    /// Tries per call on a 5xx, a 429 or a network error, the first included.
    public var maxAttempts: Int
    /// The first retry waits up to this (full jitter), each next one up to twice as long.
    public var backoff: Duration
    /// After TMDB refuses the credential (401), calls fail at once for this long rather than
    /// asking again: a bad key is one clear error, not a retry storm.
    public var refusedCredentialPause: Duration
    /// After a call fails for good (TMDB down, slow or overloaded), calls fail at once for this
    /// long, doubling with each further failure up to `maximumCoolDown`; an answer ends it.
    /// A request that would wait on TMDB answers from what RecLab has instead, at once.
    public var coolDown: Duration
    public var maximumCoolDown: Duration

    public init(
        credential: Credential, baseURL: String = "https://api.themoviedb.org/3", timeout: Duration = .seconds(10),
        requestsPerSecond: Double = 40, maxAttempts: Int = 3, backoff: Duration = .milliseconds(200),
        refusedCredentialPause: Duration = .seconds(300), coolDown: Duration = .seconds(1), maximumCoolDown: Duration = .seconds(60)
    ) {
        self.credential = credential
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.requestsPerSecond = requestsPerSecond
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.refusedCredentialPause = refusedCredentialPause
        self.coolDown = coolDown
        self.maximumCoolDown = max(coolDown, maximumCoolDown)
    }
}

/// Why a TMDB call gave no answer.
public enum TMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: TMDB refused the key or token.
    case refusedCredential(TMDBStatus?)
    /// 404: TMDB has no such resource (a movie id it does not know).
    case notFound
    /// 429 past the call's time: TMDB asked to wait this many seconds.
    case rateLimited(retryAfter: Int)
    /// Any other error status, after the retries a 5xx gets.
    case failed(status: Int, TMDBStatus?)
    /// No answer in the call's time.
    case timedOut
    /// No connection, or it broke, after the retries.
    case unreachable(String)
    /// An answer whose body is not the documented shape.
    case malformed(String)
    /// A page outside 1...500, which TMDB refuses.
    case pageOutOfRange(Int)

    public var description: String {
        switch self {
        case .refusedCredential(let status): "TMDB refused the credential (401)\(status.map { ": \($0.statusMessage)" } ?? "")"
        case .notFound: "TMDB has no such resource (404)"
        case .rateLimited(let seconds): "TMDB is rate limiting (429, retry after \(seconds) s)"
        case .failed(let status, let body): "TMDB answered \(status)\(body.map { ": \($0.statusMessage)" } ?? "")"
        case .timedOut: "TMDB did not answer in time"
        case .unreachable(let reason): "TMDB is unreachable: \(reason)"
        case .malformed(let reason): "TMDB's answer is not the documented shape: \(reason)"
        case .pageOutOfRange(let page): "page \(page) is outside TMDB's 1...500"
        }
    }
}
