/// Something that can be ranked against its kind: the order `BestK` keeps.
public protocol Ranked {
    /// Whether `a` ranks above `b`; a strict total order.
    static func ranksAbove(_ a: Self, _ b: Self) -> Bool
}

/// Keeps the `k` best elements offered so far in O(n log k): a heap whose root is the worst
/// kept element, so a newcomer is compared with it alone.
public struct BestK<Element: Ranked> {
    public let k: Int
    @usableFromInline var heap: [Element] = []

    @inlinable
    public init(_ k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(min(self.k, 1024))
    }

    /// The worst kept element, once `k` are kept: what a newcomer must beat.
    @inlinable
    public var worstIfFull: Element? { heap.count == k ? heap.first : nil }

    @inlinable
    public mutating func insert(_ element: Element) {
        guard k > 0 else { return }
        if heap.count < k {
            heap.append(element)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Element.ranksAbove(heap[parent], heap[child]) else { return }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if Element.ranksAbove(element, heap[0]) {
            heap[0] = element
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var worst = parent
                if left < heap.count, Element.ranksAbove(heap[worst], heap[left]) { worst = left }
                if right < heap.count, Element.ranksAbove(heap[worst], heap[right]) { worst = right }
                if worst == parent { return }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
    }

    /// The kept elements, best first.
    @inlinable
    public func sorted() -> [Element] { heap.sorted(by: Element.ranksAbove) }
}

/// Keeps the `k` best-scored movies seen so far: higher score first, equal scores by smaller
/// movie id (the evaluation protocol's tie rule), in O(n log k).
public struct TopK: Sendable {
    /// A movie and its score, ranked by that tie rule.
    @usableFromInline
    struct Entry: Ranked, Sendable {
        @usableFromInline let id: MovieID
        @usableFromInline let score: Double

        @inlinable
        init(id: MovieID, score: Double) {
            self.id = id
            self.score = score
        }

        @inlinable
        static func ranksAbove(_ a: Entry, _ b: Entry) -> Bool {
            a.score > b.score || (a.score == b.score && a.id < b.id)
        }
    }

    @usableFromInline var best: BestK<Entry>

    public var k: Int { best.k }

    public init(_ k: Int) {
        best = BestK(k)
    }

    /// Inlined into the scoring loops: most candidates are turned away by one comparison with
    /// the worst kept, without a call.
    @inlinable
    public mutating func insert(_ id: MovieID, score: Double) {
        guard !score.isNaN else { return }
        let entry = Entry(id: id, score: score)
        if let worst = best.worstIfFull, !Entry.ranksAbove(entry, worst) { return }
        best.insert(entry)
    }

    /// The kept entries, best first.
    public func sorted() -> [(id: MovieID, score: Double)] {
        best.sorted().map { ($0.id, $0.score) }
    }
}

extension BestK: Sendable where Element: Sendable {}

extension Duration {
    /// The duration in seconds, for timings people read.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole nanoseconds, as swift-metrics timers record it.
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
