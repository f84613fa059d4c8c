import ArgumentParser
import RecLabCore
import RecLabServer
import RecLabServing

/// `reclab keys`: the client keys `ENABLE_AUTHENTICATION=true` lets in, kept hashed in API_KEYS_FILE.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the API keys clients use when ENABLE_AUTHENTICATION=true.",
        discussion: "Keys are stored as SHA-256 hashes in API_KEYS_FILE; a new key is printed once, as the last line of `keys add`. The server reads the file when it starts.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key for a client and print it (its last line of output).")
        @Argument(help: "The client's name: letters, digits, '-', '_', '.' or '@'.") var name: String
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            var file = try await Keys.file(options)
            let key = try Keys.refusing { try file.add(name: name) }
            print("added key '\(name)' to \(file.path); it is shown once, keep it:")
            print(key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clients that have a key (never the keys).")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let file = try await Keys.file(options)
            if file.entries.isEmpty { print("no keys in \(file.path)") }
            for entry in file.entries { print("\(entry.name)\tcreated \(entry.createdAt)") }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client's key (the server drops it at its next start).")
        @Argument(help: "The client's name.") var name: String
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            var file = try await Keys.file(options)
            guard try Keys.refusing({ try file.revoke(name: name) }) else {
                throw ValidationError("\(file.path) has no key named '\(name)'")
            }
            print("revoked key '\(name)'")
        }
    }

    static func file(_ options: ConfigurationOptions) async throws -> APIKeyFile {
        let path = try await options.load().apiKeysFile
        return try refusing { try APIKeyFile(path: path) }
    }

    /// A configuration refusal as the command's error message.
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
