import Foundation
import Logging
import RecLabStore
import ServiceLifecycle

/// Follows the store's change feed, so that a write through another process sharing the
/// store (a replica) reaches this one: a user's cached answers and held history are dropped,
/// a changed catalogue is read again. Its own writes come back too, harmlessly. It reads the
/// feed every `interval`, and at once when the backend announces a change, marking the
/// announcements applied once it has read past them.
public struct ChangeFollower: Service {
    let feed: any ChangeFeed
    let users: UserMemory
    let announcements: ChangeAnnouncements
    let catalogue: CatalogueHost
    let withheld: WithheldMovies
    /// This process's name in `.models(refittedBy:)` changes: its own announcements are skipped.
    let process: String
    /// Another replica refitted: refit here, or adopt its shared generation.
    let modelsChanged: @Sendable () -> Void
    let interval: Duration
    /// Where the histories are read ahead, once they can be served.
    let work: BackgroundWork
    let logger: Logger

    public func run() async throws {
        // Only what happens from now on: what was held before is dropped.
        var seen = (try? await feed.latestChange()) ?? 0
        users.forgetEveryone()
        var readAhead = false
        for await _ in feed.wakeUps(every: interval, announcements: announcements).cancelOnGracefulShutdown() {
            do {
                // Every announcement heard by now is for a change committed by now: the read
                // below sees it.
                let heard = announcements.heardSoFar
                seen = try await follow(from: seen)
                announcements.applied(through: heard)
                if !readAhead, users.histories.isCurrent {
                    readAhead = true
                    work.submit { [users, logger] in
                        do {
                            try await users.histories.readAhead()
                        } catch where !Task.isCancelled {
                            logger.warning("reading users' histories ahead failed; answers read them as they come", metadata: ["error": "\(error)"])
                        } catch {
                            // Stopped by the shutdown, which is no failure to report.
                        }
                    }
                }
            } catch {
                logger.warning("reading the store's changes failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Applies every change after `position` and returns the last one applied.
    func follow(from position: Int64) async throws -> Int64 {
        var position = position
        while true {
            let changes = try await feed.changes(after: position, limit: 1_000)
            guard let first = changes.first else { return position }
            if first.position > position + 1 {
                // Pruned before this process read them: which users changed is unknown.
                users.forgetEveryone()
                catalogue.reloadSoon()
                try await withheld.reload()
            }
            var reload = false
            var availability = false
            for change in changes {
                switch change.subject {
                case .user(let user): users.forget(user: user)
                case .catalogue:
                    // An import may have brought ratings too: every history may have changed.
                    users.histories.removeAll()
                    reload = true
                case .models(let other) where other != process:
                    logger.info("another replica refitted its models", metadata: ["replica": "\(other)"])
                    modelsChanged()
                case .models: break
                case .availability: availability = true
                }
            }
            if reload { catalogue.reloadSoon() }
            // Read before the position moves on: a failure reads the same changes again.
            if availability { try await withheld.reload() }
            position = changes.last!.position
        }
    }
}
