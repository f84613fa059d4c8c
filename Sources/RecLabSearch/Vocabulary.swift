/// The indexed words, sorted by their UTF-8 bytes so that every word sharing a prefix sits in
/// one contiguous range of term ids, with what typo correction needs.
struct Vocabulary: Sendable {
    /// Each term's UTF-8 bytes, in sorted order; a term's id is its position.
    let terms: [[UInt8]]
    /// How many documents hold each term.
    let documentCounts: [Int]
    /// Every term's Unicode scalars end to end: term t's are `scalarStarts[t]..<scalarStarts[t + 1]`.
    private let scalars: [UInt32]
    private let scalarStarts: [Int]
    /// Typo candidates, the symmetric-delete way (Garbe's SymSpell): the hash of every string
    /// a term becomes with up to one scalar deleted (two, for terms of six or more, which only
    /// words of eight or more reach with their two edits), sorted, beside the term it came
    /// from. A word within k edits of a term shares such a string with it after at most k
    /// deletions on each side, so a typo costs a few dozen binary searches, not a scan of the
    /// vocabulary; the edit distance then checks each candidate.
    private let deletionHashes: [UInt64]
    private let deletionTerms: [Int32]

    init(terms: [[UInt8]], documentCounts: [Int]) {
        self.terms = terms
        self.documentCounts = documentCounts
        var scalars: [UInt32] = []
        var scalarStarts = [0]
        var deletions: [(hash: UInt64, term: Int32)] = []
        for (id, bytes) in terms.enumerated() {
            let word = String(decoding: bytes, as: UTF8.self).unicodeScalars.map(\.value)
            scalars += word
            scalarStarts.append(scalars.count)
            Self.forEachDeletion(of: word, upTo: word.count >= 6 ? 2 : 1) { deletions.append(($0, Int32(id))) }
        }
        deletions.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.term < $1.term }
        self.scalars = scalars
        self.scalarStarts = scalarStarts
        deletionHashes = deletions.map(\.hash)
        deletionTerms = deletions.map(\.term)
    }

    /// The ids of the terms that start with `prefix` (empty when none does).
    func range(withPrefix prefix: [UInt8]) -> Range<Int> {
        let low = partitionPoint { !$0.lexicographicallyPrecedes(prefix) }
        let high = partitionPoint { !($0.lexicographicallyPrecedes(prefix) || $0.starts(with: prefix)) }
        return low..<max(low, high)
    }

    /// The id of exactly this term.
    func id(of term: [UInt8]) -> Int? {
        let low = partitionPoint { !$0.lexicographicallyPrecedes(term) }
        return low < terms.count && terms[low] == term ? low : nil
    }

    /// The first index whose term satisfies `predicate`, which must be false then true along
    /// the sorted terms.
    private func partitionPoint(_ predicate: ([UInt8]) -> Bool) -> Int {
        var low = 0
        var high = terms.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(terms[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The terms closest to `word` by edit distance (one edit for words of up to seven
    /// letters, two beyond, none under three), most frequent first.
    func corrections(for word: String, limit: Int = 3) -> [Int] {
        let target = word.unicodeScalars.map(\.value)
        guard target.count >= 3 else { return [] }
        let allowed = target.count <= 7 ? 1 : 2
        var candidates = Set<Int32>()
        Self.forEachDeletion(of: target, upTo: allowed) { hash in
            var low = 0
            var high = deletionHashes.count
            while low < high {
                let middle = (low + high) / 2
                if deletionHashes[middle] < hash { low = middle + 1 } else { high = middle }
            }
            while low < deletionHashes.count, deletionHashes[low] == hash {
                candidates.insert(deletionTerms[low])
                low += 1
            }
        }
        var found: [(id: Int, distance: Int)] = []
        var distance = BoundedEditDistance(target: target, bound: allowed)
        scalars.withUnsafeBufferPointer { scalars in
            for candidate in candidates {
                let id = Int(candidate)
                let edits = distance.to(UnsafeBufferPointer(rebasing: scalars[scalarStarts[id]..<scalarStarts[id + 1]]))
                if edits <= allowed { found.append((id, edits)) }
            }
        }
        return found.sorted { ($0.distance, -documentCounts[$0.id], $0.id) < ($1.distance, -documentCounts[$1.id], $1.id) }
            .prefix(limit).map(\.id)
    }

    /// Calls `body` with the FNV-1a hash of `word` and of every string it becomes with up to
    /// `deletions` scalars deleted (the same string may come more than once).
    private static func forEachDeletion(of word: [UInt32], upTo deletions: Int, _ body: (UInt64) -> Void) {
        func hash(skipping first: Int, _ second: Int) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for (index, scalar) in word.enumerated() where index != first && index != second {
                hash = (hash ^ UInt64(scalar)) &* 0x100_0000_01b3
            }
            return hash
        }
        body(hash(skipping: -1, -1))
        guard deletions >= 1, word.count > 1 else { return }
        for first in word.indices {
            body(hash(skipping: first, -1))
            guard deletions >= 2, word.count > 2 else { continue }
            for second in (first + 1)..<word.count { body(hash(skipping: first, second)) }
        }
    }
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) from one word
/// to many candidates, up to `bound`: only the diagonal band of width `2 · bound + 1` can stay
/// within the bound (Ukkonen), and a candidate is given up once a whole row exceeds it. The
/// rows are reused across candidates, so scanning thousands allocates nothing.
struct BoundedEditDistance {
    let target: [UInt32]
    let bound: Int
    private var rows: [Int]

    init(target: [UInt32], bound: Int) {
        self.target = target
        self.bound = bound
        rows = []
    }

    /// The distance, or `bound + 1` for anything further.
    mutating func to(_ candidate: UnsafeBufferPointer<UInt32>) -> Int {
        let n = target.count
        let m = candidate.count
        if abs(n - m) > bound { return bound + 1 }
        if n == 0 || m == 0 { return max(n, m) }
        let width = m + 1
        if rows.count < 3 * width { rows = [Int](repeating: 0, count: 3 * width) }
        let far = bound + 1
        return target.withUnsafeBufferPointer { a in
            rows.withUnsafeMutableBufferPointer { rows in
                // Three rows in one buffer: i − 2, i − 1 and i, rotating by offset.
                var older = 0, previous = width, current = 2 * width
                for j in 0...m { rows[previous + j] = j <= bound ? j : far }
                for i in 1...n {
                    let low = max(1, i - bound)
                    let high = min(m, i + bound)
                    rows[current] = i <= bound ? i : far
                    if low > 1 { rows[current + low - 1] = far }
                    var rowMinimum = rows[current]
                    for j in low...high {
                        let cost = a[i - 1] == candidate[j - 1] ? 0 : 1
                        var value = min(rows[previous + j] + 1, rows[current + j - 1] + 1, rows[previous + j - 1] + cost)
                        if i > 1, j > 1, a[i - 1] == candidate[j - 2], a[i - 2] == candidate[j - 1] {
                            value = min(value, rows[older + j - 2] + 1)
                        }
                        rows[current + j] = min(value, far)
                        rowMinimum = min(rowMinimum, value)
                    }
                    if high < m { rows[current + high + 1] = far }
                    if rowMinimum > bound { return far }
                    (older, previous, current) = (previous, current, older)
                }
                return min(rows[previous + m], far)
            }
        }
    }
}
