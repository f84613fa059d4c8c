import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RecLabCore
import RecLabExperiments
import RecLabEvaluation
import RecLabServer
import RecLabServing
import PostgresNIO
import RecLabPostgres
import RecLabSQLite
import RecLabStore
import RecLabStrategies
import RecLabTMDB
import ServiceLifecycle

@main
struct Reclab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclab",
        abstract: "RecLab: a movie-recommendation service and lab.",
        discussion: """
            Start with `reclab serve`: on an empty database it imports the data sets in \
            RECLAB_DATA_DIR (or downloads MovieLens ml-latest-small) and serves the movie API \
            on port 8013. `reclab import PATH…` loads MovieLens, TMDB 5000 and IMDB 5000 \
            files into the database yourself. `reclab evaluate --config FILE` scores strategies \
            offline and writes a report the server then serves.
            """,
        subcommands: [Serve.self, Import.self, Fit.self, Evaluate.self, Experiments.self, Keys.self, Synth.self])

    /// The composition root for strategies: built once here, handed to everything that
    /// builds or checks a strategy instance.
    static let strategies = StrategyRegistry.standard

    /// The backend offline runs import their data sets into, as `serve` uses it.
    static let scratchStore: EvaluationJob.ScratchStore = { folder in try SQLiteStore(path: folder.appending(path: "catalogue.sqlite").path) }
}

/// The database a subcommand writes to: `--database`, else DATABASE_URL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite file or postgres:// URL to use (default: DATABASE_URL).")
    var database: String?

    @OptionGroup var configuration: ConfigurationOptions

    /// The store, opened (and migrated), and where it is.
    func open() async throws -> (store: any Repositories, location: DatabaseLocation) {
        var settings = try await configuration.load()
        if let database {
            settings.database = try DatabaseLocation(url: database)
        }
        return (try await StoreOpening.open(settings), settings.database)
    }
}

/// Opens the backend DATABASE_URL names: the one place that knows both.
enum StoreOpening {
    /// For a subcommand that may run beside a server (import, evaluate).
    static func open(_ configuration: ServerConfiguration) async throws -> any Repositories {
        switch configuration.database {
        case .sqlite(let path): try SQLiteStore(path: path)
        case .postgres(let url): try await openPostgres(url, configuration)
        }
    }

    /// For `serve`: a SQLite file is claimed (a second server on it is refused; the claim
    /// must live as long as the server) and checked before use. PostgreSQL is shared.
    static func openForServing(_ configuration: ServerConfiguration) async throws -> (store: any Repositories, claim: DatabaseFileClaim?) {
        switch configuration.database {
        case .sqlite(let path):
            // A DatabaseFileError ends the command with its message and exit status 1.
            let claim = try DatabaseFileClaim(path: path)
            return (try SQLiteStore.openChecked(path: path), claim)
        case .postgres(let url):
            return (try await openPostgres(url, configuration), nil)
        }
    }

    private static func openPostgres(_ url: String, _ configuration: ServerConfiguration) async throws -> PostgresStore {
        try await PostgresStore(
            url: url, poolSize: configuration.databasePoolSize, timeout: .seconds(configuration.databaseTimeout),
            logger: Logger(label: "reclab.postgres"))
    }
}

/// Options shared by the subcommands that read the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Environment file read after the process environment.")
    var envFile: String = ".env"

    func load() async throws -> ServerConfiguration {
        do {
            return try await ServerConfiguration.load(environmentFile: envFile)
        } catch let error as ServerConfiguration.InvalidValue {
            throw ValidationError(error.description)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the movie API over HTTP.",
        discussion: "Configured by environment variables (or a .env file):\n\n"
            + ServerConfiguration.variables.map { "  \($0.name) (default: \($0.defaultValue))\n      \($0.meaning)" }
                .joined(separator: "\n"))

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        do {
            try await serve()
        } catch let error as PSQLError {
            // PostgresNIO hides the server's message from `description`; the operator needs it.
            throw ValidationError("PostgreSQL: \(String(reflecting: error))")
        }
    }

    func serve() async throws {
        let configuration = try await options.load()
        LoggingSystem.bootstrap(configuration.logHandlerFactory)
        let logger = Logger(label: "reclab")
        let (strategies, experiments) = try ServedStrategies.load(configuration)
        var apiKeys: APIKeyFile?
        if configuration.authenticationEnabled {
            do {
                apiKeys = try APIKeyFile(path: configuration.apiKeysFile)
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
            guard apiKeys?.entries.isEmpty == false else {
                throw ValidationError("ENABLE_AUTHENTICATION=true but \(configuration.apiKeysFile) holds no key: add one with `reclab keys add NAME`")
            }
        }
        let (store, claim) = try await StoreOpening.openForServing(configuration)
        try await DefaultData.ensureCatalogue(store: store, configuration: configuration, logger: logger)
        let services = RecLabServices(
            configuration: configuration, store: store, registry: Reclab.strategies, strategies: strategies, experiments: experiments,
            sharing: try ModelHost.Sharing.configured(configuration, feed: store), scratch: Reclab.scratchStore, logger: logger)
        try await services.start()
        services.yieldBackgroundWorkToRequests()
        // The application runs the serving core's background services beside the HTTP server,
        // which stops first on SIGTERM; the exposure log writes its last batch last.
        let app = buildApplication(configuration: configuration, services: services, logger: logger, apiKeys: apiKeys)
        var lifecycle = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Stalled clients cannot hold a shutdown: past this, what is still running is cancelled.
        lifecycle.maximumGracefulShutdownDuration = .seconds(configuration.shutdownTimeout)
        lifecycle.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: lifecycle)
        try await group.run()
        withExtendedLifetime(claim) {}
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import data sets into the database, or enrich the catalogue from TMDB.",
        subcommands: [ImportFiles.self, ImportTMDB.self], defaultSubcommand: ImportFiles.self)
}

struct ImportFiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Import data sets into the database (the default: `reclab import PATH…`).",
        discussion: """
            Each PATH is a data set (a MovieLens folder, tmdb_5000_movies.csv, movie_metadata.csv) \
            or a folder holding some, such as ../shared/datasets. Everything is read and checked \
            before anything is written, in one transaction: a malformed file changes nothing. \
            Importing the same data again gives the same catalogue.
            """)

    @Argument(help: "Data set files or folders.")
    var paths: [String]

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (store, location) = try await database.open()
        let progress = ProgressLine()
        let report: CatalogueImport.Report
        do {
            report = try await CatalogueImport.run(paths: paths.map { URL(fileURLWithPath: $0) }, into: store, progress: progress.report)
        } catch let error as ImportError {
            progress.finish()
            throw ValidationError("import refused, nothing was changed: \(error)")
        }
        progress.finish()
        for loaded in report.datasets {
            var line = "loaded \(loaded.kind.rawValue) from \(loaded.location.path): \(loaded.movies) movies"
            if loaded.ratings > 0 { line += ", \(loaded.ratings) ratings" }
            print(line + " (\(loaded.rowsRead) rows)")
        }
        let counts = report.counts
        print("catalogue in \(location.description): \(counts.movies) movies, \(counts.genres) genres, \(counts.keywords) keywords, \(counts.people) people, \(counts.ratings) ratings by \(counts.ratingUsers) users")
    }
}

struct ImportTMDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tmdb",
        abstract: "Give catalogue movies TMDB's full details: overview, votes, keywords, cast, crew, images.",
        discussion: """
            Asks TMDB's API (TMDB_API_KEY or TMDB_READ_ACCESS_TOKEN, TMDB_BASE_URL) for every \
            catalogue movie with a TMDB id that TMDB's API has not described yet, at a polite \
            pace, and writes them 50 at a time: interrupted, a run loses at most one batch, and \
            the next run goes on where it stopped. Ids TMDB does not know are remembered and \
            skipped. A running server serves the new details after its next refit.
            """)

    @Option(help: "Enrich at most this many movies.")
    var limit: Int?

    @Option(help: "Requests a second, at most (TMDB allows about 50).")
    var rate: Double = 20

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard rate > 0, rate <= 50 else { throw ValidationError("--rate must be above 0 and at most 50") }
    }

    func run() async throws {
        let configuration = try await database.configuration.load()
        guard var tmdb = configuration.tmdb else {
            throw ValidationError("no TMDB credential: set TMDB_API_KEY (v3 key) or TMDB_READ_ACCESS_TOKEN")
        }
        tmdb.requestsPerSecond = rate
        tmdb.timeout = .seconds(30)
        let store = try await database.open().store
        let client = TMDBClient(configuration: tmdb, logger: Logger(label: "reclab.tmdb"))
        let progress = ProgressLine()
        let report: TMDBEnrichment.Report
        do {
            report = try await TMDBEnrichment(client: client, store: store).run(limit: limit, progress: progress.report)
        } catch let stopped as TMDBEnrichment.Stopped {
            progress.finish()
            throw ValidationError(stopped.description)
        }
        progress.finish()
        print("enriched \(report.enriched) movies from TMDB; \(report.unknownToTMDB) unknown to TMDB (skipped from now on); \(report.failed) failed (left for the next run)")
        let left = try await store.moviesAwaitingTMDBDetails(limit: nil).count
        print(left == 0 ? "every movie with a TMDB id has TMDB's details" : "\(left) movies still await TMDB's details: run again to go on")
    }
}

/// A progress display on standard error: one line redrawn in place on a terminal, a line per
/// finished step otherwise (logs and CI).
struct StatusLine: Sendable {
    let interactive = isatty(STDERR_FILENO) == 1

    func redraw(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    func finish() {
        if interactive { redraw("") }
    }
}

/// Import progress: a bar per phase.
struct ProgressLine: Sendable {
    let line = StatusLine()

    var report: ImportProgress {
        { [line] phase, done, total in
            if line.interactive {
                let width = 30
                let filled = total > 0 ? width * done / total : width
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                line.redraw("\(phase.padding(toLength: 24, withPad: " ", startingAt: 0)) \(bar) \(done)/\(total)")
            } else if done == total {
                line.log("\(phase): \(total) done")
            }
        }
    }

    func finish() { line.finish() }
}
