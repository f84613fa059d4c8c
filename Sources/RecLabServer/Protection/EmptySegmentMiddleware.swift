import Hummingbird
import RecLabServing

/// 404 for a path with an empty segment (`/users//preferences`): the router skips empty
/// segments, and would read such a path as another route's (the user `preferences`).
struct EmptySegmentMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.contains("//") else {
            throw APIError.notFound("no route for \(request.method) \(request.uri.path): a path segment is empty")
        }
        return try await next(request, context)
    }
}
