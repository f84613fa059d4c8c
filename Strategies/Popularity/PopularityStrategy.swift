import Foundation
import RecLabCore

/// Non-personal rankings from the training interactions: the most interacted-with movies
/// (`popular`, the evaluation's MostPopular baseline), the best rated with enough ratings
/// (`top-rated`), and time-decayed recent interest (`trending`).
public struct PopularityStrategy: RecommendationStrategy {
    public static let id = "popularity"

    /// Which ranking an instance serves.
    public enum Ranking: String, Codable, Sendable {
        case popular
        case topRated = "top-rated"
        case trending
    }

    public struct Parameters: StrategyParameters {
        public var ranking: Ranking = .popular
        /// top-rated: movies with fewer ratings are left out, and the Bayesian average pulls
        /// every mean toward the global mean with this many votes.
        public var minimumVotes: Int = 20
        /// trending: the window used when a request names none.
        public var defaultWindow: TimeWindow = .week

        public init() {}

        enum CodingKeys: String, CodingKey {
            case ranking
            case minimumVotes = "minimum_votes"
            case defaultWindow = "default_window"
        }

        public func validate() throws {
            guard minimumVotes >= 1 else { throw ParameterError(field: "minimum_votes", problem: "must be >= 1, got \(minimumVotes)") }
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        let data = context.data
        let audience = AudienceStatistics(data)
        var lists: [TimeWindow?: [PopularityModel.Entry]] = [:]
        switch parameters.ranking {
        case .popular:
            lists[nil] = data.catalogue.items.indices.filter { audience.counts[$0] > 0 }.map { position in
                let count = audience.counts[position]
                return .init(movie: data.catalogue.items[position].id, score: Double(count), reason: "Popular: \(count) \(count == 1 ? "rating" : "ratings")")
            }
        case .topRated:
            lists[nil] = data.catalogue.items.indices.filter { audience.counts[$0] >= parameters.minimumVotes }.map { position in
                let mean = audience.meanRatings[position]
                let score = AudienceStatistics.weightedRating(
                    mean: mean, votes: audience.counts[position], priorMean: audience.globalMeanRating,
                    priorVotes: Double(parameters.minimumVotes))
                return .init(movie: data.catalogue.items[position].id, score: score,
                             reason: String(format: "Top rated: %.1f/5 from %d ratings", mean, audience.counts[position]))
            }
        case .trending:
            for window in TimeWindow.allCases { lists[window] = Self.trending(data, window: window) }
        }
        for key in lists.keys {
            lists[key]!.sort { ($0.score, -$0.movie) > ($1.score, -$1.movie) }
        }
        return PopularityModel(ranking: parameters.ranking, defaultWindow: parameters.defaultWindow, lists: lists, catalogue: data.catalogue)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        var lists: [TimeWindow?: [PopularityModel.Entry]] = [:]
        for _ in 0..<(try reader.readCount()) {
            let window = try reader.readOptionalString().map { name in
                guard let window = TimeWindow(rawValue: name) else { throw ModelArchiveError("unknown time window '\(name)'") }
                return window
            }
            let movies = try reader.readArray(of: MovieID.self)
            let scores = try reader.readArray(of: Double.self)
            let reasons = try reader.readStrings()
            try reader.expect(movies.count == scores.count && movies.count == reasons.count, "a ranking's columns differ in length")
            lists[window] = zip(zip(movies, scores), reasons).map { .init(movie: $0.0, score: $0.1, reason: $1) }
        }
        return PopularityModel(ranking: parameters.ranking, defaultWindow: parameters.defaultWindow, lists: lists, catalogue: context.catalogue)
    }

    /// How many movies a window must have seen interest in before it is left as it is: a
    /// page or two of answers, each earned.
    static let enoughMovies = 100

    /// Interest decayed exponentially with age, the newest interaction in the data being
    /// "now" (so a historical data set still has a trend), with the window as half-life.
    ///
    /// A window that saw too few movies (a quiet day: five ratings today, the rest years old)
    /// is widened smoothly: half-lives four times longer each are added until one has seen
    /// `enoughMovies`, or spans the whole data. A movie's score blends its share of each
    /// half-life's strongest interest, each longer one weighing half the one before, so the
    /// window's own interest leads and the longer trends order the rest: never the id, and
    /// a movie no trend saw is not listed.
    static func trending(_ data: TrainingData, window: TimeWindow) -> [PopularityModel.Entry] {
        guard let newest = data.interactions.map(\.timestamp).max(), let oldest = data.interactions.map(\.timestamp).min() else { return [] }
        let ages = data.interactions.map { Double(newest - $0.timestamp) }
        var halfLives = [window.seconds]
        while Set(zip(data.interactions, ages).lazy.filter { $0.1 <= halfLives.last! }.map(\.0.movie)).count < enoughMovies,
              halfLives.last! < Double(newest - oldest) {
            halfLives.append(halfLives.last! * 4)
        }
        var scores: [MovieID: Double] = [:]
        for (level, halfLife) in halfLives.enumerated() {
            var interest: [MovieID: Double] = [:]
            for (interaction, age) in zip(data.interactions, ages) { interest[interaction.movie, default: 0] += exp2(-age / halfLife) }
            guard let strongest = interest.values.max(), strongest > 0 else { continue }
            let weight = exp2(-Double(level))
            for (movie, value) in interest where value > 0 { scores[movie, default: 0] += weight * value / strongest }
        }
        // The weights' sum, so a score stays within 0...1.
        let total = halfLives.indices.reduce(0) { $0 + exp2(-Double($1)) }
        var recent: [MovieID: Int] = [:]
        for (interaction, age) in zip(data.interactions, ages) where age <= window.seconds { recent[interaction.movie, default: 0] += 1 }
        let label = window == .day ? "today" : "this \(window.rawValue)"
        return scores.map { movie, score in
            let count = recent[movie] ?? 0
            let reason = count > 0 ? "Trending \(label): \(count) recent \(count == 1 ? "rating" : "ratings")" : "Trending \(label)"
            return .init(movie: movie, score: score / total, reason: reason)
        }
    }
}

/// Rankings computed at fit time; answering walks a list.
struct PopularityModel: FittedModel {
    struct Entry: Sendable {
        let movie: MovieID
        let score: Double
        let reason: String
    }

    let ranking: PopularityStrategy.Ranking
    let defaultWindow: TimeWindow
    let lists: [TimeWindow?: [Entry]]
    let catalogue: Catalogue

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        let list = ranking == .trending ? lists[request.timeWindow ?? defaultWindow] : lists[nil]
        return request.firstAdmitted(list ?? [], admitted: { request.admits($0.movie, in: catalogue) }) { entry in
            Recommendation(movie: entry.movie, score: entry.score, reason: entry.reason)
        }
    }

    var summary: ModelSummary {
        ModelSummary(items: lists.values.map(\.count).max() ?? 0, detail: ranking.rawValue)
    }

    func write(to writer: inout ModelWriter) {
        writer.write(lists.count)
        for (window, entries) in lists {
            writer.write(optional: window?.rawValue)
            writer.write(array: entries.map(\.movie))
            writer.write(array: entries.map(\.score))
            writer.write(strings: entries.map(\.reason))
        }
    }
}
