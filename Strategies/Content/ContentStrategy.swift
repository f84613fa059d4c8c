import RecLabCore

/// "More like this": TF-IDF content similarity between catalogue movies, each movie's nearest
/// neighbours computed once at fit time so that answering is a lookup.
///
/// A movie is one vector of field blocks — title, overview (with tagline), genres, keywords,
/// cast, directors, production companies — each a TF-IDF bag L2-normalised and scaled by its
/// weight, plus standardised audience and era figures; cosine similarity ranks neighbours.
/// With no seed movie but a user history it scores movies near what the user liked, so a
/// hybrid can blend it with collaborative filtering.
public struct ContentStrategy: RecommendationStrategy {
    public static let id = "content"

    /// Field weights and TF-IDF settings; the defaults are the seed design's environment values.
    public struct Parameters: StrategyParameters {
        /// TITLE_WEIGHT.
        public var titleWeight: Double = 1.0
        /// OVERVIEW_WEIGHT; the tagline counts as overview text.
        public var overviewWeight: Double = 0.8
        /// GENRE_WEIGHT.
        public var genreWeight: Double = 0.6
        /// KEYWORD_WEIGHT.
        public var keywordWeight: Double = 0.4
        /// CAST_WEIGHT.
        public var castWeight: Double = 0.3
        /// Directors are the strongest single signal of a film's style, so they get a block of their own.
        public var directorWeight: Double = 0.5
        /// Production companies: the seed weighs them like cast (0.3), in a block of their own.
        public var companyWeight: Double = 0.3
        /// NUMERICAL_FEATURES_WEIGHT: vote average, log popularity, log vote count, runtime, year.
        public var numericalFeaturesWeight: Double = 0.3
        /// Neighbours kept per movie: the most a seed-movie answer can hold.
        public var neighbours: Int = 50
        /// TFIDF_MAX_FEATURES: free-text terms kept, the most frequent in the corpus.
        public var maxFeatures: Int = 5000
        /// TFIDF_NGRAM_RANGE_MIN.
        public var ngramMin: Int = 1
        /// TFIDF_NGRAM_RANGE_MAX.
        public var ngramMax: Int = 2
        /// SIMILARITY_THRESHOLD: weaker neighbours are not kept.
        public var similarityThreshold: Double = 0.1
        /// At most this many of a user's liked movies are the sources, the latest (0: all): a
        /// history of thousands adds a neighbour list per like, and its oldest likes say least.
        public var maxSources: Int = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case titleWeight = "title_weight"
            case overviewWeight = "overview_weight"
            case genreWeight = "genre_weight"
            case keywordWeight = "keyword_weight"
            case castWeight = "cast_weight"
            case directorWeight = "director_weight"
            case companyWeight = "company_weight"
            case numericalFeaturesWeight = "numerical_features_weight"
            case neighbours
            case maxFeatures = "max_features"
            case ngramMin = "ngram_min"
            case ngramMax = "ngram_max"
            case similarityThreshold = "similarity_threshold"
            case maxSources = "max_sources"
        }

        public func validate() throws {
            let weights: [(CodingKeys, Double)] = [
                (.titleWeight, titleWeight), (.overviewWeight, overviewWeight), (.genreWeight, genreWeight),
                (.keywordWeight, keywordWeight), (.castWeight, castWeight), (.directorWeight, directorWeight),
                (.companyWeight, companyWeight), (.numericalFeaturesWeight, numericalFeaturesWeight),
            ]
            for (key, weight) in weights where !(weight.isFinite && weight >= 0) {
                throw ParameterError(field: key.rawValue, problem: "must be a finite number >= 0, got \(weight)")
            }
            guard (1...1000).contains(neighbours) else {
                throw ParameterError(field: CodingKeys.neighbours.rawValue, problem: "must be between 1 and 1000, got \(neighbours)")
            }
            guard maxFeatures >= 1 else {
                throw ParameterError(field: CodingKeys.maxFeatures.rawValue, problem: "must be at least 1, got \(maxFeatures)")
            }
            guard ngramMin >= 1 else {
                throw ParameterError(field: CodingKeys.ngramMin.rawValue, problem: "must be at least 1, got \(ngramMin)")
            }
            guard ngramMax >= ngramMin else {
                throw ParameterError(
                    field: CodingKeys.ngramMax.rawValue, problem: "must be at least ngram_min (\(ngramMin)), got \(ngramMax)")
            }
            guard ngramMax <= 3 else {
                throw ParameterError(field: CodingKeys.ngramMax.rawValue, problem: "must be at most 3, got \(ngramMax)")
            }
            guard similarityThreshold.isFinite, (0...1).contains(similarityThreshold) else {
                throw ParameterError(
                    field: CodingKeys.similarityThreshold.rawValue, problem: "must be between 0 and 1, got \(similarityThreshold)")
            }
            try require(maxSources >= 0, CodingKeys.maxSources.rawValue, "must be >= 0 (0: all), got \(maxSources)")
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try parameters.validate()
        let catalogue = context.data.catalogue
        let features = ContentFeatures(catalogue: catalogue, parameters: parameters)
        let neighbours = try NeighbourLists(
            features: features, catalogue: catalogue, count: parameters.neighbours,
            threshold: Float(parameters.similarityThreshold))
        return ContentModel(
            catalogue: catalogue, neighbours: neighbours, traits: features.traits, maxSources: parameters.maxSources,
            summary: ModelSummary(
                items: catalogue.count,
                detail: "tf-idf features=\(features.featureCount), neighbours=\(parameters.neighbours)"))
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        let catalogue = context.catalogue
        return ContentModel(
            catalogue: catalogue, neighbours: try NeighbourLists(from: &reader, items: catalogue.count),
            traits: try ItemTraits(from: &reader, items: catalogue.items), maxSources: parameters.maxSources,
            summary: try ModelSummary(from: &reader))
    }
}
