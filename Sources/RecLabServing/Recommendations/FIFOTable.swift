/// Values by key within a byte budget, the oldest stored dropped first: the bookkeeping the
/// answer cache and the histories share. Where every entry lives equally long, insertion order
/// is also expiry order, and a FIFO keeps what an LRU would, at none of its bookkeeping per hit.
struct FIFOTable<Value> {
    private struct Entry {
        let value: Value
        let bytes: Int
        let sequence: Int
    }

    private var entries: [String: Entry] = [:]
    /// Keys in the order they were stored; an item whose sequence no longer matches its entry
    /// (replaced or removed since) is skipped.
    private var order: [(key: String, sequence: Int)] = []
    private var head = 0
    private var nextSequence = 0
    private(set) var bytes = 0

    var count: Int { entries.count }

    subscript(key: String) -> Value? { entries[key]?.value }

    /// Stores `value` under `key` (replacing what was there) and drops the oldest entries
    /// until the table fits in `maxBytes`; returns those it dropped.
    @discardableResult
    mutating func store(_ value: Value, for key: String, bytes size: Int, maxBytes: Int) -> [(key: String, value: Value)] {
        var dropped: [(key: String, value: Value)] = []
        if let replaced = remove(key) { dropped.append((key, replaced)) }
        entries[key] = Entry(value: value, bytes: size, sequence: nextSequence)
        order.append((key, nextSequence))
        nextSequence += 1
        bytes += size
        while bytes > maxBytes, head < order.count {
            let (oldest, sequence) = order[head]
            head += 1
            if entries[oldest]?.sequence == sequence, let value = remove(oldest) { dropped.append((oldest, value)) }
        }
        compact()
        return dropped
    }

    @discardableResult
    mutating func remove(_ key: String) -> Value? {
        guard let entry = entries.removeValue(forKey: key) else { return nil }
        bytes -= entry.bytes
        return entry.value
    }

    /// Drops consumed and stale order items once they outnumber the live ones, so the order
    /// stays within a small multiple of the entries however many values were stored or
    /// removed (an order that only ever grew was the soak run's leak).
    private mutating func compact() {
        guard order.count > 2 * entries.count + 1024 else { return }
        order = order[head...].filter { entries[$0.key]?.sequence == $0.sequence }
        head = 0
    }
}
