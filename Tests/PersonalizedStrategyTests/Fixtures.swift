import LinearAlgebra
import PersonalizedStrategy
import RecLabCore
import Testing

let animation = Genre(id: 16, name: "Animation")
let family = Genre(id: 10751, name: "Family")
let horror = Genre(id: 27, name: "Horror")
let drama = Genre(id: 18, name: "Drama")

/// Two audiences that never share a movie: family fans rate movies 1–6 (Animation/Family),
/// horror fans rate movies 11–16 (Horror) the same way. Even family movies are Animation and
/// Family, odd ones Animation only. Movie 7 (Animation, Family) and 17 (Drama) are in the
/// catalogue but nobody has rated them; 16 has no TMDB id.
func twoAudiences() -> TrainingData {
    var items = (1...6).map { id in
        CatalogueItem(id: MovieID(id), tmdbID: 100 + id, title: "Family \(id)", genres: id.isMultiple(of: 2) ? [animation, family] : [animation])
    }
    items.append(CatalogueItem(id: 7, tmdbID: 107, title: "Family 7", genres: [animation, family]))
    items += (11...16).map { id in CatalogueItem(id: MovieID(id), tmdbID: id == 16 ? nil : 100 + id, title: "Horror \(id)", genres: [horror]) }
    items.append(CatalogueItem(id: 17, tmdbID: 117, title: "Drama 17", genres: [drama]))
    let familyRatings: [[(MovieID, Float)]] = [
        [(1, 5), (2, 4), (3, 5), (4, 3)],
        [(1, 4), (2, 5), (3, 4), (5, 4)],
        [(1, 5), (3, 4), (4, 4), (6, 2)],
        [(2, 4), (3, 5), (5, 5), (6, 4)],
        [(1, 3), (2, 5), (4, 5), (5, 3)],
        [(1, 5), (2, 4), (3, 3), (4, 4), (5, 4), (6, 5)],
    ]
    var interactions: [Interaction] = []
    for (user, ratings) in familyRatings.enumerated() {
        for (movie, rating) in ratings {
            interactions.append(Interaction(user: "family\(user)", movie: movie, rating: rating, timestamp: Int64(interactions.count)))
            interactions.append(Interaction(user: "horror\(user)", movie: movie + 10, rating: rating, timestamp: Int64(interactions.count)))
        }
    }
    return TrainingData(catalogue: Catalogue(items), interactions: interactions)
}

func parameters(_ algorithm: PersonalizedStrategy.Algorithm) -> PersonalizedStrategy.Parameters {
    var parameters = PersonalizedStrategy.Parameters()
    parameters.algorithm = algorithm
    parameters.lambda = 1
    parameters.factors = 4
    parameters.regularization = 0.1
    parameters.iterations = 10
    return parameters
}

func fit(_ data: TrainingData, _ parameters: PersonalizedStrategy.Parameters) async throws -> any FittedModel {
    try await PersonalizedStrategy(parameters: parameters).fit(FitContext(data: data))
}

func rating(_ movie: MovieID, _ rating: Float, at time: Int64 = 0) -> Interaction {
    Interaction(user: "me", movie: movie, rating: rating, timestamp: time)
}

/// A users × items matrix in which every user rates a random third of the items (1–5
/// stars), sparse and dense.
func randomRatings(users: Int, items: Int, seed: UInt64) -> (sparse: InteractionMatrix, dense: Matrix) {
    var generator = SeededGenerator(seed: seed)
    var entries: [(row: Int, column: Int, value: Float)] = []
    var dense = Matrix(rows: users, columns: items)
    for user in 0..<users {
        for item in 0..<items where Int.random(in: 0..<3, using: &generator) == 0 {
            let value = Float(Int.random(in: 1...5, using: &generator))
            entries.append((user, item, value))
            dense[user, item] = value
        }
    }
    return (InteractionMatrix(rows: users, columns: items, entries: entries), dense)
}

func expectClose(_ actual: Float, _ expected: Float, tolerance: Float, _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(actual - expected) <= tolerance, "\(what()): got \(actual), expected \(expected)", sourceLocation: sourceLocation)
}

/// Checks that each broken parameter set fails validation naming its field.
func expectValidationNames(_ cases: [(String, (inout PersonalizedStrategy.Parameters) -> Void)], sourceLocation: SourceLocation = #_sourceLocation) {
    for (field, breakIt) in cases {
        var parameters = PersonalizedStrategy.Parameters()
        breakIt(&parameters)
        do {
            try parameters.validate()
            Issue.record("\(field): accepted", sourceLocation: sourceLocation)
        } catch let error as ParameterError {
            #expect(error.field == field, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
