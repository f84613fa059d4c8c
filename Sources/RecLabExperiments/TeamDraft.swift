import RecLabCore

/// Team-draft interleaving (Radlinski, Kurup and Joachims, CIKM 2008), extended to several
/// rankers as team-draft multileaving (Schuth et al., CIKM 2014): in each round the teams pick
/// in a random order, each taking its highest-ranked item not yet in the list. Every item
/// shown is credited to the team that picked it, so a click is a vote for that ranker, and
/// the random order keeps position bias from favouring either.
public enum TeamDraft {
    /// One position of an interleaved list: the item and the index of the team that picked it.
    public struct Pick<Item: Hashable>: Equatable {
        public let item: Item
        public let team: Int
    }

    /// Up to `limit` items merged from `rankings` (one list per team, best first). A team
    /// whose list is used up stops picking; the others go on.
    public static func interleave<Item: Hashable>(
        _ rankings: [[Item]], limit: Int, using generator: inout some RandomNumberGenerator
    ) -> [Pick<Item>] {
        var picks: [Pick<Item>] = []
        var shown = Set<Item>()
        var next = [Int](repeating: 0, count: rankings.count)
        var order = Array(rankings.indices)
        while picks.count < limit {
            var pickedThisRound = false
            order.shuffle(using: &generator)
            for team in order where picks.count < limit {
                while next[team] < rankings[team].count, shown.contains(rankings[team][next[team]]) { next[team] += 1 }
                guard next[team] < rankings[team].count else { continue }
                let item = rankings[team][next[team]]
                shown.insert(item)
                picks.append(Pick(item: item, team: team))
                pickedThisRound = true
            }
            if !pickedThisRound { break }
        }
        return picks
    }

    /// The coin flips of one user's list: the same user, experiment and history give the same
    /// list (a page reloaded does not reshuffle), and a new preference deals again.
    public static func generator(salt: String, user: String, historySize: Int) -> SeededGenerator {
        // 64-bit FNV-1a over the three parts, with a separator no part can make ambiguous.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(salt)\u{0}\(user)\u{0}\(historySize)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        return SeededGenerator(seed: hash)
    }
}
