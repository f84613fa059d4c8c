import Foundation
import RecLabCore
import RecLabDatasets

/// The clients allowed in when `ENABLE_AUTHENTICATION=true`: `API_KEYS_FILE`, one line per key,
/// `name sha256-of-the-key created-at`. Only hashes are stored, so the file leaks no key; a key
/// is shown once, when `reclab keys add` makes it.
public struct APIKeyFile: Sendable {
    /// One client's key, as stored.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let hash: String
        public let createdAt: String
    }

    public let path: String
    public private(set) var entries: [Entry]

    /// A set of keys in memory, for `path`.
    public init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    /// Reads the file; a missing file holds no keys.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            entries = []
            return
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        entries = try text.split(separator: "\n").enumerated().compactMap { number, line in
            let fields = line.split(separator: " ").map(String.init)
            if line.hasPrefix("#") || fields.isEmpty { return nil }
            guard fields.count == 3, fields[1].count == 64, fields[1].allSatisfy(\.isHexDigit) else {
                throw ConfigurationError("\(path):\(number + 1): expected 'name sha256 created-at', got '\(line)'")
            }
            return Entry(name: fields[0], hash: fields[1], createdAt: fields[2])
        }
    }

    /// Makes a new key for `name`, stores its hash and returns the key (shown once).
    public mutating func add(name: String) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw ConfigurationError("a key name is letters, digits, '-', '_', '.' or '@', got '\(name)'")
        }
        guard !entries.contains(where: { $0.name == name }) else {
            throw ConfigurationError("\(path) already has a key named '\(name)'; revoke it first")
        }
        var generator = SystemRandomNumberGenerator()
        let key = "rlk_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        entries.append(Entry(name: name, hash: Self.hash(key), createdAt: Date().formatted(.iso8601)))
        try save()
        return key
    }

    /// Removes the key named `name`; false when there is none.
    public mutating func revoke(name: String) throws -> Bool {
        let before = entries.count
        entries.removeAll { $0.name == name }
        guard entries.count < before else { return false }
        try save()
        return true
    }

    /// The SHA-256 of a key, as the file stores it.
    public static func hash(_ key: String) -> String {
        var digest = SHA256()
        digest.update(Array(key.utf8))
        return digest.finalize()
    }

    /// Writes the whole file to a temporary neighbour and renames it over the old one, owner-only.
    private func save() throws {
        let text = "# RecLab API keys: name, SHA-256 of the key, created at. Managed by `reclab keys`.\n"
            + entries.map { "\($0.name) \($0.hash) \($0.createdAt)\n" }.joined()
        let temporary = path + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
        guard rename(temporary, path) == 0 else {
            throw ConfigurationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
