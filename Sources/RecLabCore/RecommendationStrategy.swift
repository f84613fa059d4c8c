import Foundation

/// A recommendation strategy: validated parameters, and a fit step that turns training data
/// into an immutable model answering requests.
///
/// Strategies live in their own targets under `Strategies/`, register with a
/// `StrategyRegistry` by `id`, and are reached only through this protocol: the server, the
/// evaluator and the experiments know no strategy by type.
public protocol RecommendationStrategy: Sendable {
    associatedtype Parameters: StrategyParameters

    /// Stable id used in configuration files, responses and metrics ("content", "genre", …).
    static var id: String { get }

    init(parameters: Parameters)

    /// Fits a model; runs off the request path and may take seconds.
    func fit(_ context: FitContext) async throws -> any FittedModel

    /// Rebuilds a model this strategy fitted from what its `write(to:)` wrote, so a replica
    /// answers exactly as the fitting process does without fitting (a model generation).
    func readModel(from reader: inout ModelReader, context: ModelContext) throws -> any FittedModel
}

/// A strategy's parameters: defaults for every field, decoded from configuration, checked.
public protocol StrategyParameters: Codable, Sendable, Equatable {
    /// The defaults, used for any field configuration leaves out.
    init()
    /// Throws `ParameterError` naming the first field out of range.
    func validate() throws
}

extension StrategyParameters {
    /// Throws the `ParameterError` of `field` unless `condition` holds: one line per check.
    public func require(_ condition: Bool, _ field: String, _ problem: @autoclosure () -> String) throws(ParameterError) {
        guard condition else { throw ParameterError(field: field, problem: problem()) }
    }
}

/// What a fit step receives: the training data and the models fitted before it (so a blend
/// can hold the models it blends).
public struct FitContext: Sendable {
    public let data: TrainingData
    public let models: [String: any FittedModel]
    /// The most memory, in bytes, one fit may take (`MODEL_MEMORY_LIMIT`); nil: no limit.
    public let memoryLimit: Int?

    public init(data: TrainingData, models: [String: any FittedModel] = [:], memoryLimit: Int? = nil) {
        self.data = data
        self.models = models
        self.memoryLimit = memoryLimit
    }

    /// Refuses, before allocating, a fit whose working memory would pass the limit: a clear
    /// message beats a process the kernel kills.
    public func reserve(_ bytes: Int, for what: String, change: @autoclosure () -> String) throws(MemoryLimitExceeded) {
        guard let memoryLimit, bytes > memoryLimit else { return }
        throw MemoryLimitExceeded(what: what, needed: bytes, limit: memoryLimit, change: change())
    }
}

/// What reading a stored model receives besides its bytes: the catalogue the generation was
/// fitted on and the models read before it (a blend's components).
public struct ModelContext: Sendable {
    public let catalogue: Catalogue
    public let models: [String: any FittedModel]

    public init(catalogue: Catalogue, models: [String: any FittedModel] = [:]) {
        self.catalogue = catalogue
        self.models = models
    }
}

/// A fit refused because it would need more memory than `MODEL_MEMORY_LIMIT` allows.
public struct MemoryLimitExceeded: Error, Equatable, CustomStringConvertible {
    public let what: String
    public let needed: Int
    public let limit: Int
    /// What to change so the fit fits.
    public let change: String

    public var description: String {
        "\(what) needs \(Self.format(needed)), over the memory limit of \(Self.format(limit)) (MODEL_MEMORY_LIMIT): \(change)"
    }

    /// Bytes in the largest binary unit that keeps the number at least 1: "1.5 GiB".
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// A fitted, immutable model. Answering never mutates it, so many requests share it while a
/// refit builds its successor.
public protocol FittedModel: Sendable {
    /// Scored movies, best first, up to `request.limit` of those `request.admits` (filled from
    /// them with `firstAdmitted` or `bestAdmitted`, so a list is full when enough are). Callers
    /// answer through `CandidateRules`, which enforces the exclusions and the cut whatever a
    /// model returns.
    func recommend(_ request: RecommendationRequest) throws -> [Recommendation]
    /// `recommend` with scores alone (whatever `wantsReasons` says), and what gives the reasons
    /// of any of those movies afterwards, for a caller that asks for many candidates and keeps
    /// a few (the blend). The default answers the request again with reasons; a model whose
    /// reasons cost more than its scores explains just the movies asked about, from what the
    /// answer already read of the history.
    func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer
    /// Sizes worth reporting (items, factors, neighbours…).
    var summary: ModelSummary { get }
    /// Writes what answering needs (not the catalogue, which the generation stores once), for
    /// the strategy's `readModel(from:context:)`.
    func write(to writer: inout ModelWriter) throws
}

/// An answer given with scores alone, and the reasons of any of its movies on demand.
public struct DeferredAnswer {
    public let recommendations: [Recommendation]
    /// The reasons of the movies asked about (those of `recommendations`), by movie.
    public let reasons: ([MovieID]) throws -> [MovieID: String]

    public init(_ recommendations: [Recommendation], reasons: @escaping ([MovieID]) throws -> [MovieID: String]) {
        self.recommendations = recommendations
        self.reasons = reasons
    }
}

extension FittedModel {
    public func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        var bare = request
        bare.wantsReasons = false
        return DeferredAnswer(try recommend(bare)) { movies in try reasonsAnsweringAgain(for: movies, request) }
    }

    /// The reasons of `movies` by answering the request again, with reasons.
    public func reasonsAnsweringAgain(for movies: [MovieID], _ request: RecommendationRequest) throws -> [MovieID: String] {
        var explained = request
        explained.wantsReasons = true
        let wanted = Set(movies)
        return Dictionary(try recommend(explained).filter { wanted.contains($0.movie) }.map { ($0.movie, $0.reason) }) { first, _ in first }
    }
}

/// A fitted model's size, for health checks, metrics and benchmarks.
public struct ModelSummary: Sendable, Codable, Equatable {
    public var items: Int
    public var users: Int
    public var factors: Int?
    public var detail: String

    public init(items: Int, users: Int = 0, factors: Int? = nil, detail: String = "") {
        self.items = items
        self.users = users
        self.factors = factors
        self.detail = detail
    }
}

/// A question put to a model: for a user (with their history), a seed movie, a genre, or
/// simply the catalogue.
public struct RecommendationRequest: Sendable {
    public var userID: String?
    /// The user's interactions as the host knows them now (ratings and preferences), so a new
    /// preference changes the next answer without a refit.
    public var history: [Interaction] {
        didSet { excludeOwnMovies() }
    }
    public var seedMovie: MovieID? {
        didSet { excludeOwnMovies() }
    }
    public var genre: Genre?
    /// For trending: how far back "recent" reaches.
    public var timeWindow: TimeWindow?
    public var limit: Int
    /// Movies never to recommend: the history's and the seed always, and whatever else the
    /// caller adds (movies outside an evaluation's candidates…).
    public var excluded: Set<MovieID>
    /// Only movies with a TMDB id (the API's identity for movies) are eligible.
    public var requireTMDBID: Bool
    /// What the caller restricts the list to (genres, years, shown rating).
    public var filter = ListFilter()
    /// TMDB ids no answer may show, whoever asks: movies an operator hid or that are out of
    /// their availability window (the API names movies by TMDB id, and so does an operator).
    /// One set the host shares with every request.
    public var withheld: Set<Int> = []
    /// How the admitted candidates are re-ordered for variety; `CandidateRules` applies it.
    public var diversification: Diversification?
    /// Whether each recommendation must carry its reason. A blend asks its components for
    /// scores alone, then for the reasons of the few movies it keeps (`reasons(for:_:)`); a
    /// model may leave reasons empty when this is false (or give them anyway).
    public var wantsReasons = true

    public init(
        userID: String? = nil, history: [Interaction] = [], seedMovie: MovieID? = nil, genre: Genre? = nil,
        timeWindow: TimeWindow? = nil, limit: Int = 10, excluded: Set<MovieID> = [], requireTMDBID: Bool = false
    ) {
        self.userID = userID
        self.history = history
        self.seedMovie = seedMovie
        self.genre = genre
        self.timeWindow = timeWindow
        self.limit = limit
        self.excluded = excluded
        self.requireTMDBID = requireTMDBID
        excludeOwnMovies()
    }

    /// A user is never recommended what they have already rated or marked, nor the movie
    /// they asked for similar ones to, whoever builds the request.
    private mutating func excludeOwnMovies() {
        excluded.reserveCapacity(excluded.count + history.count + 1)
        for interaction in history { excluded.insert(interaction.movie) }
        if let seedMovie { excluded.insert(seedMovie) }
    }

    /// Whether `item` may be recommended under this request's exclusions and filter.
    @inlinable
    public func admits(_ item: CatalogueItem) -> Bool {
        !excluded.contains(item.id) && (!requireTMDBID || item.tmdbID != nil) && (withheld.isEmpty || !(item.tmdbID.map(withheld.contains) ?? false))
            && filter.admits(item)
    }

    /// `admits` of `movie`'s entry in `catalogue`; false for a movie it lacks. The entry is
    /// read only when a rule needs it (`excludesOnly`).
    @inlinable
    public func admits(_ movie: MovieID, in catalogue: Catalogue) -> Bool {
        guard let position = catalogue.position(of: movie) else { return false }
        return excludesOnly ? !excluded.contains(movie) : admits(catalogue.items[position])
    }

    /// `admits` of the catalogue's entry at `entry`, read whole only when a rule needs it.
    @inlinable
    public func admits(entry: Int, in catalogue: Catalogue) -> Bool {
        excludesOnly ? !excluded.contains(catalogue.items[entry].id) : admits(catalogue.items[entry])
    }

    /// Whether the exclusions are the only rule, so a movie's id decides: an entry passed to
    /// `admits` is copied, a retain and a release per field, and most requests filter nothing.
    @inlinable
    var excludesOnly: Bool { filter.isEmpty && withheld.isEmpty && !requireTMDBID }
}

/// How far back trending looks.
public enum TimeWindow: String, Sendable, CaseIterable, Codable {
    case day, week, month

    public var seconds: Double {
        switch self {
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        }
    }
}

/// A recommended movie, its score (higher is better, comparable within one answer) and why.
public struct Recommendation: Sendable, Equatable {
    public var movie: MovieID
    public var score: Double
    public var reason: String

    public init(movie: MovieID, score: Double, reason: String) {
        self.movie = movie
        self.score = score
        self.reason = reason
    }
}

/// Why a model could not answer a request: the request lacked what this strategy needs.
public enum RecommendationError: Error, Equatable, CustomStringConvertible {
    case unknownMovie(MovieID)
    case missingInput(String)

    public var description: String {
        switch self {
        case .unknownMovie(let id): "movie \(id) is not known to this model"
        case .missingInput(let what): "this strategy needs \(what)"
        }
    }
}

/// A parameter out of range, named so the configuration's author can find it.
public struct ParameterError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "parameter '\(field)': \(problem)" }
}

/// Decodes a parameter's choice (an enum of named options) by its raw value, naming the
/// options when the value is none of them, for a strategy's `init(from:)`.
public func decodeChoice<Choice: RawRepresentable<String> & CaseIterable>(from decoder: any Decoder, what: String) throws -> Choice {
    let container = try decoder.singleValueContainer()
    let raw = try container.decode(String.self)
    guard let choice = Choice(rawValue: raw) else {
        let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown \(what) '\(raw)' (known: \(known))")
    }
    return choice
}
