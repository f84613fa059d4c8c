import Hummingbird

/// Refuses a request body larger than `MAX_REQUEST_BODY_BYTES` with 413: at once when its
/// `Content-Length` says so, and while it is read when it comes in chunks (the limit travels
/// in the context to `Request.decodeJSON`).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body of \(length) bytes is over the limit of \(maxBytes) bytes")
        }
        var context = context
        context.maxBodyBytes = maxBytes
        return try await next(request, context)
    }
}
