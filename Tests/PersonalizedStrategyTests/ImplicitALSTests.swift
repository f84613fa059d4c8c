import LinearAlgebra
import PersonalizedStrategy
import Testing

@Suite struct ImplicitALSTests {
    @Test func lossNeverIncreasesFromOneIterationToTheNext() throws {
        let ratings = randomRatings(users: 40, items: 60, seed: 3).sparse
        let losses = try (1...8).map { iterations in
            try ImplicitALS(ratings, factors: 8, regularization: 0.5, alpha: 1, iterations: iterations, seed: 42).loss(on: ratings)
        }
        for (before, after) in zip(losses, losses.dropFirst()) {
            #expect(after <= before * (1 + 1e-6), "loss rose from \(before) to \(after)")
        }
        #expect(losses.last! < losses.first!)
    }

    @Test func sameSeedGivesTheSameFactors() throws {
        let ratings = randomRatings(users: 20, items: 30, seed: 4).sparse
        let first = try ImplicitALS(ratings, factors: 6, regularization: 1, alpha: 1, iterations: 3, seed: 9)
        let second = try ImplicitALS(ratings, factors: 6, regularization: 1, alpha: 1, iterations: 3, seed: 9)
        #expect(first.itemFactors == second.itemFactors && first.userFactors == second.userFactors)
    }

    @Test func foldingInATrainingUserReproducesItsFittedFactors() throws {
        // With 8 factors, users of 1, 3 and 5 interactions are solved by the fit's
        // Sherman–Morrison and n × n shortcuts, the rest (~10) directly; a fold-in always
        // solves the direct system, so agreement checks each path against it.
        let random = randomRatings(users: 20, items: 30, seed: 5)
        var entries: [(row: Int, column: Int, value: Float)] = []
        for user in 0..<20 {
            for item in 0..<30 where random.dense[user, item] > 0 { entries.append((user, item, random.dense[user, item])) }
        }
        for (offset, items) in [[4], [1, 9, 22], [0, 5, 11, 17, 28]].enumerated() {
            for item in items { entries.append((20 + offset, item, Float(1 + item % 5))) }
        }
        let ratings = InteractionMatrix(rows: 23, columns: 30, entries: entries)
        let model = try ImplicitALS(ratings, factors: 8, regularization: 0.5, alpha: 2, iterations: 4, seed: 1)
        for user in 0..<23 {
            let row = entries.filter { $0.row == user }.map { (item: $0.column, value: $0.value) }
            let folded = try model.userVector(for: row)
            for d in 0..<8 {
                expectClose(folded[d], model.userFactors[user, d], tolerance: 1e-4, "user \(user) (\(row.count) ratings), factor \(d)")
            }
        }
    }
}
