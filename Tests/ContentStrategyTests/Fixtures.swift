import ContentStrategy
import RecLabCore

/// A hand-built movie; genres by TMDB name.
func movie(
    _ id: MovieID, _ title: String, overview: String = "", genres: [String] = [], keywords: [String] = [],
    cast: [String] = [], directors: [String] = [], companies: [String] = [], tmdbID: Int? = nil
) -> CatalogueItem {
    CatalogueItem(
        id: id, tmdbID: tmdbID, title: title, overview: overview, genres: genres.map { GenreCatalog.genre(named: $0)! },
        keywords: keywords, cast: cast, directors: directors, productionCompanies: companies)
}

/// Documentaries sharing nothing with the films under test but their genre. Forty of them make
/// the catalogue big enough that tokens shared by two or three movies go through the posting
/// lists while the Documentary genre stays a dense column, so tests exercise both paths.
func fillers(_ count: Int = 40) -> [CatalogueItem] {
    (0..<count).map { movie(MovieID(1000 + $0), "Filler\($0)", genres: ["Documentary"]) }
}

func fit(_ items: [CatalogueItem], _ configure: (inout ContentStrategy.Parameters) -> Void = { _ in }) async throws -> any FittedModel {
    var parameters = ContentStrategy.Parameters()
    configure(&parameters)
    return try await ContentStrategy(parameters: parameters).fit(FitContext(data: TrainingData(catalogue: Catalogue(items), interactions: [])))
}

func similar(
    to seed: MovieID, in model: any FittedModel, limit: Int = 10, excluded: Set<MovieID> = [], requireTMDBID: Bool = false
) throws -> [Recommendation] {
    try model.recommend(RecommendationRequest(seedMovie: seed, limit: limit, excluded: excluded, requireTMDBID: requireTMDBID))
}

func liked(_ movies: MovieID..., rating: Float = 5) -> [Interaction] {
    movies.map { Interaction(user: "u", movie: $0, rating: rating, timestamp: 0) }
}
