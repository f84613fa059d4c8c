import HTTPTypes
import Metrics
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import RecLabObservability
import RecLabServing

/// What the connections of one server share: how many each client address holds open, and
/// the limits a connection's request bodies must keep to.
final class ConnectionLedger: Sendable {
    let maxPerClient: Int
    let trustedProxies: Set<String>
    /// Bytes a second a body must average once `bodyGracePeriod` is over; 0: no minimum.
    let minBodyRate: Int
    let bodyGracePeriod: Duration
    private let open = PerClientCount()
    /// Request bodies being received now, over every connection.
    let receivingBodies = Meter(label: Metric.requestStages.name, dimensions: [("stage", "receiving_body")])
    private let refused = Counter(label: Metric.connectionsRefused.name, dimensions: [("reason", "client_connections")])

    init(configuration: ServerConfiguration) {
        maxPerClient = configuration.maxClientConnections
        trustedProxies = configuration.trustedProxies
        minBodyRate = configuration.minRequestBodyRate
        bodyGracePeriod = .seconds(configuration.requestBodyGracePeriod)
    }

    /// Counts a new connection from `address`; false (and counted as refused) past the limit.
    fileprivate func open(from address: String) -> Bool {
        let admitted = open.enter(address, limit: maxPerClient)
        if !admitted { refused.increment() }
        return admitted
    }

    fileprivate func close(from address: String) {
        open.leave(address)
    }

    /// The handlers each new connection gets, in pipeline order.
    func handlers() -> [any RemovableChannelHandler] {
        [ConnectionGuard(ledger: self)]
    }
}

/// A request body cut short because it arrived slower than `MIN_REQUEST_BODY_RATE`.
struct RequestBodyTooSlow: Error {
    let received: Int
    let elapsed: Duration
}

/// Per connection, at the transport, where a slow client costs the least to refuse:
/// - closes a connection past its address's `MAX_CLIENT_CONNECTIONS` as soon as it opens
///   (trusted proxies carry many clients and are not counted);
/// - watches each request body: once `REQUEST_BODY_GRACE_PERIOD` is over, a body that has not
///   averaged `MIN_REQUEST_BODY_RATE` bytes a second since its headers is cut, by failing the
///   request's body stream with `RequestBodyTooSlow` (its reader answers 408), as nginx's
///   `client_body_timeout` and Kestrel's `MinRequestBodyDataRate` do;
/// - closes the connection once a response that says `Connection: close` is written: the
///   answers to a body cut short (408, 413, bad framing) leave bytes on the wire that no next
///   request can follow. While the client is still sending that body, the connection lingers
///   (reading and dropping it) for up to `lingering`, as nginx's lingering close does: a close
///   under bytes still arriving makes the kernel reset the connection, which can destroy the
///   answer before the client reads it.
/// It also requires `Host` on HTTP/1.1 requests (RFC 9112 §3.2), from a handler it places
/// before the HTTP types conversion, which forgets the protocol version.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private struct Body {
        let started: NIODeadline
        var received = 0
        var check: Scheduled<Void>?
    }

    private let ledger: ConnectionLedger
    /// The address counted against its limit, once the connection is open.
    private var counted: String?
    private var body: Body?
    private var closeAfterResponse = false
    /// The answer that closes the connection is written; the rest of the body is arriving.
    private var lingeringSince: NIODeadline?
    static let lingering = TimeAmount.seconds(2)

    init(ledger: ConnectionLedger) {
        self.ledger = ledger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let syncPipeline = context.pipeline.syncOperations
        if let codec = try? syncPipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? syncPipeline.addHandler(HostRequirement(), position: .before(codec))
        }
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    private func admit(context: ChannelHandlerContext) {
        guard counted == nil, let address = context.channel.remoteAddress?.ipAddress, !ledger.trustedProxies.contains(address) else { return }
        guard ledger.open(from: address) else {
            context.close(promise: nil)
            return
        }
        counted = address
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let counted { ledger.close(from: counted) }
        counted = nil
        endBody()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endBody()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            endBody()
            if Self.hasBody(head) { startBody(context: context) }
        case .body(let bytes):
            body?.received += bytes.readableBytes
        case .end:
            endBody()
            if lingeringSince != nil { context.close(promise: nil) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterResponse else { return context.write(data, promise: promise) }
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { [self] _ in
                guard body != nil else { return context.close(promise: nil) }
                lingeringSince = .now()
                context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingering) { context.close(promise: nil) }
            }
        }
    }

    /// A body comes when its length is declared and not 0, or it is sent in chunks.
    static func hasBody(_ head: HTTPRequest) -> Bool {
        if let length = head.headerFields[.contentLength] { return length != "0" }
        return head.headerFields[.transferEncoding] != nil
    }

    private func startBody(context: ChannelHandlerContext) {
        ledger.receivingBodies.increment()
        body = Body(started: .now())
        guard ledger.minBodyRate > 0 else { return }
        scheduleCheck(context: context, in: TimeAmount(ledger.bodyGracePeriod))
    }

    private func endBody() {
        guard let body else { return }
        body.check?.cancel()
        self.body = nil
        ledger.receivingBodies.decrement()
    }

    private func scheduleCheck(context: ChannelHandlerContext, in delay: TimeAmount) {
        body?.check = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard let body else { return }
            let elapsed = NIODeadline.now() - body.started
            let due = Int64(ledger.minBodyRate) * elapsed.nanoseconds / 1_000_000_000
            guard body.received < due else {
                // Checked every second: a cut comes at most a second late.
                scheduleCheck(context: context, in: .seconds(1))
                return
            }
            endBody()
            context.fireErrorCaught(RequestBodyTooSlow(received: body.received, elapsed: .nanoseconds(elapsed.nanoseconds)))
            // Whoever reads the body answers 408 and the connection closes after it; if nobody
            // answers, it closes all the same.
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
    }
}

/// Answers an HTTP/1.1 request without exactly one `Host` with a JSON 400 and closes the
/// connection, as RFC 9112 §3.2 requires; HTTP/1.0 requests may leave it out.
final class HostRequirement: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body = ByteBuffer(string: #"{"error":{"code":"missing_host","message":"an HTTP/1.1 request must carry exactly one Host header"}}"#)
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let head) = unwrapInboundIn(data), head.version == .http1_1, head.headers["Host"].count != 1 {
            refused = true
            let headers: HTTPHeaders = [
                "Content-Type": "application/json; charset=utf-8", "Content-Length": String(Self.body.readableBytes), "Connection": "close",
            ]
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(Self.body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }
}
