import Synchronization

/// What this process has heard of the store's change announcements and applied of them:
/// whether what it holds in memory, kept current by the change feed, may be trusted.
///
/// A backend that announces commits (PostgreSQL's NOTIFY, SQLite's signal file) reports each
/// one of another process here the moment it arrives, before the follower wakes; the follower
/// marks them applied once it has read the feed past them. Memory is current while
/// announcements reach this process and none heard is unapplied; in between, readers go to the
/// store. This process's own commits are not counted: it drops what they make stale as it
/// writes, and counting them made every write send the answers under way to the store.
public final class ChangeAnnouncements: Sendable {
    private let listening = Atomic(false)
    private let heard = Atomic(0)
    private let applied = Atomic(0)

    public init() {}

    /// True while announcements reach this process and every one heard has been applied.
    public var areApplied: Bool {
        listening.load(ordering: .acquiring) && applied.load(ordering: .acquiring) == heard.load(ordering: .acquiring)
    }

    /// Announcements reach this process from now on. What was committed while none did is
    /// unknown, so it counts as one heard: the follower reads the feed before memory is trusted.
    public func startedListening() {
        heard.add(1, ordering: .releasing)
        listening.store(true, ordering: .releasing)
    }

    /// Announcements stopped reaching this process (a lost connection): memory is not
    /// trusted until they reach it again.
    public func stoppedListening() {
        listening.store(false, ordering: .releasing)
    }

    /// Another process committed a change.
    public func heardOne() {
        heard.add(1, ordering: .releasing)
    }

    /// The announcements heard so far: what a follower about to read the feed will have applied.
    public var heardSoFar: Int { heard.load(ordering: .acquiring) }

    /// The follower has read the feed past every announcement counted in `mark`.
    public func applied(through mark: Int) {
        applied.store(mark, ordering: .releasing)
    }
}
