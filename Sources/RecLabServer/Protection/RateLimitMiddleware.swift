import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import RecLabObservability
import RecLabServing

/// Refuses a client's request with 429 once it has spent its quota: the global policy
/// (`RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW`) for every route, and the search or
/// recommendations policy on top for those routes. Every answer says where the client stands
/// in the IETF `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers),
/// a refusal also in `Retry-After`.
///
/// A client is its API key when authentication has verified it, else its address;
/// `X-Forwarded-For` is believed only from `TRUSTED_PROXIES`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let limits: RateLimits
    var global: RateLimiter? { limits.global }
    var search: RateLimiter? { limits.search }
    var recommendations: RateLimiter? { limits.recommendations }
    let clients: ClientIdentity
    private let refusals = HandleCache<String, Counter> { Counter(label: Metric.rateLimited.name, dimensions: [("policy", $0)]) }

    /// Probes and scrapes, which spend no quota: a load balancer that shares an address with
    /// clients must not see the server down when they spend theirs.
    let exempt: Set<String>

    init(configuration: ServerConfiguration, limits: RateLimits, exempt: Set<String>) {
        self.limits = limits
        self.exempt = exempt
        clients = ClientIdentity(configuration)
        // Each configured policy's refusals start at 0, so dashboards see 0 rather than no data.
        for limiter in limits.all { _ = refusals(limiter.policy.name) }
    }

    var isEnabled: Bool { !limits.all.isEmpty }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if exempt.contains(path) { return try await next(request, context) }
        let group = path == "/movies/search" ? search : Self.isRecommendation(path) ? recommendations : nil
        let limiters = [group, global].compactMap { $0 }
        guard !limiters.isEmpty else { return try await next(request, context) }
        let client = clients.of(request, context: context)
        let now = ContinuousClock.now
        // Spent in order; a refusal gives back what the policies before it took, so a request
        // refused by one policy costs the client nothing under the others.
        var decisions: [RateLimitDecision] = []
        for limiter in limiters {
            let decision = limiter.admit(client, at: now)
            guard decision.allowed else {
                for (spent, earlier) in zip(limiters, decisions) where earlier.allowed { spent.refund(client, at: now) }
                refusals(decision.policy.name).increment()
                let body = APIError.Body(error: .init(
                    code: "rate_limited",
                    message: "too many requests: \(decision.policy.limit) per \(decision.policy.window.components.seconds) s on \(decision.policy.name) routes; retry in \(decision.retryAfterSeconds) s"))
                var headers = Self.headers(decision)
                headers[.retryAfter] = String(decision.retryAfterSeconds)
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(
                    status: .tooManyRequests, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(bytes: try RecLabRequestContext.encoder.encode(body))))
            }
            decisions.append(decision)
        }
        // The policy that binds: the one with the fewest requests left.
        let binding = decisions.min { $0.remaining < $1.remaining }!
        var response = try await next(request, context)
        response.headers.append(contentsOf: Self.headers(binding))
        return response
    }

    static func isRecommendation(_ path: String) -> Bool {
        path.hasPrefix("/recommendations/") || (path.hasPrefix("/users/") && path.hasSuffix("/recommendations/personalized"))
    }

    /// `RateLimit-Policy: "search";q=20;w=60` and `RateLimit: "search";r=19;t=3`.
    static func headers(_ decision: RateLimitDecision) -> HTTPFields {
        var fields = HTTPFields()
        let name = decision.policy.name
        fields[HTTPField.Name("RateLimit-Policy")!] = "\"\(name)\";q=\(decision.policy.limit);w=\(decision.policy.window.components.seconds)"
        fields[HTTPField.Name("RateLimit")!] = "\"\(name)\";r=\(decision.remaining);t=\(decision.resetSeconds)"
        return fields
    }

}

/// The configured rate-limit policies, one limiter each, shared by the middleware and the
/// replica check-in that sets each replica's share.
public final class RateLimits: Sendable {
    let global: RateLimiter?
    let search: RateLimiter?
    let recommendations: RateLimiter?

    init(configuration: ServerConfiguration) {
        let window = Duration.seconds(configuration.rateLimitWindow)
        func limiter(_ name: String, _ limit: Int?) -> RateLimiter? {
            limit.map { RateLimiter(RateLimitPolicy(name: name, limit: $0, window: window), capacity: configuration.maxTrackedClients) }
        }
        global = limiter("default", configuration.rateLimitRequests)
        search = limiter("search", configuration.rateLimitSearch)
        recommendations = limiter("recommendations", configuration.rateLimitRecommendations)
    }

    var all: [RateLimiter] { [global, search, recommendations].compactMap { $0 } }

    /// Each replica's share of every policy, `count` replicas serving.
    func share(among count: Int) {
        for limiter in all { limiter.share(among: count) }
    }
}

/// Who a client is, for quotas: its API key once authentication has verified it, else its
/// address. A key nobody verified names nothing: any client could send a new one with every
/// request and so mint itself a new quota each time.
struct ClientIdentity: Sendable {
    let trustedProxies: Set<String>

    init(_ configuration: ServerConfiguration) {
        trustedProxies = configuration.trustedProxies
    }

    func of(_ request: Request, context: RecLabRequestContext) -> String {
        context.verifiedClient ?? "ip:" + clientAddress(of: request, context: context, trustedProxies: trustedProxies)
    }
}

/// The address a request comes from: the peer's, or with a peer in `trustedProxies` the
/// nearest `X-Forwarded-For` hop those proxies did not add.
func clientAddress(of request: Request, context: RecLabRequestContext, trustedProxies: Set<String>) -> String {
    let address = context.remoteAddress?.ipAddress ?? "unknown"
    guard trustedProxies.contains(address), let forwarded = request.headers[.xForwardedFor] else { return address }
    let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return hops.last { !trustedProxies.contains($0) } ?? hops.first ?? address
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
