import Foundation
import RecLabStore

/// Hand-written files in the three publishers' layouts, describing the same two films.
public enum MiniDatasets {
    public static func write() throws -> (movieLens: URL, tmdb: URL, imdb: URL) {
        let root = try makeTemporaryDirectory("mini")
        let movieLens = root.appending(path: "ml")
        try FileManager.default.createDirectory(at: movieLens, withIntermediateDirectories: true)
        try "movieId,title,genres\n1,Inception (2010),Action|Sci-Fi\n2,\"Dark Knight, The (2008)\",Action|Crime\n3,Obscure Short (1931),(no genres listed)\n"
            .write(to: movieLens.appending(path: "movies.csv"), atomically: true, encoding: .utf8)
        try "movieId,imdbId,tmdbId\n1,1375666,27205\n2,0468569,155\n3,0000003,\n"
            .write(to: movieLens.appending(path: "links.csv"), atomically: true, encoding: .utf8)
        try "userId,movieId,rating,timestamp\n1,1,4.5,1\n1,2,5.0,2\n2,1,3.0,3\n"
            .write(to: movieLens.appending(path: "ratings.csv"), atomically: true, encoding: .utf8)
        try "userId,movieId,tag,timestamp\n1,1,dreams,1\n"
            .write(to: movieLens.appending(path: "tags.csv"), atomically: true, encoding: .utf8)
        let tmdb = root.appending(path: "tmdb")
        try FileManager.default.createDirectory(at: tmdb, withIntermediateDirectories: true)
        let header = "budget,genres,homepage,id,keywords,original_language,original_title,overview,popularity,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,vote_average,vote_count"
        let inception = "160000000,\"[{\"\"id\"\": 28, \"\"name\"\": \"\"Action\"\"}, {\"\"id\"\": 878, \"\"name\"\": \"\"Science Fiction\"\"}]\",,27205,\"[{\"\"id\"\": 1, \"\"name\"\": \"\"heist\"\"}]\",en,Inception,A thief who steals corporate secrets.,167.5,[],[],2010-07-14,825532764,148,[],Released,Your mind is the scene of the crime.,Inception,8.1,13752"
        // Only in TMDB: matched to the IMDb-only row below by title and year.
        let memento = "9000000,[],,77,[],en,Memento,A man with no memory.,40.0,[],[],2000-10-11,39723096,113,[],Released,,Memento,8.1,4000"
        try "\(header)\n\(inception)\n\(memento)\n".write(to: tmdb.appending(path: TMDBReader.fileName), atomically: true, encoding: .utf8)
        let imdb = root.appending(path: "imdb")
        try FileManager.default.createDirectory(at: imdb, withIntermediateDirectories: true)
        let imdbHeader = "director_name,actor_1_name,actor_2_name,actor_3_name,genres,movie_title,plot_keywords,movie_imdb_link,duration,title_year,imdb_score,num_voted_users,country,language"
        let rows = [
            "Christopher Nolan,Leonardo DiCaprio,Tom Hardy,Joseph Gordon-Levitt,Action|Sci-Fi,Inception\u{00A0},dream|subconscious,http://www.imdb.com/title/tt1375666/?ref_=fn_tt_tt_1,148,2010,8.8,1468200,USA,English",
            "Christopher Nolan,Christian Bale,Heath Ledger,Morgan Freeman,Action|Crime,The Dark Knight\u{00A0},joker,http://www.imdb.com/title/tt0468569/,152,2008,9.0,1676169,USA,English",
            "Christopher Nolan,Christian Bale,Heath Ledger,Morgan Freeman,Action|Crime,The Dark Knight\u{00A0},joker,http://www.imdb.com/title/tt0468569/,152,2008,9.0,1676169,USA,English",
            "Christopher Nolan,Guy Pearce,Carrie-Anne Moss,Joe Pantoliano,Mystery|Thriller,Memento\u{00A0},memory,http://www.imdb.com/title/tt0209144/,113,2000,8.5,902581,USA,English",
        ]
        try ([imdbHeader] + rows).joined(separator: "\n").write(to: imdb.appending(path: IMDBReader.fileName), atomically: true, encoding: .utf8)
        return (movieLens, tmdb, imdb)
    }
}
