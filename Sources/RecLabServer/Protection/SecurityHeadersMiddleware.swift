import HTTPTypes
import Hummingbird
import RecLabServing

/// The standard hardening headers on every answer, error answers included: no MIME sniffing
/// (a JSON answer is never run as a script), no framing (no clickjacking of the report
/// pages), no referrer leaked to links followed from them.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: HTTPFields {
        [
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await Self.answer(request, context: context, next: next)
        response.headers.append(contentsOf: Self.headers)
        return response
    }
}

extension RouterMiddleware where Context: RequestContext {
    /// The answer of the rest of the chain, an error answer included, so a middleware can add
    /// headers to every answer (errors are otherwise turned into answers outside it).
    static func answer(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
