import Foundation
import RecLabCore

/// The best movies of a genre: a Bayesian weighted rating (TMDB's votes where it has them,
/// MovieLens ratings otherwise, each against its own prior) blended with popularity.
public struct GenreStrategy: RecommendationStrategy {
    public static let id = "genre"

    public struct Parameters: StrategyParameters {
        /// Votes of prior weight in the Bayesian average, for TMDB's vote counts.
        public var tmdbPriorVotes: Double = 500
        /// The same for MovieLens rating counts, which are a hundred times smaller.
        public var ratingsPriorVotes: Double = 10
        /// Share of the score that comes from popularity (0 = rating only).
        public var popularityWeight: Double = 0.3

        public init() {}

        enum CodingKeys: String, CodingKey {
            case tmdbPriorVotes = "tmdb_prior_votes"
            case ratingsPriorVotes = "ratings_prior_votes"
            case popularityWeight = "popularity_weight"
        }

        public func validate() throws {
            guard tmdbPriorVotes >= 0 else { throw ParameterError(field: "tmdb_prior_votes", problem: "must be >= 0, got \(tmdbPriorVotes)") }
            guard ratingsPriorVotes >= 0 else { throw ParameterError(field: "ratings_prior_votes", problem: "must be >= 0, got \(ratingsPriorVotes)") }
            guard (0...1).contains(popularityWeight) else {
                throw ParameterError(field: "popularity_weight", problem: "must be between 0 and 1, got \(popularityWeight)")
            }
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        let catalogue = context.data.catalogue
        let audience = AudienceStatistics(context.data)
        let tmdbItems = catalogue.items.filter { ($0.voteCount ?? 0) > 0 && $0.voteAverage != nil }
        let tmdbMean = tmdbItems.isEmpty ? 0 : tmdbItems.map { $0.voteAverage! }.reduce(0, +) / Double(tmdbItems.count)
        let maxPopularity = log1p(catalogue.items.compactMap(\.popularity).max() ?? 0)
        let maxCount = log1p(Double(audience.counts.max() ?? 0))

        var ranked: [Int: [GenreModel.Entry]] = [:]
        for (position, item) in catalogue.items.enumerated() {
            let rating: Double  // on a 0–1 scale
            let evidence: String
            if let votes = item.voteCount, votes > 0, let average = item.voteAverage {
                rating = AudienceStatistics.weightedRating(mean: average, votes: votes, priorMean: tmdbMean, priorVotes: parameters.tmdbPriorVotes) / 10
                evidence = String(format: "%.1f/10 from %d TMDB votes", average, votes)
            } else if audience.counts[position] > 0 {
                rating = AudienceStatistics.weightedRating(
                    mean: audience.meanRatings[position], votes: audience.counts[position],
                    priorMean: audience.globalMeanRating, priorVotes: parameters.ratingsPriorVotes) / 5
                evidence = String(format: "%.1f/5 from %d ratings", audience.meanRatings[position], audience.counts[position])
            } else {
                continue  // nothing says whether it is any good
            }
            let popularity = item.popularity.map { maxPopularity > 0 ? log1p($0) / maxPopularity : 0 }
                ?? (maxCount > 0 ? log1p(Double(audience.counts[position])) / maxCount : 0)
            let score = (1 - parameters.popularityWeight) * rating + parameters.popularityWeight * popularity
            for genre in item.genres {
                ranked[genre.id, default: []].append(.init(movie: item.id, score: score, evidence: evidence))
            }
        }
        for genre in ranked.keys {
            ranked[genre]!.sort { ($0.score, -$0.movie) > ($1.score, -$1.movie) }
        }
        return GenreModel(ranked: ranked, catalogue: catalogue)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        var ranked: [Int: [GenreModel.Entry]] = [:]
        for _ in 0..<(try reader.readCount()) {
            let genre = try reader.read(Int.self)
            let movies = try reader.readArray(of: MovieID.self)
            let scores = try reader.readArray(of: Double.self)
            let evidence = try reader.readStrings()
            try reader.expect(movies.count == scores.count && movies.count == evidence.count, "genre \(genre)'s columns differ in length")
            ranked[genre] = zip(zip(movies, scores), evidence).map { .init(movie: $0.0, score: $0.1, evidence: $1) }
        }
        return GenreModel(ranked: ranked, catalogue: context.catalogue)
    }
}

/// Each genre's movies, ranked once at fit time; answering walks the list.
struct GenreModel: FittedModel {
    struct Entry: Sendable {
        let movie: MovieID
        let score: Double
        let evidence: String
    }

    let ranked: [Int: [Entry]]
    let catalogue: Catalogue

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        guard let genre = request.genre else { throw RecommendationError.missingInput("a genre") }
        return request.firstAdmitted(ranked[genre.id] ?? [], admitted: { request.admits($0.movie, in: catalogue) }) { entry in
            Recommendation(movie: entry.movie, score: entry.score, reason: "Top \(genre.name): \(entry.evidence)")
        }
    }

    var summary: ModelSummary {
        ModelSummary(items: Set(ranked.values.joined().map(\.movie)).count, detail: "\(ranked.count) genres")
    }

    func write(to writer: inout ModelWriter) {
        writer.write(ranked.count)
        for (genre, entries) in ranked {
            writer.write(genre)
            writer.write(array: entries.map(\.movie))
            writer.write(array: entries.map(\.score))
            writer.write(strings: entries.map(\.evidence))
        }
    }
}
