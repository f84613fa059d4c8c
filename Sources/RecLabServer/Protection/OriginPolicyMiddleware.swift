import Hummingbird
import RecLabServing

/// Cross-origin access for the browsers of `CORS_ORIGINS` and no one else: an allowed origin
/// gets `Access-Control-Allow-Origin` naming it (never `*`), and its preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered 204 with the methods and headers it may use.
/// Any other origin gets no grant, so its browser keeps the answer from its page.
/// (Hummingbird's `CORSMiddleware` takes a list of origins only as literal arguments, not as
/// configuration read at start.)
struct OriginPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let allowedHeaders: String
    /// The methods the API serves (`MethodTests` holds this to the router's routes).
    static var allowedMethods: String { "GET, HEAD, POST, PUT, DELETE, OPTIONS" }
    /// How long a browser may reuse a preflight answer.
    static var maxAgeSeconds: Int { 600 }

    init(origins: Set<String>, apiKeyHeader: String) {
        allowedOrigins = origins
        allowedHeaders = "Content-Type, \(apiKeyHeader), X-Request-ID"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [.vary: "Origin"]
            if allowed {
                headers[.accessControlAllowOrigin] = origin
                headers[.accessControlAllowMethods] = Self.allowedMethods
                headers[.accessControlAllowHeaders] = allowedHeaders
                headers[.accessControlMaxAge] = String(Self.maxAgeSeconds)
            }
            return Response(status: .noContent, headers: headers)
        }
        // Error answers too: a page must be able to read why it was refused.
        var response = try await Self.answer(request, context: context, next: next)
        response.headers[.vary] = "Origin"
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "X-Request-ID, Retry-After, RateLimit, RateLimit-Policy"
        }
        return response
    }
}
