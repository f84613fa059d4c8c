import HTTPTypes
import Hummingbird
import Metrics
import RecLabObservability
import RecLabServing

/// With `ENABLE_AUTHENTICATION=true`, lets in only requests that carry a key of the
/// `APIKeyRing` (or the admin key) in `API_KEY_HEADER`; the rest get 401 with a
/// `WWW-Authenticate` challenge, and a client that sends `AUTH_FAILURE_LIMIT` wrong keys is
/// locked out (429, the right key included) by the `FailedAttempts` the admin key shares.
/// A verified key names the client for its quotas (`RecLabRequestContext.verifiedClient`).
/// The paths of `AUTH_OPEN_PATHS` (health and metrics by default, for probes and scrapers)
/// stay open.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let header: HTTPField.Name
    let keys: APIKeyRing
    let failures: FailedAttempts
    let trustedProxies: Set<String>
    let openPaths: Set<String>
    private let refused = Counter(label: Metric.authenticationFailures.name, dimensions: [("scope", "api"), ("outcome", "refused")])
    private let lockedOut = Counter(label: Metric.authenticationFailures.name, dimensions: [("scope", "api"), ("outcome", "locked_out")])

    init(configuration: ServerConfiguration, keys: APIKeyRing, failures: FailedAttempts) {
        header = HTTPField.Name(configuration.apiKeyHeader)!
        self.keys = keys
        self.failures = failures
        trustedProxies = configuration.trustedProxies
        openPaths = configuration.authenticationOpenPaths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !openPaths.contains(request.uri.path) else { return try await next(request, context) }
        // A console page asked for without a key comes as a shell with no data, whose script
        // asks the user for their key; its data, live figures included, need the key.
        if request.headers[header] == nil, Self.isConsoleShell(request) { return try await next(request, context) }
        guard let key = request.headers[header], !key.isEmpty else {
            throw APIError.unauthorized("this API needs a key in the \(header) header", header: header.rawName)
        }
        let address = clientAddress(of: request, context: context, trustedProxies: trustedProxies)
        if let seconds = failures.lockout(of: address) {
            lockedOut.increment()
            throw AdminGate.lockedOut(seconds)
        }
        guard let client = keys.client(of: key, logger: context.logger) else {
            refused.increment()
            failures.fail(address)
            throw APIError.unauthorized("the key in the \(header) header is not known", header: header.rawName)
        }
        var context = context
        context.verifiedClient = client
        return try await next(request, context)
    }

    /// A console page or its files, fetched by a browser that cannot send the key header.
    static func isConsoleShell(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let path = request.uri.path
        return path == "/" || path == "/console" || path.hasPrefix("/console/")
    }
}
