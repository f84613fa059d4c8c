import Foundation
import Hummingbird
import Logging
import RecLabServing

/// An error answer of the API: an HTTP status and a JSON body `{"error": {"code", "message"}}`
/// whose message says what was wrong.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Headers the answer carries besides the JSON content type, such as `Retry-After`.
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The same answer, telling the client when to try again.
    func retrying(after seconds: Int) -> APIError {
        var error = self
        error.headers[.retryAfter] = String(seconds)
        return error
    }

    public static func badRequest(_ message: String, code: String = "invalid_parameter") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    public static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(.notFound, code: code, message: message)
    }

    /// The JSON body of an error answer.
    struct Body: Codable {
        struct Detail: Codable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(Body(error: .init(code: code, message: message)), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension APIError {
    /// The 503 of a catalogue that cannot answer yet.
    init(_ unavailable: CatalogueUnavailable) {
        switch unavailable {
        case .loading:
            self = APIError(.serviceUnavailable, code: "catalogue_loading", message: "the catalogue is still being loaded; try again shortly")
        case .tmdbUnreachable(let tmdbID, let reason):
            self = APIError(
                .serviceUnavailable, code: "tmdb_unavailable",
                message: "tmdb_id \(tmdbID) is not in the catalogue and TMDB could not be asked (\(reason)); try again later"
            ).retrying(after: 10)
        }
    }
}

/// Turns every error a handler throws into a JSON `APIError` answer, so clients never see
/// Hummingbird's plain-text or empty error bodies; unexpected errors are logged and become a
/// 500 that reveals nothing internal. Work cancelled from outside the request (the server
/// stopping past `SHUTDOWN_TIMEOUT`) is a 503, not the server's failure.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as CatalogueUnavailable {
            throw APIError(error)
        } catch is CancellationError {
            throw APIError(.serviceUnavailable, code: "shutting_down", message: "the server stopped before this request was answered; retry")
                .retrying(after: 1)
        } catch let error as HTTPResponseError {
            let code = error.status == .notFound ? "not_found" : error.status.code == 400 ? "bad_request" : "http_\(error.status.code)"
            let message: String
            if let httpError = error as? HTTPError, let body = httpError.body {
                message = body
            } else if error.status == .notFound {
                message = "no route for \(request.method) \(request.uri.path)"
            } else {
                message = error.status.reasonPhrase
            }
            throw APIError(error.status, code: code, message: message)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal_error", message: "the server failed to answer this request")
        }
    }
}
