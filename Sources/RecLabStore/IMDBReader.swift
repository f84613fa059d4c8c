import Foundation
import RecLabCore

/// Reads IMDB 5000's `movie_metadata.csv`: director, three lead actors and plot keywords.
/// Rows repeating an IMDb id are merged into the first.
public enum IMDBReader {
    public static let fileName = "movie_metadata.csv"
    static let columns = [
        "director_name", "actor_1_name", "actor_2_name", "actor_3_name", "genres", "movie_title",
        "plot_keywords", "movie_imdb_link", "duration", "title_year", "imdb_score", "num_voted_users",
        "country", "language",
    ]

    public static func read(file: URL) throws -> Dataset {
        let table = try CSVTable(CSVReader(contentsOf: file), requiredColumns: columns)
        var movies: [SourceMovie] = []
        var seen = Set<String>()
        for index in table.rows.indices {
            let row = table.row(index)
            let link = row.string("movie_imdb_link")
            guard let start = link.hasPrefix("tt") ? link.index(link.startIndex, offsetBy: 2) : link.range(of: "/tt")?.upperBound,
                  let number = Int(link[start...].prefix { $0.isASCII && $0.isNumber })
            else {
                throw row.failure("movie_imdb_link", "'\(link)' holds no IMDb id (tt…)")
            }
            let imdbID = imdbIdentifier(number)
            guard seen.insert(imdbID).inserted else { continue }
            // Titles end in a non-breaking space in this file.
            let title = row.string("movie_title").trimmingCharacters(in: .whitespacesAndNewlines.union(["\u{00A0}"]))
            guard !title.isEmpty else { throw row.failure("movie_title", "is empty") }
            var movie = SourceMovie(title: title)
            movie.imdbID = imdbID
            movie.year = try row.optionalInt("title_year")
            movie.runtime = try row.optionalInt("duration").flatMap { $0 > 0 ? $0 : nil }
            movie.voteAverage = try row.optionalDouble("imdb_score")
            movie.voteCount = try row.optionalInt("num_voted_users")
            movie.genres = uniqueGenres(row.string("genres").split(separator: "|").map(String.init))
            movie.keywords = row.string("plot_keywords").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            movie.cast = ["actor_1_name", "actor_2_name", "actor_3_name"].compactMap(row.optionalString).enumerated().map { CastMember(name: $1, order: $0) }
            movie.crew = row.optionalString("director_name").map { [CrewMember(name: $0, job: "Director")] } ?? []
            movie.productionCountries = row.optionalString("country").map { [$0] } ?? []
            movie.spokenLanguages = row.optionalString("language").map { [$0] } ?? []
            movies.append(movie)
        }
        return Dataset(kind: .imdb, location: file, movies: movies, rowsRead: table.rows.count)
    }
}
