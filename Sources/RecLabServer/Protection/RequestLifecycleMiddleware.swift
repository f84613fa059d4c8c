import Hummingbird
import Metrics
import NIOCore
import RecLabObservability
import Synchronization

/// Bounds the work requests make: at most `MAX_CONCURRENT_REQUESTS` in work and as many
/// waiting (at most a second) for a turn, beyond which a request is shed with 503 and
/// `Retry-After`; each request gets `REQUEST_TIMEOUT` (504 after it), and its work is cancelled
/// as soon as its client has gone, so abandoned requests stop costing CPU.
///
/// Probes and scrapes (`exempt`) skip the queue: an overloaded server must still say it lives.
struct RequestLifecycleMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let gate: ConcurrencyGate
    let timeout: Duration
    let exempt: Set<String>
    // Made up front, so both series are exported (at 0) before anything is shed.
    private let overloaded = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "overloaded")])
    private let timedOut = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "timeout")])

    init(gate: ConcurrencyGate, timeout: Duration, exempt: Set<String>) {
        self.gate = gate
        self.timeout = timeout
        self.exempt = exempt
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if exempt.contains(request.uri.path) { return try await next(request, context) }
        guard await gate.enter() else {
            overloaded.increment()
            throw APIError(.serviceUnavailable, code: "overloaded",
                           message: "the server is at its limit of \(gate.limit) requests in work; retry shortly")
                .retrying(after: 1)
        }
        defer { gate.leave() }
        let timeout = self.timeout
        let channel = context.channel
        // The work races its deadline and its client; whichever ends first ends the others.
        // The child task runs `next` while this one waits for the group, so `next` does not
        // really escape, and it is called once, from one task at a time.
        return try await withoutActuallyEscaping(next) { next in
            let work = UncheckedSendable(next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await work.value(request, context) }
                group.addTask {
                    try await Self.watch(channel, until: .now + timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let response = try await group.next()! else {
                    timedOut.increment()
                    throw APIError(.gatewayTimeout, code: "request_timeout",
                                   message: "the request took longer than REQUEST_TIMEOUT (\(timeout.components.seconds) s)")
                }
                return response
            }
        }
    }

    /// Returns at the deadline or once the client has gone; throws when cancelled (the work ended).
    private static func watch(_ channel: any Channel, until deadline: ContinuousClock.Instant) async throws {
        while ContinuousClock.now < deadline {
            try await Task.sleep(until: min(deadline, .now + .milliseconds(200)))
            if !channel.isActive || ClientDepartures.shared.hasLeft(channel) { return }
        }
    }
}

/// A value handed to a child task that the compiler cannot prove safe to share; see its use.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A counting semaphore with a short, bounded queue: `limit` holders at once, at most
/// `queueLimit` waiting, none waiting longer than `maxWait`.
final class ConcurrencyGate: Sendable {
    let limit: Int
    let queueLimit: Int
    let maxWait: Duration

    private struct State {
        var running = 0
        var nextTicket = 0
        var waiting: [(ticket: Int, turn: CheckedContinuation<Bool, Never>)] = []
        /// Tickets issued that have not joined the queue yet, and those of them withdrawn already.
        var joining: Set<Int> = []
        var withdrawn: Set<Int> = []
    }

    private let state = Mutex(State())

    init(limit: Int, queueLimit: Int, maxWait: Duration = .seconds(1)) {
        self.limit = limit
        self.queueLimit = queueLimit
        self.maxWait = maxWait
    }

    /// Requests in work and waiting now, for the gauges.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Waits for a turn: true once the caller holds one (it must `leave()`), false when shed.
    func enter() async -> Bool {
        enum Entry { case admitted, shed, queued(Int) }
        let entry: Entry = state.withLock { state in
            if state.running < limit {
                state.running += 1
                return .admitted
            }
            guard state.waiting.count + state.joining.count < queueLimit else { return .shed }
            defer { state.nextTicket += 1 }
            state.joining.insert(state.nextTicket)
            return .queued(state.nextTicket)
        }
        guard case .queued(let ticket) = entry else { if case .admitted = entry { return true } else { return false } }
        let giveUp = Task { [maxWait] in
            try await Task.sleep(for: maxWait)
            self.withdraw(ticket)
        }
        defer { giveUp.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { turn in
                let withdrawn = state.withLock { state in
                    state.joining.remove(ticket)
                    if state.withdrawn.remove(ticket) != nil { return true }
                    state.waiting.append((ticket, turn))
                    return false
                }
                if withdrawn { turn.resume(returning: false) }
            }
        } onCancel: {
            self.withdraw(ticket)
        }
    }

    /// Hands the turn to the longest waiter, or frees it.
    func leave() {
        let next = state.withLock { state in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil as CheckedContinuation<Bool, Never>?
            }
            return state.waiting.removeFirst().turn
        }
        next?.resume(returning: true)
    }

    /// A waiter that gave up (its wait ran out or its request was cancelled) leaves the queue.
    private func withdraw(_ ticket: Int) {
        let turn = state.withLock { state in
            guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else {
                // Not queued yet: it leaves as it joins. Already admitted: nothing to do.
                if state.joining.contains(ticket) { state.withdrawn.insert(ticket) }
                return nil as CheckedContinuation<Bool, Never>?
            }
            return state.waiting.remove(at: index).turn
        }
        turn?.resume(returning: false)
    }
}
