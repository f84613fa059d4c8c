import Foundation

/// A movie genre with TMDB's id and name.
public struct Genre: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String

    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// TMDB's genre list, and the names other data sets use for the same genres.
///
/// MovieLens and IMDb name some genres differently ("Sci-Fi", "Children", "Musical"); the
/// catalogue stores TMDB's names and ids only, so every source's names pass through here.
public enum GenreCatalog {
    /// TMDB's movie genres (its `/genre/movie/list`), plus "Foreign", which TMDB 5000 still uses.
    public static let tmdb: [Genre] = [
        Genre(id: 28, name: "Action"), Genre(id: 12, name: "Adventure"),
        Genre(id: 16, name: "Animation"), Genre(id: 35, name: "Comedy"),
        Genre(id: 80, name: "Crime"), Genre(id: 99, name: "Documentary"),
        Genre(id: 18, name: "Drama"), Genre(id: 10751, name: "Family"),
        Genre(id: 14, name: "Fantasy"), Genre(id: 36, name: "History"),
        Genre(id: 27, name: "Horror"), Genre(id: 10402, name: "Music"),
        Genre(id: 9648, name: "Mystery"), Genre(id: 10749, name: "Romance"),
        Genre(id: 878, name: "Science Fiction"), Genre(id: 10770, name: "TV Movie"),
        Genre(id: 53, name: "Thriller"), Genre(id: 10752, name: "War"),
        Genre(id: 37, name: "Western"), Genre(id: 10769, name: "Foreign"),
    ]

    /// Other sources' names for TMDB genres, keyed by their normalised form.
    private static let aliases: [String: Int] = [
        "scifi": 878, "sciencefiction": 878, "sf": 878,
        "children": 10751, "childrens": 10751, "kids": 10751,
        "musical": 10402, "musicals": 10402,
        "filmnoir": 80, "noir": 80,
        "tvmovie": 10770,
    ]

    private static let byKey: [String: Genre] = {
        var table: [String: Genre] = [:]
        for genre in tmdb { table[normalise(genre.name)] = genre }
        for (alias, id) in aliases { table[alias] = tmdb.first { $0.id == id } }
        return table
    }()

    /// The TMDB genre a name, alias or numeric id stands for, ignoring case, spaces and
    /// hyphens; nil for names with no TMDB counterpart (IMDb's "Biography", MovieLens's "IMAX").
    public static func genre(named name: String) -> Genre? {
        // Most requests name a genre the way the keys are written ("action", "scifi").
        if let genre = byKey[name] { return genre }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if let id = Int(trimmed) { return tmdb.first { $0.id == id } }
        return byKey[normalise(trimmed)]
    }

    /// Lower case, letters and digits only: "Sci-Fi", "sci fi" and "scifi" agree.
    private static func normalise(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }
}
