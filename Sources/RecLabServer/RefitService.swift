import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Reloads the catalogue and refits the models when asked (`POST /admin/refit`) and every
/// `REFIT_INTERVAL` seconds, so movies imported meanwhile are served and learnt from; a
/// service of the server's group: it ends with the server, never outliving shutdown.
public final class RefitService: Service, Sendable {
    let catalogue: CatalogueHost
    let host: ModelHost
    let interval: Duration?
    let logger: Logger
    private let requests: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let pending = Mutex(false)

    public init(catalogue: CatalogueHost, host: ModelHost, interval: Duration?, logger: Logger) {
        self.catalogue = catalogue
        self.host = host
        self.interval = interval
        self.logger = logger
        (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a refit; false when one is already running or waiting.
    func requestRefit() -> Bool {
        let accepted = pending.withLock { pending in
            defer { pending = true }
            return !pending && !host.isRefitting
        }
        if accepted { continuation.yield() }
        return accepted
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                if let interval {
                    group.addTask {
                        while (try? await Task.sleep(for: interval)) != nil {
                            _ = self.requestRefit()
                        }
                    }
                }
                for await _ in self.requests {
                    await self.refit()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    private func refit() async {
        do {
            let clock = ContinuousClock.now
            try await catalogue.reload()
            try await host.refit()
            logger.info("models refitted", metadata: ["seconds": "\(ContinuousClock.now - clock)"])
        } catch {
            logger.error("refit failed; the previous models keep serving", metadata: ["error": "\(error)"])
        }
        pending.withLock { $0 = false }
    }
}
