/// How many people interacted with each movie and how they rated it, from the training
/// interactions, plus TMDB's votes where TMDB describes the movie: the evidence genre and
/// popularity rankings share.
public struct AudienceStatistics: Sendable {
    /// Interactions per catalogue position.
    public let counts: [Int]
    /// Mean rating (0.5–5) per catalogue position; 0 without interactions.
    public let meanRatings: [Double]
    /// The mean of all interactions' ratings: the prior of Bayesian averages.
    public let globalMeanRating: Double

    public init(_ data: TrainingData) {
        var counts = [Int](repeating: 0, count: data.catalogue.count)
        var sums = [Double](repeating: 0, count: data.catalogue.count)
        var total = 0.0
        for interaction in data.interactions {
            guard let position = data.catalogue.position(of: interaction.movie) else { continue }
            counts[position] += 1
            sums[position] += Double(interaction.rating)
            total += Double(interaction.rating)
        }
        self.counts = counts
        meanRatings = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : 0 }
        globalMeanRating = data.interactions.isEmpty ? 0 : total / Double(data.interactions.count)
    }

    /// The Bayesian (IMDb-style) weighted rating: the mean pulled toward `priorMean` as if
    /// `priorVotes` more people had rated at the prior: v/(v+m)·R + m/(v+m)·C.
    public static func weightedRating(mean: Double, votes: Int, priorMean: Double, priorVotes: Double) -> Double {
        let v = Double(votes)
        guard v + priorVotes > 0 else { return priorMean }
        return (v * mean + priorVotes * priorMean) / (v + priorVotes)
    }
}
