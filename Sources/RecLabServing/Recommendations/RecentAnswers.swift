import Foundation
import Synchronization

/// The lists lately given to users, newest last, up to `capacity`: which instance put a movie
/// in whose list, for the console's movie page, without a scan of the exposure store.
public final class RecentAnswers: Sendable {
    /// One list given to one user.
    public struct Entry: Sendable, Equatable {
        public let user: String
        public let instance: String
        /// TMDB ids, in the list's order.
        public let movies: [Int]
        public let at: Date
    }

    /// The users an instance lately listed a movie for, newest first.
    public struct Listing: Sendable, Equatable {
        public let instance: String
        public let users: [String]
        /// Lists of this instance that held the movie (a user asking twice counts twice).
        public let lists: Int
    }

    public let capacity: Int
    private let ring: Mutex<(entries: [Entry], next: Int)>

    public init(capacity: Int = 20_000) {
        precondition(capacity > 0, "a ring of recent answers holds at least one")
        self.capacity = capacity
        ring = Mutex(([], 0))
    }

    func record(user: String, instance: String, movies: [Int], at: Date = Date()) {
        guard !movies.isEmpty else { return }
        let entry = Entry(user: user, instance: instance, movies: movies, at: at)
        ring.withLock { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.next] = entry
                ring.next = (ring.next + 1) % capacity
            }
        }
    }

    /// The instances whose recent lists held `tmdbID`, most lists first, with up to
    /// `usersPerInstance` distinct users each.
    public func listings(of tmdbID: Int, usersPerInstance: Int = 12) -> [Listing] {
        let (entries, next) = ring.withLock { ($0.entries, $0.next) }
        var users: [String: [String]] = [:]
        var lists: [String: Int] = [:]
        // Newest first: the slot before `next`, backwards round the ring.
        for offset in 0..<entries.count {
            let entry = entries[(next - 1 - offset + 2 * entries.count) % entries.count]
            guard entry.movies.contains(tmdbID) else { continue }
            lists[entry.instance, default: 0] += 1
            var listed = users[entry.instance] ?? []
            if listed.count < usersPerInstance, !listed.contains(entry.user) {
                listed.append(entry.user)
                users[entry.instance] = listed
            }
        }
        return lists.map { Listing(instance: $0.key, users: users[$0.key] ?? [], lists: $0.value) }
            .sorted { ($0.lists, $1.instance) > ($1.lists, $0.instance) }
    }
}
