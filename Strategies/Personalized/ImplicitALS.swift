import LinearAlgebra
import RecLabCore

/// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky
/// 2008): preference 1 for every interaction, confidence 1 + alpha·value (values below 0 count
/// as 0), every row's least squares solved exactly through LAPACK, as implicit's Cholesky
/// solver does (rows shorter than the factors take an equivalent smaller system).
public struct ImplicitALS: Sendable {
    public let factors: Int
    public let regularization: Float
    public let alpha: Float
    public let userFactors: Matrix
    public let itemFactors: Matrix
    /// YᵀY + λI: the part of every user's normal equations that no interaction changes.
    private let itemSystem: Matrix

    /// Factorises `ratings` (users × items). Each iteration solves the items, then the users,
    /// so the stored user factors are exactly the fold-in of each user against the final item
    /// factors. Users start from small random values drawn from `seed`.
    public init(
        _ ratings: InteractionMatrix, factors: Int, regularization: Float, alpha: Float, iterations: Int, seed: UInt64
    ) throws(LinearAlgebraError) {
        precondition(factors >= 1, "ImplicitALS: factors must be >= 1, got \(factors)")
        precondition(regularization > 0, "ImplicitALS: regularization must be > 0, got \(regularization)")
        precondition(alpha >= 0, "ImplicitALS: alpha must be >= 0, got \(alpha)")
        precondition(iterations >= 1, "ImplicitALS: iterations must be >= 1, got \(iterations)")
        var generator = SeededGenerator(seed: seed)
        var users = Matrix(
            rows: ratings.rows, columns: factors,
            values: (0..<ratings.rows * factors).map { _ in Float.random(in: 0..<0.01, using: &generator) })
        var items = Matrix(rows: ratings.columns, columns: factors)
        let byItem = ratings.transposed()
        // Rows are solved in parallel, each with small BLAS calls: BLAS's own threads would only
        // oversubscribe the cores.
        let blasThreads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(blasThreads) }
        for _ in 0..<iterations {
            try Self.solveRows(byItem, against: users, regularization: regularization, alpha: alpha, into: &items)
            try Self.solveRows(ratings, against: items, regularization: regularization, alpha: alpha, into: &users)
        }
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.userFactors = users
        self.itemFactors = items
        self.itemSystem = Self.sharedSystem(items, regularization: regularization)
    }

    /// FᵀF + λI for fixed factors F: every row's normal equations start from it.
    static func sharedSystem(_ fixed: Matrix, regularization: Float) -> Matrix {
        var system = gram(fixed)
        system.addToDiagonal(regularization)
        return system
    }

    /// A user's factors from their interactions `row` (items by index): the least-squares
    /// problem the fit solves for a user, against the fitted item factors.
    public func userVector(for row: [(item: Int, value: Float)]) throws(LinearAlgebraError) -> [Float] {
        try foldIn(row).vector
    }

    /// The fold-in's solution and its coefficient matrix (needed to explain the scores).
    func foldIn(_ row: [(item: Int, value: Float)]) throws(LinearAlgebraError) -> (vector: [Float], system: Matrix) {
        let columns = row.map { Int32($0.item) }
        let values = row.map(\.value)
        var gathered = [Float](repeating: 0, count: max(1, row.count) * factors)
        var system = Matrix(rows: factors, columns: factors)
        var vector = [Float](repeating: 0, count: factors)
        itemFactors.withUnsafeMatrixBuffer { fixed in
            itemSystem.withUnsafeMatrixBuffer { base in
                columns.withUnsafeBufferPointer { columns in
                    values.withUnsafeBufferPointer { values in
                        gathered.withUnsafeMutableBufferPointer { gathered in
                            system.withUnsafeMutableMatrixBuffer { system in
                                vector.withUnsafeMutableBufferPointer { vector in
                                    Self.accumulate(
                                        columns: columns, values: values, fixed: fixed, base: base, alpha: alpha,
                                        gathered: gathered, system: system, rightHandSide: vector)
                                }
                            }
                        }
                    }
                }
            }
        }
        var factor = system
        try factor.withUnsafeMutableMatrixBuffer { (factor) throws(LinearAlgebraError) in
            try vector.withUnsafeMutableBufferPointer { (vector) throws(LinearAlgebraError) in
                try solvePositiveDefiniteInPlace(factor, vector)
            }
        }
        return (vector, system)
    }

    /// Every item's score for a user vector: Y·x.
    public func scores(for vector: [Float]) -> [Float] {
        gemv(itemFactors, vector)
    }

    /// How much each interaction of `row` adds to each target's score, the decomposition
    /// implicit's `explain` uses: score_j = y_jᵀA⁻¹b = Σ_t c_t·(A⁻¹y_j)ᵀy_t, with A the
    /// fold-in's `system`. Rows follow `row`, columns `targets`.
    func contributions(of row: [(item: Int, value: Float)], to targets: [Int], system: Matrix) throws(LinearAlgebraError) -> Matrix {
        var targetColumns = Matrix(rows: factors, columns: targets.count)
        for (c, target) in targets.enumerated() {
            for d in 0..<factors { targetColumns[d, c] = itemFactors[target, d] }
        }
        let solved = try solvePositiveDefinite(system, targetColumns)
        var history = Matrix(rows: row.count, columns: factors)
        history.withUnsafeMutableMatrixBuffer { history in
            itemFactors.withUnsafeMatrixBuffer { items in
                for (r, entry) in row.enumerated() {
                    let confidence = 1 + alpha * max(0, entry.value)
                    let source = items.elements.baseAddress! + entry.item * factors
                    for d in 0..<factors { history.elements[r * factors + d] = confidence * source[d] }
                }
            }
        }
        return gemm(history, solved)
    }

    /// Hu et al.'s objective: Σ over all user-item pairs of c_ui(p_ui − x_uᵀy_i)², plus
    /// λ(‖X‖² + ‖Y‖²); unobserved pairs have c = 1 and p = 0, so they enter as ⟨XᵀX, YᵀY⟩.
    public func loss(on ratings: InteractionMatrix) -> Double {
        let userGram = gram(userFactors)
        let itemGram = gram(itemFactors)
        var total: Double = 0
        for (u, i) in zip(userGram.values, itemGram.values) { total += Double(u) * Double(i) }
        userFactors.withUnsafeMatrixBuffer { users in
            itemFactors.withUnsafeMatrixBuffer { items in
                for user in 0..<ratings.rows {
                    let x = UnsafeBufferPointer(rebasing: users.elements[user * factors..<(user + 1) * factors])
                    ratings.withRow(user) { columns, values in
                        for t in 0..<columns.count {
                            let item = Int(columns[t])
                            let y = UnsafeBufferPointer(rebasing: items.elements[item * factors..<(item + 1) * factors])
                            let predicted = Double(dot(x, y))
                            let confidence = 1 + Double(alpha * max(0, values[t]))
                            total += confidence * (1 - predicted) * (1 - predicted) - predicted * predicted
                        }
                    }
                }
            }
        }
        var squaredNorms: Double = 0
        for d in 0..<factors { squaredNorms += Double(userGram[d, d]) + Double(itemGram[d, d]) }
        return total + Double(regularization) * squaredNorms
    }
}

extension ImplicitALS {
    func write(to writer: inout ModelWriter) {
        writer.write(factors)
        writer.write(regularization)
        writer.write(alpha)
        writer.write(userFactors)
        writer.write(itemFactors)
    }

    /// The shared system is recomputed from the item factors, as the fit computes it.
    init(from reader: inout ModelReader) throws(ModelArchiveError) {
        factors = try reader.readCount()
        regularization = try reader.read()
        alpha = try reader.read()
        userFactors = try reader.readMatrix()
        itemFactors = try reader.readMatrix()
        try reader.expect(factors >= 1 && userFactors.columns == factors && itemFactors.columns == factors, "factor matrices of another width than \(factors)")
        itemSystem = Self.sharedSystem(itemFactors, regularization: regularization)
    }
}
