import RecLabCore

/// The interactions as a users × movies matrix, users and movies numbered in sorted order so
/// the fit does not depend on the order of the interactions; of a movie a user interacted
/// with twice, the latest interaction counts.
struct IndexedInteractions {
    /// The movies by column, ids ascending, and each movie's column.
    let movies: [MovieID]
    let positions: MovieIndex
    let matrix: InteractionMatrix

    /// The matrix holds `input`'s value of every interaction (by default its rating).
    init(_ interactions: [Interaction], input: EASEInput = .plain(binary: false)) {
        // Each interaction is hashed once, into first-appearance numbers renumbered afterwards.
        var userSlots: [String: Int] = [:]
        var movieSlots: [MovieID: Int] = [:]
        var users: [String] = []
        var movieIDs: [MovieID] = []
        var userOfInteraction: [Int] = []
        var movieOfInteraction: [Int] = []
        var values: [Float] = []
        var timestamps: [Int64] = []
        userOfInteraction.reserveCapacity(interactions.count)
        movieOfInteraction.reserveCapacity(interactions.count)
        values.reserveCapacity(interactions.count)
        timestamps.reserveCapacity(interactions.count)
        for interaction in interactions {
            userOfInteraction.append(userSlots[interaction.user] ?? {
                users.append(interaction.user)
                userSlots[interaction.user] = users.count - 1
                return users.count - 1
            }())
            movieOfInteraction.append(movieSlots[interaction.movie] ?? {
                movieIDs.append(interaction.movie)
                movieSlots[interaction.movie] = movieIDs.count - 1
                return movieIDs.count - 1
            }())
            values.append(interaction.rating)
            timestamps.append(interaction.timestamp)
        }
        // Each user's latest interaction, which recency weighting measures ages from.
        var latest = [Int64](repeating: .min, count: input.needsLatest ? users.count : 0)
        if input.needsLatest {
            for (user, timestamp) in zip(userOfInteraction, timestamps) where timestamp > latest[user] { latest[user] = timestamp }
        }
        if input != .plain(binary: false) {
            for index in values.indices {
                values[index] = input.value(
                    rating: values[index], timestamp: timestamps[index],
                    latest: input.needsLatest ? latest[userOfInteraction[index]] : 0)
            }
        }
        let userRank = Self.rankOfSorted(users)
        let movieRank = Self.rankOfSorted(movieIDs)
        movies = movieIDs.sorted()
        positions = MovieIndex(movies)
        matrix = InteractionMatrix(
            rows: users.count, columns: movies.count, rowIndices: userOfInteraction.map { userRank[$0] },
            columnIndices: movieOfInteraction.map { movieRank[$0] }, values: values, precedence: timestamps)
    }

    /// For each element, its index in the sorted array.
    private static func rankOfSorted<Element: Comparable>(_ elements: [Element]) -> [Int] {
        var rank = [Int](repeating: 0, count: elements.count)
        for (sortedIndex, original) in elements.indices.sorted(by: { elements[$0] < elements[$1] }).enumerated() {
            rank[original] = sortedIndex
        }
        return rank
    }
}
