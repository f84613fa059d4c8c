import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RecLabCore
import RecLabSearch
import RecLabSQLite
import RecLabServer
import RecLabServing
import RecLabStore
import RecLabStrategies

/// RecLab's benchmarks: run in release, print Markdown that is committed under benchmarks/.
@main
struct ReclabBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclab-bench",
        abstract: "Measure RecLab (release build) and print the figures as Markdown.",
        subcommands: [
            Foundation_.self, StrategiesBenchmark.self, ExperimentsBenchmark.self, ObservabilityBenchmark.self, Ceiling.self, SearchQueries.self,
            ScaleBenchmark.self, ControlsBenchmark.self, ConsoleBenchmark.self,
        ])

    /// Built once, as `reclab` builds it, and handed to every benchmark.
    static let strategies = StrategyRegistry.standard
}

/// The foundation issue's figures: import time and search latency.
struct Foundation_: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "foundation", abstract: "Import time of the three data sets; search latency in-process and over HTTP.")

    @Option(help: "Folder holding ml-latest-small, tmdb-5000 and imdb-5000.")
    var datasets: String = "../shared/datasets"

    @Option(help: "Import runs per data set (the median is reported).")
    var runs: Int = 3

    @Option(help: "Search queries to time.")
    var queries: Int = 1_000

    func run() async throws {
        let root = URL(fileURLWithPath: datasets)
        print("# Foundation benchmark\n")
        print("Release build, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date().formatted(.iso8601)). Regenerate with `swift run -c release reclab-bench foundation > benchmarks/foundation.md`.\n")
        print("## Import (fresh database each run, median of \(runs))\n")
        print("| data set | movies read | ratings | seconds |")
        print("| --- | ---: | ---: | ---: |")
        let sets: [(String, [URL])] = [
            ("MovieLens ml-latest-small", [root.appending(path: "ml-latest-small")]),
            ("TMDB 5000", [root.appending(path: "tmdb-5000")]),
            ("IMDB 5000", [root.appending(path: "imdb-5000")]),
            ("all three together", [root]),
        ]
        var store: SQLiteStore?
        for (name, paths) in sets {
            var seconds: [Double] = []
            var report: CatalogueImport.Report?
            for _ in 0..<runs {
                let fresh = try SQLiteStore(path: temporaryDatabase())
                let clock = ContinuousClock.now
                report = try await CatalogueImport.run(paths: paths, into: fresh)
                seconds.append((ContinuousClock.now - clock).seconds)
                store = fresh
            }
            let movies = report!.datasets.map(\.movies).reduce(0, +)
            let ratings = report!.datasets.map(\.ratings).reduce(0, +)
            print("| \(name) | \(movies) | \(ratings) | \(format(median(seconds), digits: 2)) |")
        }
        let catalogue = store!
        let counts = try await catalogue.counts()
        print("\nThe full catalogue: \(counts.movies) movies, \(counts.keywords) keywords, \(counts.people) people, \(counts.ratings) ratings.\n")

        let clock = ContinuousClock.now
        let contents = try await catalogue.contents()
        let read = (ContinuousClock.now - clock).seconds
        let index = SearchIndex(contents.movies.map { SearchDocument($0, audience: contents.audience[$0.id] ?? 0) })
        print("Reading the catalogue into memory: \(format(read, digits: 2)) s; building the search index: \(format((ContinuousClock.now - clock).seconds - read, digits: 2)) s (\(index.precomputedLists) precomputed impact lists).\n")

        let workload = SearchWorkload(count: queries, contents: contents)
        print("## Search latency, \(workload.queries.count) varied queries\n")
        print("Queries: \(SearchWorkload.description).\n")
        print("| path | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for query in workload.queries.prefix(50) { _ = index.search(query, offset: 0, limit: 20) }
        var inProcess: [Double] = []
        for query in workload.queries {
            let clock = ContinuousClock.now
            _ = index.search(query, offset: 0, limit: 20)
            inProcess.append((ContinuousClock.now - clock).seconds * 1000)
        }
        print(row("in-process (`SearchIndex.search`)", inProcess))
        var byKind: [String: [Double]] = [:]
        for (kind, time) in zip(workload.kinds, inProcess) { byKind[kind, default: []].append(time) }
        for kind in SearchWorkload.kindNames { print(row("in-process, \(kind) queries only", byKind[kind] ?? [0])) }

        let configuration = try ServerConfiguration { ["HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "warning"][$0] }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let services = RecLabServices(
            configuration: configuration, store: catalogue, registry: ReclabBench.strategies,
            strategies: try StrategyConfiguration.parse(Self.minimalStrategies, registry: ReclabBench.strategies), logger: logger)
        try await services.catalogue.reload()
        let app = buildApplication(configuration: configuration, services: services, logger: logger)
        let overHTTP = try await app.test(.live) { client -> [Double] in
            var timings: [Double] = []
            for query in workload.queries.prefix(50) { _ = try await client.execute(uri: Self.searchURI(query), method: .get) }
            for query in workload.queries {
                let clock = ContinuousClock.now
                let response = try await client.execute(uri: Self.searchURI(query), method: .get)
                precondition(response.status == .ok, "search failed for \(query)")
                timings.append((ContinuousClock.now - clock).seconds * 1000)
            }
            return timings
        }
        print(row("over HTTP (`GET /movies/search`, one keep-alive client on 127.0.0.1)", overHTTP))
    }

    /// Search needs no fitted model; the application still wants a strategy configuration.
    static let minimalStrategies = """
        strategies:
          - { name: popular, strategy: popularity }
        surfaces: { similar: popular, genre: popular, popular: popular, top-rated: popular, trending: popular, personalized: popular, hybrid: popular }
        """

    static func searchURI(_ query: String) -> String {
        "/movies/search?query=" + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    func row(_ name: String, _ milliseconds: [Double]) -> String {
        let sorted = milliseconds.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        let mean = sorted.reduce(0, +) / Double(sorted.count)
        return "| \(name) | \(format(percentile(0.5), digits: 3)) | \(format(percentile(0.9), digits: 3)) | \(format(percentile(0.99), digits: 3)) | \(format(sorted.last!, digits: 3)) | \(format(mean, digits: 3)) |"
    }

    func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appending(path: "reclab-bench-\(UUID().uuidString).sqlite").path
    }
}

/// A deterministic mix of the queries people type: whole titles, title prefixes, titles with
/// a typo, people's names, keywords, single common words, one- and two-letter prefixes.
struct SearchWorkload {
    static let kindNames = ["title", "prefix", "typo", "person", "keyword", "common word", "one letter", "two letters"]
    static let description = """
        in turn a whole title, a 4-letter title prefix, a title word missing a letter, a director or actor, a keyword, \
        a single common word (the, love, man, …), a one-letter and a two-letter prefix; drawn from the 500 most widely \
        rated movies with a fixed seed
        """
    static let commonWords = ["the", "love", "man", "war", "night", "life", "day", "world", "girl", "king", "story", "of", "and", "in"]

    let queries: [String]
    let kinds: [String]

    init(count: Int, contents: CatalogueContents) {
        // The most widely rated movies, as a pool of realistic words; walked with a fixed
        // seed so every run times the same queries.
        let pool = contents.movies.sorted { (contents.audience[$0.id] ?? 0, $1.id) > (contents.audience[$1.id] ?? 0, $0.id) }.prefix(500)
        var generator = SeededGenerator(seed: 2026)
        var queries: [String] = []
        var kinds: [String] = []
        while queries.count < count {
            let movie = pool[pool.startIndex + Int(generator.next() % UInt64(pool.count))]
            let words = movie.title.split(separator: " ").map(String.init).filter { $0.count >= 4 }
            let kind = Self.kindNames[kinds.count % Self.kindNames.count]
            var query: String?
            switch kind {
            case "title": query = movie.title
            case "prefix": query = words.first.map { String($0.prefix(4)) }
            case "typo":
                if var letters = words.first.map(Array.init), letters.count >= 5 {
                    letters.remove(at: Int(generator.next() % UInt64(letters.count - 1)) + 1)
                    query = String(letters)
                }
            case "person": query = movie.crew.first?.name ?? movie.cast.first?.name
            case "keyword": query = movie.keywords.first
            case "common word": query = Self.commonWords[Int(generator.next() % UInt64(Self.commonWords.count))]
            case "one letter": query = movie.title.first.map { String($0).lowercased() }
            default: query = words.first.map { String($0.prefix(2)).lowercased() }
            }
            // A kind this movie cannot give is tried again with the next movie.
            guard let query else { continue }
            kinds.append(kind)
            queries.append(query)
        }
        self.queries = queries
        self.kinds = kinds
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func format(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// Sends each worker's requests over its own keep-alive connection to 127.0.0.1:`port`, the
/// workers at once, and returns every request's latency in milliseconds; any answer but 200
/// stops the benchmark.
func concurrentLatencies(port: Int, workers: Int, requests: @escaping @Sendable (_ worker: Int) -> [TestClient.Request]) async throws -> [Double] {
    try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<workers {
            group.addTask {
                let connection = TestClient(host: "127.0.0.1", port: port)
                connection.connect()
                defer { Task { try? await connection.shutdown() } }
                var timings: [Double] = []
                for request in requests(worker) {
                    let started = ContinuousClock.now
                    let response = try await connection.execute(request)
                    precondition(response.status == .ok, "\(request.head.path ?? "") answered \(response.status)")
                    timings.append((ContinuousClock.now - started).seconds * 1000)
                }
                return timings
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
}

/// The value below which `share` of the sorted values fall.
func percentile(_ sorted: [Double], _ share: Double) -> Double {
    sorted[min(sorted.count - 1, max(0, Int((share * Double(sorted.count)).rounded(.up)) - 1))]
}
