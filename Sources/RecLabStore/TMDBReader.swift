import Foundation
import RecLabCore

/// Reads TMDB 5000's `tmdb_5000_movies.csv`, whose list columns are JSON inside CSV fields.
public enum TMDBReader {
    public static let fileName = "tmdb_5000_movies.csv"
    static let columns = [
        "budget", "genres", "id", "keywords", "original_language", "original_title", "overview",
        "popularity", "production_companies", "production_countries", "release_date", "revenue",
        "runtime", "spoken_languages", "status", "tagline", "title", "vote_average", "vote_count",
    ]

    private struct Named: Decodable { let id: Int?; let name: String }

    public static func read(file: URL) throws -> Dataset {
        let table = try CSVTable(CSVReader(contentsOf: file), requiredColumns: columns)
        var movies: [SourceMovie] = []
        var seen = Set<Int>()
        let decoder = JSONDecoder()
        func names(_ row: CSVTable.Row, _ column: String) throws -> [Named] {
            let text = row.string(column)
            if text.isEmpty { return [] }
            do {
                return try decoder.decode([Named].self, from: Data(text.utf8))
            } catch {
                throw row.failure(column, "is not a JSON array of {\"name\": …} objects")
            }
        }
        for index in table.rows.indices {
            let row = table.row(index)
            let id = try row.int("id")
            guard seen.insert(id).inserted else { continue }
            let title = row.string("title")
            guard !title.isEmpty else { throw row.failure("title", "is empty") }
            var movie = SourceMovie(title: title)
            movie.tmdbID = id
            movie.originalTitle = row.optionalString("original_title")
            movie.overview = row.optionalString("overview")
            movie.genres = try names(row, "genres").map { named in
                named.id.flatMap { id in GenreCatalog.tmdb.first { $0.id == id } } ?? Genre(id: named.id ?? 0, name: named.name)
            }.filter { $0.id != 0 }
            movie.keywords = try names(row, "keywords").map { $0.name.lowercased() }
            movie.productionCompanies = try names(row, "production_companies").map(\.name)
            movie.productionCountries = try names(row, "production_countries").map(\.name)
            movie.spokenLanguages = try names(row, "spoken_languages").map(\.name).filter { !$0.isEmpty }
            let releaseDate = row.optionalString("release_date")
            if let releaseDate {
                let shape = releaseDate.map { $0.isASCII && $0.isNumber ? "9" : $0 }
                guard String(shape) == "9999-99-99" else {
                    throw row.failure("release_date", "'\(releaseDate)' is not a YYYY-MM-DD date")
                }
                movie.year = Int(releaseDate.prefix(4))
            }
            movie.releaseDate = releaseDate
            movie.runtime = try row.optionalInt("runtime").flatMap { $0 > 0 ? $0 : nil }
            movie.voteAverage = try row.optionalDouble("vote_average")
            movie.voteCount = try row.optionalInt("vote_count")
            movie.popularity = try row.optionalDouble("popularity")
            movie.originalLanguage = row.optionalString("original_language")
            // TMDB records an unknown budget or revenue as 0.
            movie.budget = try row.optionalInt("budget").flatMap { $0 > 0 ? $0 : nil }
            movie.revenue = try row.optionalInt("revenue").flatMap { $0 > 0 ? $0 : nil }
            movie.tagline = row.optionalString("tagline")
            movie.status = row.optionalString("status")
            movies.append(movie)
        }
        return Dataset(kind: .tmdb, location: file, movies: movies, rowsRead: table.rows.count)
    }
}
