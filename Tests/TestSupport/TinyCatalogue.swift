import RecLabCore

/// A hand-built catalogue and ratings small enough to know every answer.
public enum TinyCatalogue {
    public static let sciFi = Genre(id: 878, name: "Science Fiction")
    public static let animation = Genre(id: 16, name: "Animation")
    public static let drama = Genre(id: 18, name: "Drama")

    /// Movies 1–6: 1–3 science fiction, 4–5 animation, 6 drama (6 has no TMDB id).
    public static let items: [CatalogueItem] = [
        CatalogueItem(id: 1, tmdbID: 101, title: "Space One", genres: [sciFi], voteAverage: 8.0, voteCount: 5000, popularity: 50),
        CatalogueItem(id: 2, tmdbID: 102, title: "Space Two", genres: [sciFi], voteAverage: 9.0, voteCount: 10, popularity: 5),
        CatalogueItem(id: 3, tmdbID: 103, title: "Space Three", genres: [sciFi, drama], voteAverage: 6.0, voteCount: 8000, popularity: 80),
        CatalogueItem(id: 4, tmdbID: 104, title: "Toon One", genres: [animation]),
        CatalogueItem(id: 5, tmdbID: 105, title: "Toon Two", genres: [animation]),
        CatalogueItem(id: 6, title: "Quiet Drama", genres: [drama]),
    ]

    /// Rating counts: movie 1 ×4, 4 ×3, 5 ×3, 2 ×2, 6 ×1; times 1…13 days.
    public static let interactions: [Interaction] = {
        let rows: [(String, MovieID, Float)] = [
            ("a", 1, 5), ("b", 1, 4), ("c", 1, 4.5), ("d", 1, 3),
            ("a", 4, 2), ("b", 4, 3), ("c", 4, 2.5),
            ("a", 5, 5), ("b", 5, 5), ("d", 5, 4.5),
            ("c", 2, 5), ("d", 2, 5),
            ("a", 6, 1),
        ]
        return rows.enumerated().map { index, row in
            Interaction(user: row.0, movie: row.1, rating: row.2, timestamp: Int64(index + 1) * 86_400)
        }
    }()

    public static var data: TrainingData { TrainingData(catalogue: Catalogue(items), interactions: interactions) }
}
