import Hummingbird
import Metrics
import RecLabObservability
import RecLabServing
import Synchronization

/// At most `MAX_CLIENT_REQUESTS` requests of one client (by address, `X-Forwarded-For` from
/// `TRUSTED_PROXIES`) in flight at once, from their headers to their answers, bodies being
/// received included; past it 429 with `Retry-After: 1`. So no one client can hold every
/// slot of `MAX_CONCURRENT_REQUESTS`, nor every body being read. Probes and scrapers
/// (`exempt`) are not counted.
struct ClientLoadMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let limit: Int
    let trustedProxies: Set<String>
    let exempt: Set<String>
    private let inFlight = PerClientCount()
    private let busy = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "client_busy")])

    init(limit: Int, trustedProxies: Set<String>, exempt: Set<String>) {
        self.limit = limit
        self.trustedProxies = trustedProxies
        self.exempt = exempt
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if exempt.contains(request.uri.path) { return try await next(request, context) }
        let client = clientAddress(of: request, context: context, trustedProxies: trustedProxies)
        guard inFlight.enter(client, limit: limit) else {
            busy.increment()
            throw APIError(.tooManyRequests, code: "too_many_requests_in_flight",
                           message: "this client already has \(limit) requests in flight (MAX_CLIENT_REQUESTS); wait for their answers before sending more")
                .retrying(after: 1)
        }
        defer { inFlight.leave(client) }
        return try await next(request, context)
    }
}

/// Something each client holds a bounded number of at once: requests in flight, open
/// connections. A client leaves the table when it holds none, so the table holds no more
/// entries than there are things held.
final class PerClientCount: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts one more for `client`; false, counting nothing, when it holds `limit` already.
    func enter(_ client: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let count = counts[client, default: 0]
            guard count < limit else { return false }
            counts[client] = count + 1
            return true
        }
    }

    func leave(_ client: String) {
        counts.withLock { counts in
            let count = counts[client, default: 1] - 1
            counts[client] = count > 0 ? count : nil
        }
    }
}
