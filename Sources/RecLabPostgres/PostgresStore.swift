import Foundation
import Logging
import PostgresNIO
import RecLabCore
import RecLabStore

/// The PostgreSQL backend of RecLab's repositories, for several replicas sharing one
/// database: a pool of connections, the schema's own migrations, and a change feed that
/// wakes every replica through `LISTEN/NOTIFY`.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The database's URL, as DATABASE_URL gave it.
    public let url: String
    /// What this store's change announcements carry, so that it knows its own.
    let changeToken = UUID().uuidString
    private let running: Task<Void, Never>

    /// Connects to the database `url` names (postgres://user:password@host:port/database),
    /// with at most `poolSize` connections, and runs pending migrations.
    public init(url: String, poolSize: Int = 10, timeout: Duration = .seconds(30), logger: Logger = Logger(label: "reclab.postgres")) async throws {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = timeout
        // Every session commits synchronously (the server default, said out loud: an
        // acknowledged write is on disk) and gives up on a statement after `timeout`.
        configuration.options.additionalStartupParameters = [
            ("synchronous_commit", "on"),
            ("statement_timeout", "\(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)"),
            ("application_name", "reclab"),
        ]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.url = url
        self.logger = logger
        // Started at once, up to its first suspension: the pool is running before the
        // migrations lease a connection from it.
        running = Task.immediate { await client.run() }
        do {
            try await PostgresSchema.migrate(client, logger: logger)
        } catch {
            running.cancel()
            throw error
        }
    }

    deinit { running.cancel() }

    /// Closes every connection; the store answers nothing afterwards.
    public func close() {
        running.cancel()
    }

    /// The names of the migrations applied to this database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await client.query("SELECT name FROM schema_migrations ORDER BY applied_at, name", logger: logger).collect()
            .map { try $0.decode(String.self) }
    }

    /// Whether the database answers a trivial query.
    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }

    /// The client configuration for a postgres:// URL: user, password, host, port and
    /// database, and `sslmode` (disable, prefer or require; prefer when absent).
    static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw InvalidDatabaseURL(reason: "expected postgres://user[:password]@host[:port]/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw InvalidDatabaseURL(reason: "sslmode must be disable, prefer or require")
        }
        return PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.percentEncodedUser?.removingPercentEncoding ?? "postgres",
            password: components.percentEncodedPassword?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: tls)
    }
}

/// A postgres:// URL the store cannot connect with, and why (the URL itself is left out: it
/// may hold a password).
public struct InvalidDatabaseURL: Error, CustomStringConvertible {
    public var reason: String

    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}

extension PostgresStore {
    /// Runs `body` in one transaction on one connection; what `body` throws is rethrown as it
    /// is (a `StoreError` stays one), once the transaction is rolled back.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
            throw error
        }
    }

    /// Runs `body`'s reads on one snapshot of the database (a read-only repeatable-read
    /// transaction), as a SQLite read transaction gives: the tables agree with each other.
    func snapshotRead<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Every row of `query`, each read by column name.
    func rows(_ query: PostgresQuery, on connection: PostgresConnection? = nil) async throws -> [PostgresRandomAccessRow] {
        let sequence = if let connection { try await connection.query(query, logger: logger) } else { try await client.query(query, logger: logger) }
        return try await sequence.collect().map { $0.makeRandomAccess() }
    }
}

extension PostgresRandomAccessRow {
    /// The column's value; a NULL decodes as nil into an optional type.
    func get<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try self[column].decode(Value.self)
    }
}

extension PostgresConnection {
    /// Runs `sql` with `?` placeholders bound to `arguments`, in order.
    func execute(_ sql: String, _ arguments: [SQLValue], logger: Logger) async throws {
        try await query(PostgresQuery(placeholders: sql, arguments), logger: logger)
    }
}

extension PostgresQuery {
    /// A query from SQL with `?` placeholders, which become `$1`, `$2`…, bound in order.
    init(placeholders sql: String, _ arguments: [SQLValue]) {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { bindings.append(argument) }
        self.init(unsafeSQL: PlaceholderSQL.numbered(sql), binds: bindings)
    }
}

/// SQL text with SQLite's `?` placeholders, as both backends share it, in PostgreSQL's
/// numbered form. A `?` inside a string literal (`'…'`, `E'…'`, `$tag$…$tag$`), a quoted
/// identifier (`"…"`) or a comment (`-- …`, `/* … */`, nested) is text, not a placeholder;
/// PostgreSQL's own `?` operators (jsonb) cannot be written in such SQL.
public enum PlaceholderSQL {
    public static func numbered(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var number = 0
        var i = 0
        /// Copies up to and including the first `terminator` from `i` (to the end if none).
        func copy(through terminator: [UInt8]) {
            while i < bytes.count {
                if bytes[i...].starts(with: terminator) {
                    out += terminator
                    i += terminator.count
                    return
                }
                out.append(bytes[i])
                i += 1
            }
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "?"):
                number += 1
                out += Array("$\(number)".utf8)
                i += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // A doubled quote inside is the quote itself: copying to each quote in turn keeps it.
                out.append(byte)
                i += 1
                copy(through: [byte])
            case UInt8(ascii: "-") where bytes[i...].starts(with: Array("--".utf8)):
                copy(through: [UInt8(ascii: "\n")])
            case UInt8(ascii: "/") where bytes[i...].starts(with: Array("/*".utf8)):
                var depth = 0
                while i < bytes.count {
                    if bytes[i...].starts(with: Array("/*".utf8)) {
                        depth += 1
                        out += Array("/*".utf8)
                        i += 2
                    } else if bytes[i...].starts(with: Array("*/".utf8)) {
                        depth -= 1
                        out += Array("*/".utf8)
                        i += 2
                        if depth == 0 { break }
                    } else {
                        out.append(bytes[i])
                        i += 1
                    }
                }
            case UInt8(ascii: "$"):
                // `$tag$ … $tag$` (the tag may be empty); `$1` is a parameter already.
                var end = i + 1
                while end < bytes.count, bytes[end] == UInt8(ascii: "_") || (bytes[end] | 0x20 >= UInt8(ascii: "a") && bytes[end] | 0x20 <= UInt8(ascii: "z")) {
                    end += 1
                }
                if end < bytes.count, bytes[end] == UInt8(ascii: "$") {
                    let tag = Array(bytes[i...end])
                    out += tag
                    i = end + 1
                    copy(through: tag)
                } else {
                    out.append(byte)
                    i += 1
                }
            default:
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PostgresBindings {
    mutating func append(_ value: SQLValue) {
        switch value {
        case .null: appendNull()
        case .integer(let value): append(value)
        case .real(let value): append(value)
        case .text(let value): append(value)
        }
    }
}
