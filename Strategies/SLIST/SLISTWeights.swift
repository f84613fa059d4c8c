import Foundation
import LinearAlgebra
import RecLabCore

/// SLIST's B, dense: row i holds what movie i leads to. Also the movies' rating counts, for
/// answering users the model knows nothing of.
struct SLISTWeights: Sendable {
    /// The model's movies, ids ascending; rows and columns index into it.
    let movies: [MovieID]
    let b: Matrix
    let counts: [Int32]

    /// Fits B on `interactions`. A user's ratings are taken in time order, ratings of one
    /// second by movie id (MovieLens gives them no order of their own). A movie rated twice
    /// counts once in its user's history, with the later rating.
    init(_ interactions: [Interaction], movies: [MovieID], parameters: SLISTStrategy.Parameters) throws {
        let positions = MovieIndex(movies)
        let n = movies.count
        let alpha = Float(parameters.alpha)
        let transitionWeight = 1 - alpha
        let inputWeights = (0..<parameters.window).map { Float(exp2(-Double($0) / parameters.inputHalfLife)) }
        let targetWeights = (0..<parameters.targets).map { Float(pow(parameters.targetDecay, Double($0))) }
        // The left side without the ridge (α XᵀX + (1−α) SᵀS) and the right (α XᵀX + (1−α) SᵀT).
        var left = Matrix(rows: n, columns: n)
        var right = Matrix(rows: n, columns: n)
        var counts = [Int32](repeating: 0, count: n)
        left.withUnsafeMutableMatrixBuffer { left in
            right.withUnsafeMutableMatrixBuffer { right in
                let gram = left.elements
                let target = right.elements
                for (_, history) in Dictionary(grouping: interactions, by: \.user) {
                    let ordered = history.sorted { ($0.timestamp, $0.movie) < ($1.timestamp, $1.movie) }
                    let items = ordered.map { positions[$0.movie]! }
                    let values = ordered.map { parameters.value(of: $0.rating) }
                    // Each movie once, with its latest rating's value, in position order, so
                    // that each row of the sums below is walked left to right: a heavy user's
                    // pairs are millions at a large catalogue's scale.
                    let latest = Dictionary(zip(items, values)) { _, later in later }.sorted { $0.key < $1.key }
                    for (item, _) in latest { counts[item] += 1 }
                    if alpha > 0 {
                        for (i, vi) in latest {
                            for (j, vj) in latest {
                                gram[i * n + j] += alpha * vi * vj
                                target[i * n + j] += alpha * vi * vj
                            }
                        }
                    }
                    guard transitionWeight > 0 else { continue }
                    for step in items.indices.dropFirst() {
                        let inputs = (1...min(parameters.window, step)).map { (items[step - $0], inputWeights[$0 - 1]) }
                        let next = (0..<min(parameters.targets, items.count - step)).map { (items[step + $0], targetWeights[$0] * values[step + $0]) }
                        for (i, weight) in inputs {
                            for (j, other) in inputs { gram[i * n + j] += transitionWeight * weight * other }
                            for (j, other) in next { target[i * n + j] += transitionWeight * weight * other }
                        }
                    }
                }
            }
        }
        left.addToDiagonal(Float(parameters.lambda))
        self.movies = movies
        self.counts = counts
        b = try solvePositiveDefinite(left, right)
    }

    init(from reader: inout ModelReader) throws(ModelArchiveError) {
        movies = try reader.readArray(of: MovieID.self)
        counts = try reader.readArray(of: Int32.self)
        let n = movies.count
        let values = try reader.readArray(of: Float.self)
        try reader.expect(counts.count == n && values.count == n * n, "a B of \(values.count) values and \(counts.count) counts for \(n) movies")
        b = Matrix(rows: n, columns: n, values: values)
    }

    func write(to writer: inout ModelWriter) {
        writer.write(array: movies)
        writer.write(array: counts)
        writer.write(array: b.values)
    }
}
