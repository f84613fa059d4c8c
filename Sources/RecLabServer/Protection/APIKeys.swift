import Crypto
import Foundation
import Logging
import RecLabCore
import RecLabDatasets
import RecLabServing
import Synchronization

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
        SHA256.hash(data: Data(key.utf8)).hex
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

/// The keys authentication accepts now: `API_KEYS_FILE`'s, read again whenever the file
/// changes (looked at no more than once a second, by the request that comes) and on
/// `POST /admin/keys/reload`, so a key revoked with `reclab keys revoke` stops working within
/// a second, without a restart. A file that cannot be read keeps the keys there were.
public final class APIKeyRing: Sendable {
    private struct State {
        /// Each key's name and SHA-256, as bytes for swift-crypto's constant-time comparison.
        var keys: [(name: String, digest: [UInt8])]
        var signature: FileSignature?
        var checkedAt: ContinuousClock.Instant

        init(_ entries: [APIKeyFile.Entry], signature: FileSignature?) {
            keys = entries.map { ($0.name, Self.bytes(hex: $0.hash)) }
            self.signature = signature
            checkedAt = .now
        }

        private static func bytes(hex: String) -> [UInt8] {
            let digits = Array(hex.utf8)
            return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) ?? 0 }
        }
    }

    /// What tells a changed file: a rename over it gives a new inode, an edit a new time or size.
    private struct FileSignature: Equatable {
        let inode: UInt64
        let modified: timespec
        let size: Int64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            inode = UInt64(info.st_ino)
            modified = info.st_mtim
            size = Int64(info.st_size)
        }

        static func == (a: Self, b: Self) -> Bool {
            a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    public let path: String
    /// The admin key's SHA-256: it opens every door the client keys do.
    private let adminDigest: SHA256Digest?
    private let state: Mutex<State>
    static let checkInterval = Duration.seconds(1)

    public init(file: APIKeyFile, adminKey: String?) {
        path = file.path
        adminDigest = adminKey.map { SHA256.hash(data: Data($0.utf8)) }
        state = Mutex(State(file.entries, signature: FileSignature(path: file.path)))
    }

    /// The client a key names (`key:NAME`, or `admin`), nil for a key not known. Every stored
    /// digest is compared in constant time (swift-crypto's), whichever matches.
    func client(of key: String, logger: Logger) -> String? {
        refreshIfChanged(logger: logger)
        let given = SHA256.hash(data: Data(key.utf8))
        var client: String?
        for entry in state.withLock({ $0.keys }) where given == entry.digest { client = "key:\(entry.name)" }
        if let adminDigest, given == adminDigest { client = "admin" }
        return client
    }

    /// Reads the file now; the number of keys it holds. Throws (keeping the old keys) when
    /// the file cannot be read.
    @discardableResult
    public func reload() throws -> Int {
        let signature = FileSignature(path: path)
        let file = try APIKeyFile(path: path)
        state.withLock { $0 = State(file.entries, signature: signature) }
        return file.entries.count
    }

    private func refreshIfChanged(logger: Logger) {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard now - state.checkedAt >= Self.checkInterval else { return nil as FileSignature?? }
            state.checkedAt = now
            return .some(state.signature)
        }
        guard let known = due, FileSignature(path: path) != known else { return }
        do {
            let count = try reload()
            logger.notice("API keys file changed: reloaded", metadata: ["path": "\(path)", "keys": "\(count)"])
        } catch {
            logger.error("API keys file changed but cannot be read; the keys loaded before stay", metadata: ["path": "\(path)", "error": "\(error)"])
            // Not again until the file changes again.
            state.withLock { $0.signature = FileSignature(path: path) }
        }
    }
}
