import Foundation
import Hummingbird
import NIOCore
import RecLabCore
import RecLabServing

/// Per-request state of RecLab's router, with JSON coders that write snake_case seed fields
/// and ISO 8601 dates.
public struct RecLabRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Names the request in logs and in the `X-Request-ID` header (set by `ObservabilityMiddleware`).
    public var requestID = ""
    /// The largest body `decodeJSON` reads (set by `BodyIntakeMiddleware`).
    public var maxBodyBytes = 1 << 20
    /// The client as its verified API key names it (`key:NAME`, or `admin`), set by
    /// `AuthenticationMiddleware`; nil when no key was verified. Only a verified key may stand
    /// for a client in its quotas: any other header value is the client's to mint.
    public var verifiedClient: String?
    /// The client's connection: its address, and whether it is still there.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer's address, read only when asked for (rate limits need it, most requests do not).
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    public var responseEncoder: JSONEncoder { Self.encoder }
    public var requestDecoder: JSONDecoder { Self.decoder }

    static var encoder: JSONEncoder { JSONCoding.encoder }
    static var decoder: JSONDecoder { JSONCoding.decoder }
}

/// Typed access to query parameters and bodies, answering 400 with a message that says what
/// was wrong.
extension Request {
    /// The JSON body decoded, or a 400 naming the missing or mistyped field; 415 unless the
    /// body says it is JSON, so that a page on another site cannot post here without a CORS
    /// preflight (a form or `text/plain` post needs none). `BodyIntakeMiddleware` has read
    /// the body already, within its limit.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: RecLabRequestContext) async throws -> T {
        guard let mediaType = headers[.contentType], Self.isJSON(mediaType) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "the body must be JSON, sent with Content-Type: application/json (got \(headers[.contentType].map { "'\($0)'" } ?? "none"))")
        }
        let buffer = try await body.collect(upTo: context.maxBodyBytes)
        do {
            return try RecLabRequestContext.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "malformed_body", message: "request body is not valid: \(Self.describe(error))")
        }
    }

    /// `application/json` or a `+json` type, parameters (`; charset=utf-8`) aside.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field '\(SnakeCaseKeys.snakeCase(key.stringValue))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field '\(context.codingPath.map { SnakeCaseKeys.snakeCase($0.stringValue) }.joined(separator: "."))': \(context.debugDescription)"
        case .dataCorrupted(let context): context.debugDescription
        @unknown default: "\(error)"
        }
    }

    func requiredQuery(_ name: String, maxLength: Int = 200) throws -> String {
        guard let value = uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw APIError.badRequest("query parameter '\(name)' is required", code: "missing_parameter")
        }
        guard value.count <= maxLength else {
            throw APIError.badRequest("query parameter '\(name)' is longer than \(maxLength) characters")
        }
        return value
    }

    func integerQuery(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }
}

extension Parameters {
    /// A positive integer path parameter, or 400 naming it.
    func positiveInteger(_ name: String) throws -> Int {
        let text = get(name) ?? ""
        guard let value = Int(text), value > 0 else {
            throw APIError.badRequest("\(name) must be a positive integer, got '\(text)'")
        }
        return value
    }
}
