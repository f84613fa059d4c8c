import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import RecLabCore
import RecLabObservability
import RecLabServing
import Synchronization

/// Bounds the work requests make: at most `MAX_CONCURRENT_REQUESTS` in work and as many
/// waiting (at most a second) for a turn, beyond which a request is shed with 503 and
/// `Retry-After`; each request gets `REQUEST_TIMEOUT` (504 after it), and its work is cancelled
/// as soon as its client has gone, so abandoned requests stop costing CPU. A request comes
/// here with its body read (`BodyIntakeMiddleware`): a slow sender never holds a slot.
///
/// Probes and scrapes (`exempt`) skip the queue: an overloaded server must still say it lives.
struct RequestLifecycleMiddleware: RouterMiddleware {
    typealias Context = RecLabRequestContext

    let gate: ConcurrencyGate
    let timeout: Duration
    let exempt: Set<String>
    private let inFlight = InFlightRequests()
    // Made up front, so every series is exported (at 0) before anything is shed.
    private let overloaded = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "overloaded")])
    private let timedOut = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "timeout")])
    private let abandoned = Counter(label: Metric.requestsShed.name, dimensions: [("reason", "client_gone")])

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
        let watch = RequestWatch(deadline: .now + timeout, channel: context.channel)
        inFlight.add(watch)
        defer { inFlight.remove(watch) }
        // The work runs in a child task, so that a cut (the deadline, or the client gone) can
        // cancel it; this task waits for whichever comes first, then for the work to end. So
        // `next` does not really escape, and it is called once, from one task.
        let (cut, result) = await withoutActuallyEscaping(next) { next in
            let work = UncheckedSendable(next)
            return await withTaskGroup(of: Result<Response, any Error>.self) { group in
                group.addTask {
                    defer { watch.end(nil) }
                    do { return .success(try await work.value(request, context)) } catch { return .failure(error) }
                }
                let cut = await watch.ended()
                if cut != nil { group.cancelAll() }
                return (cut, await group.next()!)
            }
        }
        switch cut {
        case .deadline?:
            timedOut.increment()
            throw APIError(.gatewayTimeout, code: "request_timeout",
                           message: "the request took longer than REQUEST_TIMEOUT (\(timeout.components.seconds) s)")
        case .clientGone?:
            // Nobody reads this answer; nginx's 499 says so in the log and the request metrics.
            abandoned.increment()
            throw APIError(HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"), code: "client_closed_request",
                           message: "the client closed the connection before the answer")
        case nil:
            return try result.get()
        }
    }
}

/// One request in work and what ended it: its work, or a cut, whichever came first.
final class RequestWatch: Sendable {
    /// Why the work was cut short.
    enum Cut: Sendable { case deadline, clientGone }

    private enum State {
        case running
        case awaited(CheckedContinuation<Cut?, Never>)
        case ended(Cut?)
    }

    let deadline: ContinuousClock.Instant
    let channel: any Channel
    /// Whether the request came over a connection at all: the router run in process (tests)
    /// has a channel that never connects, whose client cannot leave.
    let connected: Bool
    private let state = Mutex(State.running)

    init(deadline: ContinuousClock.Instant, channel: any Channel) {
        self.deadline = deadline
        self.channel = channel
        connected = channel.isActive
    }

    /// Whether the client closed its connection, or its side of it.
    var clientLeft: Bool {
        connected && (!channel.isActive || ClientDepartures.shared.hasLeft(channel))
    }

    /// Ends the watch: nil when the work ended by itself. Only the first call counts.
    func end(_ cut: Cut?) {
        let waiter = state.withLock { state -> CheckedContinuation<Cut?, Never>? in
            switch state {
            case .running:
                state = .ended(cut)
                return nil
            case .awaited(let waiter):
                state = .ended(cut)
                return waiter
            case .ended:
                return nil
            }
        }
        waiter?.resume(returning: cut)
    }

    /// Waits for the end: the cut, or nil when the work ended by itself.
    func ended() async -> Cut? {
        await withCheckedContinuation { waiter in
            let ended = state.withLock { state -> Cut?? in
                if case .ended(let cut) = state { return .some(cut) }
                state = .awaited(waiter)
                return .none
            }
            if case .some(let cut) = ended { waiter.resume(returning: cut) }
        }
    }
}

/// The requests in work, and one clock for all of them: every tick it cuts those past their
/// deadline or whose client has gone. One timer for the server, not one per request, keeps
/// the deadline nearly free for cheap requests; it runs only while requests are in work.
final class InFlightRequests: Sendable {
    private struct State {
        var watches: [ObjectIdentifier: RequestWatch] = [:]
        var ticking = false
    }

    /// How late a cut may come.
    static let tick = Duration.milliseconds(100)
    private let state = Mutex(State())

    func add(_ watch: RequestWatch) {
        let start = state.withLock { state in
            state.watches[ObjectIdentifier(watch)] = watch
            defer { state.ticking = true }
            return !state.ticking
        }
        // Detached: the clock serves every request, and belongs to none.
        if start { Task.detached { await self.tickWhileBusy() } }
    }

    func remove(_ watch: RequestWatch) {
        _ = state.withLock { $0.watches.removeValue(forKey: ObjectIdentifier(watch)) }
    }

    private func tickWhileBusy() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let watches = state.withLock { state -> [RequestWatch] in
                if state.watches.isEmpty { state.ticking = false }
                return Array(state.watches.values)
            }
            if watches.isEmpty { return }
            let now = ContinuousClock.now
            for watch in watches {
                if now >= watch.deadline {
                    watch.end(.deadline)
                } else if watch.clientLeft {
                    watch.end(.clientGone)
                }
            }
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
    /// When a request was last shed, in nanoseconds of `ContinuousClock` since `created`.
    private let lastShed = Atomic<Int64>(.min)
    private let created = ContinuousClock.now
    private let inWork = Meter(label: Metric.requestStages.name, dimensions: [("stage", "in_work")])
    private let waiters = Meter(label: Metric.requestStages.name, dimensions: [("stage", "waiting")])

    init(limit: Int, queueLimit: Int, maxWait: Duration = .seconds(1)) {
        self.limit = limit
        self.queueLimit = queueLimit
        self.maxWait = maxWait
    }

    /// Requests in work and waiting now, for the gauges.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    /// Whether a request was shed within `interval` before now: the server is overloaded.
    func shed(within interval: Duration) -> Bool {
        let last = lastShed.load(ordering: .relaxed)
        return last != .min && (ContinuousClock.now - created).nanoseconds - last <= interval.nanoseconds
    }

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
        switch entry {
        case .admitted:
            inWork.increment()
            return true
        case .shed:
            noteShed()
            return false
        case .queued(let ticket):
            waiters.increment()
            defer { waiters.decrement() }
            // A waiter given its turn takes over the slot of the request that left: in work stays as it is.
            let admitted = await wait(ticket)
            if !admitted { noteShed() }
            return admitted
        }
    }

    private func wait(_ ticket: Int) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            // The wait's end: cancelled as soon as the turn comes.
            group.addTask { [maxWait] in
                guard (try? await Task.sleep(for: maxWait)) != nil else { return }
                self.withdraw(ticket)
            }
            defer { group.cancelAll() }
            return await turn(ticket)
        }
    }

    private func turn(_ ticket: Int) async -> Bool {
        await withTaskCancellationHandler {
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
        if let next { next.resume(returning: true) } else { inWork.decrement() }
    }

    private func noteShed() {
        lastShed.store((ContinuousClock.now - created).nanoseconds, ordering: .relaxed)
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
