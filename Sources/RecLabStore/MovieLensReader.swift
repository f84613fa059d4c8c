import Foundation
import RecLabCore

/// Reads a MovieLens folder in the `ml-latest-small` layout: movies, links, ratings, tags.
public enum MovieLensReader {
    public static let requiredFiles = ["movies.csv", "ratings.csv", "links.csv"]

    public static func read(folder: URL) throws -> Dataset {
        let moviesTable = try CSVTable(CSVReader(contentsOf: folder.appending(path: "movies.csv")), requiredColumns: ["movieId", "title", "genres"])
        let linksTable = try CSVTable(CSVReader(contentsOf: folder.appending(path: "links.csv")), requiredColumns: ["movieId", "imdbId", "tmdbId"])
        let ratingsTable = try CSVTable(CSVReader(contentsOf: folder.appending(path: "ratings.csv")), requiredColumns: ["userId", "movieId", "rating", "timestamp"])
        let tagsURL = folder.appending(path: "tags.csv")
        let tagsTable = FileManager.default.fileExists(atPath: tagsURL.path)
            ? try CSVTable(CSVReader(contentsOf: tagsURL), requiredColumns: ["userId", "movieId", "tag", "timestamp"]) : nil

        var movies: [SourceMovie] = []
        var indexByID: [Int: Int] = [:]
        for index in moviesTable.rows.indices {
            let row = moviesTable.row(index)
            let id = try row.int("movieId")
            guard indexByID[id] == nil else { throw row.failure("movieId", "\(id) appears twice") }
            let parsed = parseTitle(row.string("title"))
            guard !parsed.title.isEmpty else { throw row.failure("title", "is empty") }
            var movie = SourceMovie(title: parsed.title)
            movie.movieLensID = id
            movie.originalTitle = parsed.alternateTitle
            movie.year = parsed.year
            movie.genres = uniqueGenres(row.string("genres").split(separator: "|").map(String.init))
            indexByID[id] = movies.count
            movies.append(movie)
        }

        for index in linksTable.rows.indices {
            let row = linksTable.row(index)
            let id = try row.int("movieId")
            guard let position = indexByID[id] else { throw row.failure("movieId", "\(id) is not in movies.csv") }
            if let imdb = try row.optionalInt("imdbId") { movies[position].imdbID = imdbIdentifier(imdb) }
            movies[position].tmdbID = try row.optionalInt("tmdbId")
        }

        var ratings: [RatingRecord] = []
        ratings.reserveCapacity(ratingsTable.rows.count)
        for index in ratingsTable.rows.indices {
            let row = ratingsTable.row(index)
            let movieID = try row.int("movieId")
            guard indexByID[movieID] != nil else { throw row.failure("movieId", "\(movieID) is not in movies.csv") }
            let rating = try row.double("rating")
            guard isHalfStarRating(rating) else { throw row.failure("rating", "\(rating) is not a half-star rating 0.5–5.0") }
            ratings.append(RatingRecord(userID: try row.int("userId"), movieLensID: movieID, rating: rating, timestamp: try row.int("timestamp")))
        }

        if let tagsTable {
            var seen = Set<String>()
            for index in tagsTable.rows.indices {
                let row = tagsTable.row(index)
                let movieID = try row.int("movieId")
                guard let position = indexByID[movieID] else { throw row.failure("movieId", "\(movieID) is not in movies.csv") }
                let tag = row.string("tag").lowercased()
                guard !tag.isEmpty, seen.insert("\(movieID)\u{1F}\(tag)").inserted else { continue }
                movies[position].keywords.append(tag)
            }
        }
        return Dataset(
            kind: .movieLens, location: folder, movies: movies, ratings: ratings,
            rowsRead: moviesTable.rows.count + (tagsTable?.rows.count ?? 0))
    }

    /// Splits "City of Lost Children, The (Cité des enfants perdus, La) (1995)" into the
    /// display title "The City of Lost Children", the alternate title and the year.
    static func parseTitle(_ raw: String) -> (title: String, alternateTitle: String?, year: Int?) {
        var text = Substring(raw.trimmingCharacters(in: .whitespaces))
        var year: Int?
        // A trailing "(1995)" or "(2007-2013)": hand-parsed, as Regex costs milliseconds a
        // thousand titles.
        if text.hasSuffix(")"), let open = text.lastIndex(of: "(") {
            let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
            let digits = inside.prefix { $0.isASCII && $0.isNumber }
            let rest = inside.dropFirst(digits.count)
            if digits.count == 4, rest.isEmpty || rest.first == "-" || rest.first == "–" {
                year = Int(digits)
                text = Substring(text[..<open].trimmingCharacters(in: .whitespaces))
            }
        }
        var alternate: String?
        if text.hasSuffix(")"), let open = text.lastIndex(of: "("), open > text.startIndex {
            let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
            if !inside.contains("("), !inside.isEmpty {
                alternate = String(inside.hasPrefix("a.k.a. ") ? inside.dropFirst(7) : inside).trimmingCharacters(in: .whitespaces)
                text = Substring(text[..<open].trimmingCharacters(in: .whitespaces))
            }
        }
        return (uninvertArticle(String(text)), alternate.map(uninvertArticle), year)
    }

    /// MovieLens files titles under their sort form ("Matrix, The"); people search and read
    /// them as "The Matrix".
    static func uninvertArticle(_ title: String) -> String {
        for article in ["The", "A", "An"] where title.hasSuffix(", \(article)") {
            return "\(article) \(title.dropLast(article.count + 2))"
        }
        return title
    }
}

/// `tt` plus at least seven digits, as IMDb writes its ids.
public func imdbIdentifier(_ number: Int) -> String {
    let digits = String(number)
    return "tt" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
}

/// Maps source genre names to TMDB genres, dropping names TMDB has no genre for and repeats.
func uniqueGenres(_ names: [String]) -> [Genre] {
    var seen = Set<Int>()
    return names.compactMap(GenreCatalog.genre(named:)).filter { seen.insert($0.id).inserted }
}
