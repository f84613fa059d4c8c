import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import RecLabCore
import RecLabObservability
import RecLabServing

/// The outermost middleware: names each request (`X-Request-ID`, taken from the client when
/// well-formed), counts and times it by route template (never the raw path), tracks requests
/// in flight, and writes one log line per request.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext
    static let header = HTTPField.Name("X-Request-ID")!
    let inFlight = Meter(label: Metric.httpRequestsInFlight.name)
    /// Keyed by method, route template and status: a bounded set.
    let requests = HandleCache<[String], Counter> { key in
        Counter(label: Metric.httpRequests.name, dimensions: [("method", key[0]), ("route", key[1]), ("status", key[2])])
    }
    let durations = HandleCache<String, Timer> { route in Timer(label: Metric.httpRequestDuration.name, dimensions: [("route", route)]) }
    /// The same timings, by the second, for the console's live figures.
    let activity: RouteActivity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request.headers[Self.header])
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        inFlight.increment()
        defer { inFlight.decrement() }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Rendered here rather than later, so error answers carry the request id too.
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.header] = context.requestID
        let route = context.endpointPath ?? "unmatched"
        let elapsed = ContinuousClock.now - started
        requests([request.method.rawValue, route, String(response.status.code)]).increment()
        durations(route).recordNanoseconds(elapsed.nanoseconds)
        activity.record(route: route, nanoseconds: elapsed.nanoseconds)
        context.logger.log(level: Self.level(of: response.status), "request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code), "duration_ms": .string(String((elapsed.seconds * 1_000_000).rounded() / 1000)),
        ])
        return response
    }

    /// Errors for the server's own failures; a warning for what it refused to protect itself
    /// (503 shed or shutting down, 504 past its deadline).
    static func level(of status: HTTPResponse.Status) -> Logger.Level {
        switch status.code {
        case 503, 504: .warning
        case 500...: .error
        default: .info
        }
    }

    /// The client's id when it is 1–128 ASCII letters, digits and `._:-`; else a new one.
    static func requestID(from given: String?) -> String {
        if let given, (1...128).contains(given.utf8.count), given.utf8.allSatisfy(Self.allowed.contains) {
            return given
        }
        var generator = SystemRandomNumberGenerator()
        return "req_" + (generator.next() as UInt64).zeroPaddedDigits(16, radix: 16)
    }

    private static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-".utf8)
}
