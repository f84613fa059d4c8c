/// Keeps the `k` best-scored movies seen so far: higher score first, equal scores by smaller
/// movie id (the evaluation protocol's tie rule), in O(n log k).
public struct TopK: Sendable {
    public let k: Int
    /// A min-heap on (score, -id): its root is the worst of the kept entries.
    private var heap: [(id: MovieID, score: Double)] = []

    public init(_ k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(self.k)
    }

    /// Whether `a` ranks below `b`.
    @inline(__always)
    private static func worse(_ a: (id: MovieID, score: Double), _ b: (id: MovieID, score: Double)) -> Bool {
        a.score < b.score || (a.score == b.score && a.id > b.id)
    }

    public mutating func insert(_ id: MovieID, score: Double) {
        guard k > 0, !score.isNaN else { return }
        let entry = (id: id, score: score)
        if heap.count < k {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if Self.worse(heap[0], entry) {
            heap[0] = entry
            siftDown(0)
        }
    }

    /// The kept entries, best first.
    public func sorted() -> [(id: MovieID, score: Double)] {
        heap.sorted { Self.worse($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.worse(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.worse(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension Duration {
    /// The duration in seconds, for timings people read.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration in whole nanoseconds, as swift-metrics timers record it.
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
