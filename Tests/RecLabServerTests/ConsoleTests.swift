import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabServer
import RecLabServing
import TestSupport
import Testing

/// The console's pages through the real router: what each shows, what it refuses, and what it
/// keeps from a browser without the client key.
@Suite struct ConsoleTests {
    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key"]

    @Test func theRootRedirectsToTheConsole() async throws {
        try await withRoutes { client in
            let answer = try await client.execute(uri: "/", method: .get)
            #expect(answer.status == .found)
            #expect(answer.headers[.location] == "/console")
        }
    }

    @Test func everyPageIsHTMLThatLoadsScriptsOnlyFromThisServerAndImagesFromTMDB() async throws {
        try await withRoutes { client in
            for uri in ["/console", "/console/users/1", "/console/movies/603", "/console/evaluations", "/console/experiments", "/console/search?query=alien"] {
                let answer = try await client.execute(uri: uri, method: .get)
                #expect(answer.status == .ok, "\(uri)")
                #expect(answer.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
                let policy = try #require(answer.headers[HTTPField.Name("Content-Security-Policy")!], "\(uri)")
                #expect(policy.contains("script-src 'self'") && policy.contains("img-src 'self' data: https://image.tmdb.org"), "\(uri): \(policy)")
                let html = String(buffer: answer.body)
                #expect(html.hasPrefix("<!doctype html>") && html.contains(#"<html lang="en">"#), "\(uri)")
                #expect(html.contains(#"<script src="/console/assets/console.js" defer>"#), "\(uri)")
                // Posters may come from TMDB's image host; nothing else from another host.
                #expect(html.range(of: #"<(script|link)[^>]+(src|href)="https?://"#, options: .regularExpression) == nil, "\(uri)")
            }
        }
    }

    @Test func aUserPageShowsEveryConfiguredInstancesTopTenWithTheUserSurfacesFirst() async throws {
        try await withRoutes { client in
            let html = String(buffer: try await client.execute(uri: "/console/users/1", method: .get).body)
            let instances = html.matches(of: /data-instance="([a-z-]+)"/).map { String($0.output.1) }
            #expect(instances == ["personalized", "hybrid", "content", "genre", "popular", "top-rated", "trending", "sequential", "slist"])
            #expect(html.matches(of: /<li class="movie/).count == 10 * instances.count)
            #expect(html.contains("Because you liked"))
            #expect(html.contains("the genre 1 liked most"), "the genre column says which genre it was asked for")
            #expect(html.contains(#"class="movie shared""#))
            #expect(html.contains("rated or marked movies; the latest first"))
        }
    }

    @Test func aRatingThroughTheAPIChangesTheUsersListsAtOnce() async throws {
        try await withRoutes { client in
            let user = "console-\(UUID().uuidString.prefix(8))"
            let before = String(buffer: try await client.execute(uri: "/console/users/\(user)?part=main", method: .get).body)
            #expect(before.contains("No history yet"))
            #expect(!before.contains("<html"), "the main part comes without the layout")
            try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 603, "rating": 5}"#)
            let after = String(buffer: try await client.execute(uri: "/console/users/\(user)?part=main", method: .get).body)
            #expect(after.contains("1 rated or marked movies"))
            #expect(after.contains("rated 5.0"))
            #expect(after.contains("Because you liked The Matrix"))
            #expect(!after.contains(#"data-tmdb-id="603""#), "a rated movie leaves the lists")
        }
    }

    @Test func aMoviePageNamesTheInstancesAndUsersWhoseListsHeldIt() async throws {
        try await withRoutes { client in
            let user = "lister-\(UUID().uuidString.prefix(8))"
            try await client.post("/users/\(user)/preferences", json: #"{"movie_id": 27205, "rating": 5}"#)
            let shown = try await client.execute(uri: "/users/\(user)/recommendations/personalized?limit=3", method: .get).recommendedIDs()
            let movie = try #require(shown.first)
            let html = String(buffer: try await client.execute(uri: "/console/movies/\(movie)", method: .get).body)
            #expect(html.contains(#"<a href="/console/users/\#(user)">user \#(user)</a>"#))
            // The personalized surface's instance, or the experiment variant serving the user.
            #expect(html.contains("<strong>personalized"))
            let matrix = String(buffer: try await client.execute(uri: "/console/movies/603", method: .get).body)
            #expect(matrix.contains("The Matrix Reloaded"))
            #expect(matrix.contains("278 ratings in the imported data"))
        }
    }

    @Test func twoRunsCompareStrategyByStrategyAndARunWithItselfIsATie() async throws {
        let report = try await EvaluationAPITests.evaluation.value.report
        try await withRoutes { client in
            let html = String(buffer: try await client.execute(uri: "/console/evaluations?a=\(report.id)&b=\(report.id)", method: .get).body)
            #expect(html.contains("Same data and users"))
            #expect(html.contains(#"<th scope="row">most-popular</th>"#))
            #expect(html.contains("+0.0000 to +0.0000") && html.contains("<td>tie</td>"))
            #expect(try await client.execute(uri: "/console/evaluations?a=\(report.id)&b=nope", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/console/evaluations?b=\(report.id)", method: .get).status == .badRequest)
        }
    }

    @Test func theLiveFiguresCountEachRoutesRequests() async throws {
        try await withRoutes { client in
            for _ in 0..<3 { _ = try await client.execute(uri: "/genres", method: .get) }
            let figures = try await client.execute(uri: "/console/live", method: .get).json()
            let routes = try #require(figures["routes"] as? [[String: Any]])
            let genres = try #require(routes.first { $0["route"] as? String == "/genres" })
            #expect(Int((genres["requests"] as? String ?? "").replacingOccurrences(of: ",", with: "")) ?? 0 >= 3)
            #expect((genres["p99"] as? String)?.hasSuffix(" ms") == true)
        }
    }

    @Test func withAuthenticationAPageWithoutAKeyCarriesNoDataAndItsDataNeedTheKey() async throws {
        try await withRoutes(environment: ["ENABLE_AUTHENTICATION": "true"]) { client in
            let shell = try await client.execute(uri: "/console/users/1", method: .get)
            #expect(shell.status == .ok)
            let html = String(buffer: shell.body)
            #expect(html.contains(#"data-client-key="required""#) && html.contains("A client key is needed"))
            #expect(!html.contains("Because you liked") && !html.contains("data-instance"))
            #expect(try await client.execute(uri: "/console/users/1?part=main", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/console/live", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/genres", method: .get).status == .unauthorized)
            let keyed = try await client.execute(uri: "/console/users/1?part=main", method: .get, headers: Self.admin)
            #expect(String(buffer: keyed.body).contains("Because you liked"))
        }
    }

    @Test func badInputGetsAJSONErrorNamingIt() async throws {
        try await withRoutes { client in
            for (uri, status) in [
                ("/console/users?user_id=not%20valid", HTTPResponse.Status.badRequest), ("/console?part=all", .badRequest),
                ("/console/movies/999999999", .notFound), ("/console/search", .badRequest), ("/console/assets/nope.js", .notFound),
            ] {
                let answer = try await client.execute(uri: uri, method: .get)
                #expect(answer.status == status, "\(uri)")
                #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri)")
            }
            let opened = try await client.execute(uri: "/console/users?user_id=42", method: .get)
            #expect(opened.status == .found && opened.headers[.location] == "/console/users/42")
        }
    }
}
