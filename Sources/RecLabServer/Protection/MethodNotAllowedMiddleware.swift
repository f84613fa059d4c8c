import HTTPTypes
import Hummingbird
import NIOCore
import RecLabServing

/// Tells a client that used the wrong method on a path the API serves: 405 with `Allow`
/// rather than the router's 404. `Allow` names HEAD wherever GET is, as the router serves it.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route template with the methods it is served with.
    let routes: [(path: RouterPath, methods: Set<HTTPRequest.Method>)]

    init(routes: [Router<Context>.RouteDescription]) {
        var byPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in routes {
            byPath[route.path.description, default: (route.path, [])].methods.insert(route.method)
            if route.method == .get { byPath[route.path.description]?.methods.insert(.head) }
        }
        self.routes = byPath.values.sorted { $0.path.description < $1.path.description }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router's own "no route" (RecLab's 404s are `APIError`s).
            let allowed = methods(servingPath: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            let body = APIError.Body(error: .init(
                code: "method_not_allowed", message: "\(request.method) is not served on \(request.uri.path); use \(allow)"))
            return Response(
                status: .methodNotAllowed,
                headers: [.allow: allow, .contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: try RecLabRequestContext.encoder.encode(body))))
        }
    }

    private func methods(servingPath path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/")
        var methods = Set<HTTPRequest.Method>()
        for route in routes where route.path.components.count == parts.count {
            if zip(route.path.components, parts).allSatisfy({ $0 ~= $1 }) { methods.formUnion(route.methods) }
        }
        return methods
    }
}
