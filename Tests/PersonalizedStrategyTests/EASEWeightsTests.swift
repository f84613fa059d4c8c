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

    @Test(arguments: [EASEWeights.Form.dense, .woodbury, .pruned, .sparse])
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

    /// With every pair of movies co-rated and every other movie a neighbour, the sparse form's
    /// regressions are EASE^R's columns (B_−j,j = (G_−j,−j + λI)⁻¹·G_−j,j, the Schur complement
    /// of P = (G + λI)⁻¹): the same B, and the same top 10 for a user.
    @Test func theSparseFormIsEASEsBWhenEveryMovieIsANeighbour() throws {
        let (sparse, dense) = randomRatings(users: 120, items: 14, seed: 9)
        let g = gram(dense)
        #expect((0..<14).allSatisfy { i in (0..<14).allSatisfy { g[i, $0] > 0 } }, "every pair co-rated")
        let expected = try definitionWeights(dense, lambda: 20)
        let weights = try EASEWeights(sparse, lambda: 20, form: .sparse, neighbours: 13)
        let scale = expected.values.map(abs).max()!
        for (index, (actual, wanted)) in zip(appliedWeights(weights).values, expected.values).enumerated() {
            expectClose(actual, wanted, tolerance: 1e-4 * scale, "B[\(index / 14), \(index % 14)]")
        }
        let whole = try EASEWeights(sparse, lambda: 20, form: .dense)
        let row: [(item: Int, value: Float)] = [(2, 4), (9, 1)]
        func top(_ scores: [Float]) -> [Int] {
            scores.indices.filter { $0 != 2 && $0 != 9 }.sorted { (scores[$0], $1) > (scores[$1], $0) }.prefix(10).map { $0 }
        }
        #expect(top(weights.scores(for: row)) == top(whole.scores(for: row)))
    }

    /// Where B whole cannot be built within the memory limit (10^5 movies under 16 GiB), the
    /// automatic choice learns B sparse; wherever B fits, it keeps the faster exact forms. A
    /// refusal's advice names a `max_items` at which the refused form fits.
    @Test func theSparseFormIsChosenOnlyWhereBWholeDoesNotFit() {
        let limit = 16 << 30
        #expect(EASEWeights.fittingForm(users: 100_000, items: 100_000, density: 0.05, neighbours: 256, limit: limit) == .sparse)
        #expect(EASEWeights.fittingForm(users: 100_000, items: 100_000, density: 0.05, neighbours: 256, limit: nil) == .pruned)
        #expect(EASEWeights.fittingForm(users: 20_000, items: 20_000, density: 0.05, neighbours: 256, limit: limit) == .pruned)
        #expect(EASEWeights.fittingForm(users: 20_000, items: 20_000, density: 1, neighbours: 256, limit: limit) == .dense)
        #expect(EASEWeights.fittingForm(users: 610, items: 9_724, density: 0.05, neighbours: 256, limit: limit) == .woodbury)
        // Nothing fits: the fastest form is kept, to be refused with its advice.
        #expect(EASEWeights.fittingForm(users: 610, items: 9_724, density: 0.05, neighbours: 256, limit: 1 << 20) == .woodbury)
        for form in [EASEWeights.Form.pruned, .dense, .sparse] {
            let advice = EASEWeights.advice(users: 100_000, items: 100_000, limit: limit, form: form)
            let items = Int(advice.split(separator: " ")[3])!
            #expect(EASEWeights.workingBytes(users: 100_000, items: items, form: form) <= limit, "\(form): \(advice)")
            #expect(EASEWeights.workingBytes(users: 100_000, items: items + 64, form: form) > limit || form == .sparse, "\(form): \(advice)")
        }
    }

    /// The sparse form regresses each movie's column on its `neighbours` most similar movies
    /// (cosine) only: B_Nj = (G_NN + λI)⁻¹·G_Nj, zero elsewhere (a movie never co-rated is
    /// never a neighbour).
    @Test func theSparseFormSolvesEachColumnOnItsMostSimilarMovies() throws {
        let (sparse, dense) = randomRatings(users: 40, items: 30, seed: 3)
        let neighbours = 8
        let g = gram(dense)
        let weights = try EASEWeights(sparse, lambda: 15, form: .sparse, neighbours: neighbours)
        #expect(weights.form == .sparse)
        let b = appliedWeights(weights)
        for j in 0..<30 {
            let others = (0..<30).filter { $0 != j }
            // The most similar by cosine first (G_aj/√G_aa: G_jj is the column's own), equal
            // ones by the smaller movie; a movie never co-rated is not similar at all.
            func similarity(_ a: Int) -> Float { g[a, j] / g[a, a].squareRoot() }
            let chosen = others.filter { g[$0, j] > 0 }.sorted { (similarity($0), $1) > (similarity($1), $0) }.prefix(neighbours).sorted()
            var system = Matrix(rows: neighbours, columns: neighbours)
            for (p, a) in chosen.enumerated() {
                for (q, c) in chosen.enumerated() { system[p, q] = g[a, c] + (p == q ? 15 : 0) }
            }
            let wanted = try solvePositiveDefinite(system, chosen.map { g[$0, j] })
            for i in 0..<30 {
                let expected = chosen.firstIndex(of: i).map { wanted[$0] } ?? 0
                expectClose(b[i, j], expected, tolerance: 1e-4, "B[\(i), \(j)]")
            }
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
    /// history movie's kept weight times its value, and zero where the weight was pruned, with
    /// few keys or many searched in each row.
    @Test func prunedContributionsAreTheKeptWeightsWhicheverSideIsRead() throws {
        let (sparse, _) = randomRatings(users: 40, items: 60, seed: 5)
        let pruned = try EASEWeights(sparse, lambda: 20, form: .pruned, density: 0.1)
        let kept = appliedWeights(pruned)
        let cases: [(row: [(item: Int, value: Float)], targets: [Int])] = [
            ([(9, 0.5), (2, 3)], Array((0..<60).reversed())),
            ((0..<60).filter { $0 % 3 != 0 }.reversed().map { ($0, Float($0 % 5) + 0.5) }, [57, 0, 3]),
            ([(4, 1), (30, 2)], [59, 1, 31, 5]),
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
