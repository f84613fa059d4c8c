import HTTPTypes
import Hummingbird

/// With `ENABLE_AUTHENTICATION=true`, lets in only requests that carry a key of
/// `API_KEYS_FILE` (or the admin key) in `API_KEY_HEADER`; the rest get 401. The paths of
/// `AUTH_OPEN_PATHS` (health and metrics by default, for probes and scrapers) stay open.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let header: HTTPField.Name
    /// The SHA-256 of every accepted key.
    let hashes: [String]
    let openPaths: Set<String>

    init(configuration: ServerConfiguration, keys: APIKeyFile) {
        header = HTTPField.Name(configuration.apiKeyHeader)!
        hashes = keys.entries.map(\.hash) + (configuration.adminAPIKey.map { [APIKeyFile.hash($0)] } ?? [])
        openPaths = configuration.authenticationOpenPaths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !openPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let key = request.headers[header], !key.isEmpty else {
            throw APIError(.unauthorized, code: "unauthorized", message: "this API needs a key in the \(header) header")
        }
        let given = APIKeyFile.hash(key)
        // Every stored hash is compared, in constant time, whichever matches.
        var known = false
        for hash in hashes where ConstantTime.equals(given, hash) { known = true }
        guard known else { throw APIError(.unauthorized, code: "unauthorized", message: "the key in the \(header) header is not known") }
        return try await next(request, context)
    }
}
