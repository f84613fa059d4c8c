import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import NIOHTTP1
import RecLabObservability
import RecLabServing

/// Reads a request's whole body before the request asks for a slot in work, so a client that
/// sends its body slowly holds a connection, never a slot (`ConnectionGuard` cuts it once it
/// is slower than `MIN_REQUEST_BODY_RATE`). A body over `MAX_REQUEST_BODY_BYTES` gets 413,
/// at once when its `Content-Length` says so (the declared rest is read and dropped, so the
/// connection can carry the next request) and as soon as it passes the limit when it comes in
/// chunks (the connection then closes: such a body may never end); a body cut for slowness
/// 408; bad framing (a chunk size that is not one, a transfer coding other than chunked) 400
/// saying so. Those last three close the connection.
struct BodyIntakeMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext
    let maxBytes: Int
    private let slow = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "slow_body")])

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxBodyBytes = maxBytes
        guard ConnectionGuard.hasBody(request.head) else { return try await next(request, context) }
        // RFC 9112 §6.1: a request's only framing coding is chunked, last; no parser can tell
        // where any other coding's body ends.
        if let codings = request.headers[.transferEncoding], codings.lowercased() != "chunked" {
            throw Self.refusal(.badRequest, "unsupported_transfer_encoding", "Transfer-Encoding '\(codings)' is not accepted: a request body is sent with Content-Length, or chunked")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body of \(length) bytes is over the limit of \(maxBytes) bytes")
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw Self.refusal(.contentTooLarge, "body_too_large", "request body is over the limit of \(maxBytes) bytes")
        } catch let error as RequestBodyTooSlow {
            slow.increment()
            throw Self.refusal(.requestTimeout, "body_too_slow", "the request body came too slowly: \(error.received) bytes in \(error.elapsed.components.seconds) s, below MIN_REQUEST_BODY_RATE")
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            throw Self.refusal(.badRequest, "malformed_body", "the request body is not framed as HTTP/1.1 requires: \(error)")
        } catch {
            // The client stopped sending (it left, or a proxy cut it off): its fault, not ours.
            throw Self.refusal(.badRequest, "incomplete_body", "the connection ended before the request body was complete")
        }
        return try await next(request, context)
    }

    /// An answer after which the connection closes: the unread rest of the body cannot be
    /// told from a next request (`ConnectionGuard` closes it once the answer is written).
    private static func refusal(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> APIError {
        var error = APIError(status, code: code, message: message)
        error.headers[.connection] = "close"
        return error
    }
}
