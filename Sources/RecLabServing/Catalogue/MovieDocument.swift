import Foundation
import RecLabCore

/// Where movie images are served from: `TMDB_IMAGE_BASE_URL` (size included) joined to a
/// movie's `poster_path` or `backdrop_path`.
struct ImageURLs: Sendable {
    let base: String

    init(base: String) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    func url(_ path: String?) -> String? {
        guard let path, !path.isEmpty else { return nil }
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }
}

/// A movie as the API answers it: the catalogue's fields and the URLs of its images.
struct MovieDocument: Encodable {
    let movie: Movie
    let images: ImageURLs

    enum CodingKeys: String, CodingKey {
        case posterURL
        case backdropURL
    }

    func encode(to encoder: any Encoder) throws {
        // One JSON object: the movie's keys, then these two beside them.
        try movie.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Nullable(wrappedValue: images.url(movie.posterPath)), forKey: .posterURL)
        try container.encode(Nullable(wrappedValue: images.url(movie.backdropPath)), forKey: .backdropURL)
    }
}
