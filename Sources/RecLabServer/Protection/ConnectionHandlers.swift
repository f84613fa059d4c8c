import HTTPTypes
import NIOCore
import NIOHTTPTypes
import RecLabServing
import Synchronization

/// Connections whose client has closed its side: the answer to a request in work there will
/// never be read, so `RequestLifecycleMiddleware` cancels the work (the server keeps remote
/// half-closure on, so the channel itself stays active until it answers).
final class ClientDepartures: Sendable {
    static let shared = ClientDepartures()
    private let departed = Mutex<Set<ObjectIdentifier>>([])

    func hasLeft(_ channel: any Channel) -> Bool {
        departed.withLock { $0.contains(ObjectIdentifier(channel)) }
    }

    fileprivate func left(_ channel: any Channel) { _ = departed.withLock { $0.insert(ObjectIdentifier(channel)) } }
    fileprivate func closed(_ channel: any Channel) { _ = departed.withLock { $0.remove(ObjectIdentifier(channel)) } }
}

/// Per connection: notes when the client closes its side, in `ClientDepartures`.
final class ClientDepartureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { ClientDepartures.shared.left(context.channel) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ClientDepartures.shared.closed(context.channel)
        context.fireChannelInactive()
    }
}

/// Gives the bare 400 Hummingbird writes for a request that is not HTTP (no body, then the
/// connection closes) a JSON body like every other error answer.
final class MalformedRequestAnswer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let body: ByteBuffer = ByteBuffer(string: #"{"error":{"code":"malformed_request","message":"the request is not valid HTTP/1.1"}}"#)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status == .badRequest,
              head.headerFields[.contentLength] == "0", head.headerFields[.connection] == "close"
        else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.contentLength] = String(Self.body.readableBytes)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(Self.body)), promise: promise)
    }
}
