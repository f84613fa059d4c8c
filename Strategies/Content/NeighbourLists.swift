import LinearAlgebra
import RecLabCore

/// Each movie's most similar movies, best first with ties by smaller movie id, as catalogue
/// positions: computed once at fit time so that answering is a lookup.
struct NeighbourLists: Sendable {
    private let offsets: [Int]
    private let positions: [Int32]
    private let similarities: [Float]

    /// Multiplies a block of rows against every row with sgemm, adds the posting lists' share,
    /// and keeps each row's `count` best similarities that are positive and at least
    /// `threshold`. Only one block of similarities exists at a time, never the n × n matrix.
    init(features: ContentFeatures, catalogue: Catalogue, count: Int, threshold: Float) throws {
        let items = catalogue.items
        let n = items.count
        let columns = features.dense.columns
        // At most 4M similarities (16 MB) per block.
        let rowsPerBlock = max(1, min(n, (1 << 22) / max(1, n)))
        var block = [Float](repeating: 0, count: rowsPerBlock * n)
        // Rounding all n² similarities would add half a second to the fit; only those that may pass need it.
        let roughThreshold = threshold - 1e-6
        var offsets = [0]
        var positions: [Int32] = []
        var similarities: [Float] = []
        positions.reserveCapacity(n * min(count, n))
        similarities.reserveCapacity(n * min(count, n))

        try features.dense.withUnsafeMatrixBuffer { dense in
            try block.withUnsafeMutableBufferPointer { block in
                for start in stride(from: 0, to: n, by: rowsPerBlock) {
                    try Task.checkCancellation()
                    let rows = min(rowsPerBlock, n - start)
                    let blockRows = UnsafeMatrixBuffer(
                        rows: rows, columns: columns,
                        elements: UnsafeBufferPointer(rebasing: dense.elements[(start * columns)..<((start + rows) * columns)]))
                    let products = UnsafeMutableMatrixBuffer(
                        rows: rows, columns: n, elements: UnsafeMutableBufferPointer(rebasing: block[0..<(rows * n)]))
                    gemm(blockRows, dense, transposeB: true, into: products)

                    for local in 0..<rows {
                        let row = start + local
                        let rowSimilarities = UnsafeMutableBufferPointer(rebasing: block[(local * n)..<((local + 1) * n)])
                        features.addSparseProducts(of: row, into: rowSimilarities)
                        var best = TopK(count)
                        for other in 0..<n where other != row && rowSimilarities[other] >= roughThreshold {
                            let similarity = Self.rounded(rowSimilarities[other])
                            if similarity >= threshold, similarity > 0 {
                                best.insert(items[other].id, score: Double(similarity))
                            }
                        }
                        for (id, similarity) in best.sorted() {
                            positions.append(Int32(catalogue.position(of: id)!))
                            similarities.append(Float(similarity))
                        }
                        offsets.append(positions.count)
                    }
                }
            }
        }
        self.offsets = offsets
        self.positions = positions
        self.similarities = similarities
    }

    /// Equal cosines can come out of sgemm and the posting lists a few bits apart (the sums run
    /// in different orders); rounded to six decimals they tie, and the smaller id goes first.
    private static func rounded(_ similarity: Float) -> Float {
        (similarity * 1_000_000).rounded() / 1_000_000
    }

    /// The neighbours of the movie at `position`, best first.
    func neighbours(of position: Int) -> Zip2Sequence<ArraySlice<Int32>, ArraySlice<Float>> {
        let range = offsets[position]..<offsets[position + 1]
        return zip(positions[range], similarities[range])
    }

    func write(to writer: inout ModelWriter) {
        writer.write(array: offsets)
        writer.write(array: positions)
        writer.write(array: similarities)
    }

    /// The lists of a catalogue of `items` movies, every offset and position checked, so a
    /// damaged file cannot send a lookup out of bounds.
    init(from reader: inout ModelReader, items: Int) throws(ModelArchiveError) {
        offsets = try reader.readArray()
        positions = try reader.readArray()
        similarities = try reader.readArray()
        try reader.expectSparse("neighbour lists", offsets: offsets, rows: items, entries: positions.count, indices: positions, below: items)
        try reader.expect(similarities.count == positions.count, "\(positions.count) neighbours, \(similarities.count) similarities")
    }
}
