import LinearAlgebra
import PersonalizedStrategy
import Testing

@Suite struct EASEWeightsTests {
    /// B by Steck's definition: P = (XᵀX + λI)⁻¹, B_ij = −P_ij / P_jj, B_jj = 0.
    func definitionWeights(_ x: Matrix, lambda: Float) throws -> Matrix {
        var gramian = gram(x)
        gramian.addToDiagonal(lambda)
        let p = try invertPositiveDefinite(gramian)
        var b = Matrix(rows: p.rows, columns: p.columns)
        for i in 0..<p.rows {
            for j in 0..<p.columns where i != j { b[i, j] = -p[i, j] / p[j, j] }
        }
        return b
    }

    /// B as the weights apply it: the contribution x_i·B_ij of every item i with x_i = 1.
    func appliedWeights(_ weights: EASEWeights) -> Matrix {
        weights.contributions(of: (0..<weights.items).map { ($0, 1) }, to: Array(0..<weights.items))
    }

    @Test(arguments: [EASEWeights.Form.dense, .woodbury, .pruned])
    func twoItemWeightsMatchTheHandWorkedInverse(form: EASEWeights.Form) throws {
        // X = [[1, 1], [1, 0]], λ = 1: XᵀX + I = [[3, 1], [1, 2]] and P = ⅕·[[2, −1], [−1, 3]],
        // so B_01 = −P_01/P_11 = 1/3 and B_10 = −P_10/P_00 = 1/2.
        let x = InteractionMatrix(rows: 2, columns: 2, entries: [(0, 0, 1), (0, 1, 1), (1, 0, 1)])
        let b = appliedWeights(try EASEWeights(x, lambda: 1, form: form))
        let expected: [Float] = [0, 1.0 / 3, 0.5, 0]
        for (index, expected) in expected.enumerated() {
            expectClose(b.values[index], expected, tolerance: 1e-6, "B[\(index / 2), \(index % 2)]")
        }
    }

    @Test(arguments: [EASEWeights.Form.dense, .woodbury, .pruned])
    func weightsMatchTheDefinitionOnARandom30By50Problem(form: EASEWeights.Form) throws {
        let (sparse, dense) = randomRatings(users: 30, items: 50, seed: 7)
        let expected = try definitionWeights(dense, lambda: 20)
        let weights = try EASEWeights(sparse, lambda: 20, form: form)
        let scale = expected.values.map(abs).max()!
        for (index, (actual, wanted)) in zip(appliedWeights(weights).values, expected.values).enumerated() {
            expectClose(actual, wanted, tolerance: 1e-4 * scale, "B[\(index / 50), \(index % 50)]")
        }
        // A user row's scores are x·B.
        let row: [(item: Int, value: Float)] = [(3, 5), (17, 2), (30, 4), (49, 1)]
        var x = [Float](repeating: 0, count: 50)
        for entry in row { x[entry.item] = entry.value }
        let wanted = gemv(expected, x, transpose: true)
        for (item, (actual, target)) in zip(weights.scores(for: row), wanted).enumerated() {
            expectClose(actual, target, tolerance: 1e-3 * scale, "score of item \(item)")
        }
    }

    /// Woodbury holds B whole in less memory than a pruned B and answers faster, so a density
    /// below 1 prunes only what would otherwise be held dense.
    @Test func woodburyFormIsChosenWithFewerUsersThanItemsAndPruningOnlyInPlaceOfTheDenseForm() throws {
        #expect(try EASEWeights(randomRatings(users: 30, items: 50, seed: 1).sparse, lambda: 10).form == .woodbury)
        #expect(try EASEWeights(randomRatings(users: 30, items: 50, seed: 1).sparse, lambda: 10, density: 0.5).form == .woodbury)
        #expect(try EASEWeights(randomRatings(users: 50, items: 30, seed: 1).sparse, lambda: 10).form == .dense)
        #expect(try EASEWeights(randomRatings(users: 50, items: 30, seed: 1).sparse, lambda: 10, density: 0.5).form == .pruned)
        #expect(try EASEWeights(randomRatings(users: 30, items: 50, seed: 1).sparse, lambda: 10, form: .pruned, density: 0.5).form == .pruned)
    }

    /// Pruning keeps exactly the largest weights, unchanged, and drops the rest: every kept
    /// weight is the whole B's and at least as large as any dropped one, as many are kept as
    /// asked (ties at the cut may add a few), and a user whose movies lost no weight that
    /// reaches the top 10 gets the whole model's top 10.
    @Test(arguments: [(30, 50), (60, 40)])
    func aPrunedModelKeepsTheLargestWeightsOfTheWholeOne(users: Int, items: Int) throws {
        let (sparse, _) = randomRatings(users: users, items: items, seed: 11)
        let whole = appliedWeights(try EASEWeights(sparse, lambda: 20))
        for density in [0.05, 0.2, 0.6] {
            let pruned = appliedWeights(try EASEWeights(sparse, lambda: 20, form: .pruned, density: density))
            let kept = pruned.values.indices.filter { pruned.values[$0] != 0 }
            let dropped = whole.values.indices.filter { pruned.values[$0] == 0 && whole.values[$0] != 0 }
            #expect(kept.count >= Int((density * Double(items * (items - 1))).rounded(.up)), "density \(density)")
            #expect(kept.count <= Int((density * Double(items * (items - 1))).rounded(.up)) + 2, "ties at the cut add at most a few")
            for index in kept { expectClose(pruned.values[index], whole.values[index], tolerance: 1e-6, "kept B[\(index / items), \(index % items)]") }
            let smallestKept = kept.map { abs(whole.values[$0]) }.min() ?? .infinity
            #expect(dropped.allSatisfy { abs(whole.values[$0]) <= smallestKept }, "density \(density): a dropped weight outweighs a kept one")
        }
        let dense = try EASEWeights(sparse, lambda: 20)
        let everyWeight = try EASEWeights(sparse, lambda: 20, form: .pruned)
        let row: [(item: Int, value: Float)] = [(1, 4), (7, 2), (20, 5), (33, 1)]
        func top10(_ scores: [Float]) -> [Int] {
            scores.indices.filter { index in !row.contains { $0.item == index } }.sorted { (scores[$0], $1) > (scores[$1], $0) }.prefix(10).map { $0 }
        }
        #expect(top10(everyWeight.scores(for: row)) == top10(dense.scores(for: row)))
    }

    /// A pruned model explains a pick from its history's rows (short history, many picks) or
    /// from the picks' columns (long history, few picks), whichever is shorter; both give each
    /// history movie's kept weight times its value, and zero where the weight was pruned.
    @Test func prunedContributionsAreTheKeptWeightsWhicheverSideIsRead() throws {
        let (sparse, _) = randomRatings(users: 40, items: 60, seed: 5)
        let pruned = try EASEWeights(sparse, lambda: 20, form: .pruned, density: 0.1)
        let kept = appliedWeights(pruned)
        let cases: [(row: [(item: Int, value: Float)], targets: [Int])] = [
            ([(9, 0.5), (2, 3)], Array((0..<60).reversed())),
            ((0..<60).filter { $0 % 3 != 0 }.reversed().map { ($0, Float($0 % 5) + 0.5) }, [57, 0, 3]),
        ]
        for (row, targets) in cases {
            let contributions = pruned.contributions(of: row, to: targets)
            for (r, entry) in row.enumerated() {
                for (c, target) in targets.enumerated() {
                    let wanted = target == entry.item ? 0 : entry.value * kept[entry.item, target]
                    expectClose(contributions[r, c], wanted, tolerance: 1e-6, "x_\(entry.item)·B[\(entry.item), \(target)]")
                }
            }
        }
    }
}
