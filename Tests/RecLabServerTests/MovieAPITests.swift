import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct MovieAPITests {
    @Test func searchForInceptionAnswersInceptionFirstWithTheSeedsPageFields() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/movies/search?query=inception&page=1", method: .get) { response in
                #expect(response.status == .ok)
                let body = try response.json()
                let movies = try #require(body["movies"] as? [[String: Any]])
                #expect(movies.first?["tmdb_id"] as? Int == 27205)
                #expect(movies.first?["title"] as? String == "Inception")
                #expect(body["total_results"] as? Int == 1)
                #expect(body["total_pages"] as? Int == 1)
                #expect(body["current_page"] as? Int == 1)
            }
        }
    }

    @Test func searchPagesHoldTwentyMovies() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/movies/search?query=love&page=2", method: .get) { response in
                let body = try response.json()
                #expect((body["movies"] as? [Any])?.count == 20)
                #expect(body["current_page"] as? Int == 2)
                #expect((body["total_pages"] as? Int ?? 0) >= 3)
            }
        }
    }

    @Test func detailsOfInceptionNameNolanAsDirectorAndDiCaprioInTheCast() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/movies/27205", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=3600")
                let movie = try response.json()
                let crew = try #require(movie["crew"] as? [[String: Any]])
                #expect(crew.contains { $0["name"] as? String == "Christopher Nolan" && $0["job"] as? String == "Director" })
                let cast = try #require(movie["cast"] as? [[String: Any]])
                #expect(cast.contains { $0["name"] as? String == "Leonardo DiCaprio" })
                // Every field of the seed's Movie model is present, absent values as null.
                for field in ["id", "tmdb_id", "title", "overview", "genres", "release_date", "runtime", "vote_average",
                              "vote_count", "popularity", "poster_path", "backdrop_path", "original_language", "budget",
                              "revenue", "tagline", "keywords", "cast", "crew", "production_companies",
                              "production_countries", "spoken_languages", "status", "adult", "video"] {
                    #expect(movie.keys.contains(field), "missing \(field)")
                }
            }
        }
    }

    @Test func everyRatedMovieShowsANumericRatingAndWhoseItIsTMDBThenIMDbThenMovieLens() async throws {
        try await withRoutes { client in
            // Inception: TMDB's votes. Grindhouse: IMDb's score alone. Jumanji: only MovieLens
            // ratings, 110 of them averaging 3.43 stars, shown as 6.9 of 10.
            for (tmdbID, average, count, source) in [(27205, 8.1, 13752, "tmdb"), (253768, 7.6, 155_496, "imdb"), (8844, 6.9, 110, "movielens")] {
                let movie = try await client.execute(uri: "/movies/\(tmdbID)", method: .get).json()
                #expect(movie["vote_average"] as? Double == average, "\(tmdbID)")
                #expect(movie["vote_count"] as? Int == count, "\(tmdbID)")
                #expect(movie["rating_source"] as? String == source, "\(tmdbID)")
            }
            let action = try await client.execute(uri: "/recommendations/genre/action?limit=50", method: .get).json()
            let items = try #require(action["recommendations"] as? [[String: Any]])
            #expect(!items.isEmpty && items.allSatisfy { $0["vote_average"] is Double })
        }
    }

    @Test func genresListsTMDBsGenresWithTheirIDs() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/genres", method: .get) { response in
                let genres = try #require(try response.json()["genres"] as? [[String: Any]])
                #expect(genres.count >= 19)
                #expect(genres.contains { $0["id"] as? Int == 878 && $0["name"] as? String == "Science Fiction" })
            }
        }
    }

    @Test func healthReportsTheCatalogueSize() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let body = try response.json()
                #expect(body["status"] as? String == "healthy")
                #expect((body["catalogue"] as? [String: Any])?["ratings"] as? Int == 100_836)
            }
        }
    }

    @Test(arguments: [
        ("/movies/search", 400, "missing_parameter", "query parameter 'query' is required"),
        ("/movies/search?query=", 400, "missing_parameter", "query parameter 'query' is required"),
        ("/movies/search?query=x&page=0", 400, "invalid_parameter", "query parameter 'page' must be an integer from 1 to 500, got '0'"),
        ("/movies/search?query=x&page=two", 400, "invalid_parameter", "query parameter 'page' must be an integer from 1 to 500, got 'two'"),
        ("/movies/abc", 400, "invalid_parameter", "tmdb_id must be a positive integer, got 'abc'"),
        ("/movies/999999999", 404, "movie_not_found", "no movie with tmdb_id 999999999"),
        ("/no/such/route", 404, "not_found", "no route for GET /no/such/route"),
    ])
    func badRequestsGetAJSONErrorSayingWhatWasWrong(uri: String, status: Int, code: String, message: String) async throws {
        try await withRoutes { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status.code == status)
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == code)
                #expect(error["message"] as? String == message)
            }
        }
    }
}
