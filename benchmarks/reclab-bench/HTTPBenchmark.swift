import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RecLabSQLite
import RecLabStore

/// The ceiling `scripts/bench-http.sh` compares RecLab's routes with: a bare Hummingbird
/// server (no middleware) whose one route encodes a fixed 10-item JSON list per request.
struct Ceiling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve GET /ceiling, a bare Hummingbird route answering a fixed 10-item JSON list, until stopped.")

    @Option(help: "Port on 127.0.0.1.")
    var port: Int = 8099

    /// One list entry, shaped like a short recommendation.
    struct Item: ResponseEncodable {
        let movieID: Int
        let title: String
        let score: Double
    }

    func run() async throws {
        let items = (0..<10).map { Item(movieID: 27205 + $0, title: "Movie number \($0)", score: 1 / Double($0 + 1)) }
        let router = Router()
        router.get("ceiling") { _, _ in items }
        var logger = Logger(label: "ceiling")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
    }
}

/// Prints the mixed search workload, one percent-encoded query per line, for wrk to replay.
struct SearchQueries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-queries", abstract: "Print the mixed search workload, one percent-encoded query per line.")

    @Option(help: "SQLite database holding the catalogue.")
    var database: String

    @Option(help: "Queries to print.")
    var count: Int = 1_000

    func run() async throws {
        let workload = SearchWorkload(count: count, contents: try await SQLiteStore(path: database).contents())
        for query in workload.queries {
            print(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        }
    }
}
