import RecLabCore

/// What people watch next: an item-to-item transition model from everyone's time-ordered
/// histories, answered from the user's latest movies, so a new favourite changes the next
/// answer at once. Users with no movie the model knows get the most-watched movies.
public struct SequentialStrategy: RecommendationStrategy {
    public static let id = "sequential"

    /// How transitions are counted at fit time and read at answer time.
    public struct Parameters: StrategyParameters {
        /// A movie counts as following another when it comes within this many of the user's
        /// next ratings (ratings of one second count as one step).
        public var window: Int = 5
        /// Weight of a transition `d` steps apart: distance_decay^(d − 1); 1 weighs all alike.
        public var distanceDecay: Double = 1
        /// Weight of the backward transition (the earlier movie after the later one), 0 for
        /// forward only: people who watched B after A also like A when they start from B.
        public var backwardWeight: Double = 0
        /// How many of the user's latest ratings the answer starts from.
        public var lastItems: Int = 10
        /// Half-life, in ratings back from the user's newest, of a movie's transitions' weight.
        public var historyHalfLife: Double = 3
        /// Only ratings at or above this count as watched-and-liked steps (0: every rating).
        public var minRating: Double = 0
        /// At most this many of the movies that follow a movie are kept, the heaviest (0: all).
        /// A movie most people have watched is followed by a good part of the catalogue, and
        /// an answer sums the followers of each of the user's latest movies.
        public var maxFollowers: Int = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case window
            case distanceDecay = "distance_decay"
            case backwardWeight = "backward_weight"
            case lastItems = "last_items"
            case historyHalfLife = "history_half_life"
            case minRating = "min_rating"
            case maxFollowers = "max_followers"
        }

        public func validate() throws {
            guard (1...100).contains(window) else { throw ParameterError(field: "window", problem: "must be between 1 and 100, got \(window)") }
            guard distanceDecay > 0, distanceDecay <= 1 else {
                throw ParameterError(field: "distance_decay", problem: "must be in (0, 1] (1: no decay), got \(distanceDecay)")
            }
            guard backwardWeight >= 0, backwardWeight <= 1 else {
                throw ParameterError(field: "backward_weight", problem: "must be in [0, 1] (0: forward only), got \(backwardWeight)")
            }
            guard (1...1_000).contains(lastItems) else { throw ParameterError(field: "last_items", problem: "must be between 1 and 1000, got \(lastItems)") }
            guard historyHalfLife > 0, historyHalfLife.isFinite else {
                throw ParameterError(field: "history_half_life", problem: "must be a finite number > 0 (in ratings), got \(historyHalfLife)")
            }
            guard minRating >= 0, minRating <= 5 else { throw ParameterError(field: "min_rating", problem: "must be in [0, 5], got \(minRating)") }
            guard maxFollowers >= 0 else { throw ParameterError(field: "max_followers", problem: "must be >= 0 (0: all), got \(maxFollowers)") }
        }
    }

    public let parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func fit(_ context: FitContext) async throws -> any FittedModel {
        try parameters.validate()
        let transitions = Transitions(
            context.data.interactions, window: parameters.window, distanceDecay: Float(parameters.distanceDecay),
            backwardWeight: Float(parameters.backwardWeight), minRating: Float(parameters.minRating),
            maxFollowers: parameters.maxFollowers)
        return TransitionModel(transitions: transitions, parameters: parameters, catalogue: context.data.catalogue)
    }

    public func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel {
        TransitionModel(transitions: try Transitions(from: &reader), parameters: parameters, catalogue: context.catalogue)
    }
}
