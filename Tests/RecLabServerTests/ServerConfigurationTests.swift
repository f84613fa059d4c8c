import Foundation
import Logging
import RecLabServer
import RecLabServing
import RecLabTMDB
import Testing

@Suite struct ServerConfigurationTests {
    @Test func theModelMemoryLimitDefaultsToThreeQuartersOfTheContainersMemoryAndZeroLiftsIt() throws {
        let gib: UInt64 = 1 << 30
        #expect(ServerConfiguration.availableMemory(physical: 24 * gib) { $0 == "/sys/fs/cgroup/memory.max" ? "4294967296\n" : nil } == 4 * gib)
        #expect(ServerConfiguration.availableMemory(physical: 24 * gib) { $0 == "/sys/fs/cgroup/memory.max" ? "max\n" : nil } == 24 * gib)
        #expect(ServerConfiguration.availableMemory(physical: 24 * gib) { $0.hasSuffix("memory.limit_in_bytes") ? "9223372036854771712" : nil } == 24 * gib)
        #expect(ServerConfiguration.availableMemory(physical: 24 * gib) { $0.hasSuffix("memory.limit_in_bytes") ? "2147483648" : nil } == 2 * gib)
        #expect(ServerConfiguration.availableMemory(physical: 24 * gib) { _ in nil } == 24 * gib)
        let defaults = try ServerConfiguration { _ in nil }
        #expect(defaults.modelMemoryLimit == Int(ServerConfiguration.availableMemory() / 4 * 3))
        #expect(try ServerConfiguration { $0 == "MODEL_MEMORY_LIMIT" ? "0" : nil }.modelMemoryLimit == nil)
        #expect(try ServerConfiguration { $0 == "MODEL_MEMORY_LIMIT" ? "1073741824" : nil }.modelMemoryLimit == 1 << 30)
    }

    @Test func defaultsFollowTheSeed() throws {
        let configuration = try ServerConfiguration { _ in nil }
        #expect(configuration.port == 8013)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.database == .sqlite(path: "movie_recommendation.db"))
        #expect(configuration.maxRecommendations == 50)
        #expect(configuration.logLevel == .info)
    }

    /// A default is written once, in the variable table `--help` and the README show: a
    /// configuration without the variable is the configuration with it set to that default.
    @Test func everyDocumentedDefaultIsTheValueTheServerUses() throws {
        let unset = String(describing: try ServerConfiguration { _ in nil })
        var checked = 0
        for variable in ServerConfiguration.variables where !variable.defaultValue.hasPrefix("(") && !variable.defaultValue.contains(" ") {
            let explicit = try ServerConfiguration { $0 == variable.name ? variable.defaultValue : nil }
            #expect(String(describing: explicit) == unset, "\(variable.name)=\(variable.defaultValue)")
            checked += 1
        }
        #expect(checked >= 40)
    }

    @Test func tmdbIsOnWithAKeyOrATokenAndGetsHalfTheRequestsTime() throws {
        #expect(try ServerConfiguration { _ in nil }.tmdb == nil)
        let key = try #require(try ServerConfiguration { ["TMDB_API_KEY": "k", "REQUEST_TIMEOUT": "4"][$0] }.tmdb)
        #expect(key.credential == .apiKey("k") && key.baseURL == "https://api.themoviedb.org/3" && key.timeout == .seconds(2))
        let both = try #require(try ServerConfiguration { ["TMDB_API_KEY": "k", "TMDB_READ_ACCESS_TOKEN": "t", "TMDB_BASE_URL": "http://127.0.0.1:9/3/"][$0] }.tmdb)
        #expect(both.credential == .bearer("t") && both.baseURL == "http://127.0.0.1:9/3" && both.timeout == .seconds(10))
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration { ["TMDB_BASE_URL": "api.themoviedb.org"][$0] } }
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration { ["TRENDING_CACHE_TTL": "0"][$0] } }
    }

    @Test func postgresURLsChooseThePostgresBackendWithItsPoolAndTimeout() throws {
        let values = ["DATABASE_URL": "postgres://reclab:secret@127.0.0.1:5433/reclab", "DATABASE_POOL_SIZE": "4", "DATABASE_TIMEOUT": "5"]
        let configuration = try ServerConfiguration { values[$0] }
        #expect(configuration.database == .postgres(url: "postgres://reclab:secret@127.0.0.1:5433/reclab"))
        #expect(configuration.database.description == "postgres://reclab:***@127.0.0.1:5433/reclab")
        #expect(configuration.databasePoolSize == 4 && configuration.databaseTimeout == 5)
        let defaults = try ServerConfiguration { _ in nil }
        #expect(defaults.databasePoolSize == 10 && defaults.databaseTimeout == 30)
    }

    @Test func sqliteURLsAndQuotedValuesAreUnderstood() throws {
        let values = ["DATABASE_URL": "sqlite:///var/lib/reclab.db", "LOG_LEVEL": "\"debug\"", "PORT": "'9000'"]
        let configuration = try ServerConfiguration { values[$0] }
        #expect(configuration.database == .sqlite(path: "/var/lib/reclab.db"))
        #expect(configuration.logLevel == .debug)
        #expect(configuration.port == 9000)
    }

    @Test(arguments: [
        ("PORT", "eighty", "invalid PORT='eighty': expected an integer from 0 to 65535"),
        ("PORT", "70000", "invalid PORT='70000': expected an integer from 0 to 65535"),
        ("MAX_RECOMMENDATIONS", "0", "invalid MAX_RECOMMENDATIONS='0': expected an integer from 1 to 1000"),
        ("LOG_LEVEL", "loud", "invalid LOG_LEVEL='loud': expected one of TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "xml", "invalid LOG_FORMAT='xml': expected text or json"),
        ("DATABASE_URL", "mysql://db/reclab", "invalid DATABASE_URL='mysql://db/reclab': expected a file path, sqlite:///path, or postgres://user@host/database"),
        ("DATABASE_URL", "postgres://reclab:secret@db", "invalid DATABASE_URL='postgres://reclab:***@db': expected postgres://user[:password]@host[:port]/database"),
        ("DATABASE_POOL_SIZE", "1", "invalid DATABASE_POOL_SIZE='1': expected an integer from 2 to 1000"),
    ])
    func anInvalidValueIsRefusedNamingTheVariable(name: String, value: String, message: String) {
        #expect(throws: ServerConfiguration.InvalidValue.self) { try ServerConfiguration { $0 == name ? value : nil } }
        do {
            _ = try ServerConfiguration { $0 == name ? value : nil }
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func dotEnvFileIsReadAndTheEnvironmentWins() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(".env")
        try "MAX_RECOMMENDATIONS=25\nCACHE_TTL=60\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try await ServerConfiguration.load(environmentFile: file.path)
        #expect(configuration.maxRecommendations == 25)
        #expect(configuration.cacheTTL == 60)
    }
}
