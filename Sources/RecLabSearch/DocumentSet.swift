/// A set of documents as a bit per document: intersections, unions and exact counts of
/// thousands of matches cost a few hundred word operations.
struct DocumentSet: Sendable {
    private(set) var words: [UInt64]

    init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    mutating func insert(_ document: UInt32) {
        words[Int(document >> 6)] |= 1 << UInt64(document & 63)
    }

    mutating func remove(_ document: UInt32) {
        words[Int(document >> 6)] &= ~(1 << UInt64(document & 63))
    }

    func contains(_ document: UInt32) -> Bool {
        words[Int(document >> 6)] & (1 << UInt64(document & 63)) != 0
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    mutating func formUnion(_ other: DocumentSet) {
        for index in words.indices { words[index] |= other.words[index] }
    }

    mutating func formIntersection(_ other: DocumentSet) {
        for index in words.indices { words[index] &= other.words[index] }
    }
}
