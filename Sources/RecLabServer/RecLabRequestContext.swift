import Foundation
import Hummingbird
import NIOCore

/// Per-request state of RecLab's router, with JSON coders that write snake_case seed fields
/// and ISO 8601 dates.
public struct RecLabRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Names the request in logs and in the `X-Request-ID` header (set by `ObservabilityMiddleware`).
    public var requestID = ""
    /// The largest body `decodeJSON` reads (set by `BodyLimitMiddleware`).
    public var maxBodyBytes = 1 << 20
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

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// Typed access to query parameters and bodies, answering 400 with a message that says what
/// was wrong.
extension Request {
    /// The JSON body decoded, or a 400 naming the missing or mistyped field (413 past the
    /// context's body limit).
    func decodeJSON<T: Decodable>(_ type: T.Type, context: RecLabRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body is over the limit of \(context.maxBodyBytes) bytes")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The client stopped sending (it left, or a proxy cut it off): its fault, not ours.
            throw APIError(.badRequest, code: "incomplete_body", message: "the request body ended before its Content-Length")
        }
        do {
            return try RecLabRequestContext.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "malformed_body", message: "request body is not valid: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
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
