import Crypto
import Foundation
import RecLabCore
import RecLabDatasets
#if canImport(Glibc)
import Glibc
#endif

/// A folder of model generations: every strategy instance's fitted state and the catalogue
/// they were fitted on, written once by the process that fitted them and loaded by every
/// replica instead of fitting.
///
/// A generation is written into a hidden `.incoming-…` folder and renamed into place only
/// when every file is on disk: the rename is the completion marker, so a reader never sees a
/// half-written generation. Each file's size and SHA-256 are in the manifest and checked on
/// load, so a damaged one is refused rather than served.
public struct ModelGenerationStore: Sendable {
    public let folder: URL

    /// The manifest format this build writes and reads. 2: EASE^R's Woodbury form no longer
    /// stores X by user, which no answer reads.
    public static let format = 2
    private static let manifestName = "manifest.json"
    private static let catalogueName = "catalogue.bin"

    /// Creates the folder when missing.
    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// What a generation holds and what it was fitted from: its `manifest.json`.
    public struct Manifest: Codable, Sendable, Equatable {
        /// One stored file: its name in the generation's folder, size and SHA-256.
        public struct File: Codable, Sendable, Equatable {
            public var name: String
            public var bytes: Int
            public var sha256: String
        }

        /// One instance's model, in fitting order.
        public struct Instance: Codable, Sendable, Equatable {
            public var name: String
            public var strategy: String
            public var file: File
            public var fitSeconds: Double

            enum CodingKeys: String, CodingKey {
                case name, strategy, file
                case fitSeconds = "fit_seconds"
            }
        }

        public var format: Int
        /// Sortable by age: creation time in milliseconds, then a random suffix.
        public var id: String
        public var createdAt: Date
        /// `configurationHash` of the fitted instances: only processes configured alike load it.
        public var configuration: String
        /// The change feed's position when the training data was read: the data snapshot the
        /// models saw (later writes reach answers through each request's history).
        public var dataPosition: Int64
        public var interactions: Int
        public var catalogue: File
        public var instances: [Instance]

        enum CodingKeys: String, CodingKey {
            case format, id, configuration, interactions, catalogue, instances
            case createdAt = "created_at"
            case dataPosition = "data_position"
        }
    }

    /// A loaded generation: its manifest, its catalogue and every model by instance name.
    public struct Loaded: Sendable {
        public let manifest: Manifest
        public let catalogue: Catalogue
        public let models: [String: any FittedModel]
    }

    /// SHA-256 of the instances' names, strategy ids and resolved parameters, in fitting
    /// order: two processes fit the same models exactly when their hashes agree.
    public static func configurationHash(_ instances: [ConfiguredStrategy]) throws -> String {
        struct Entry: Encodable {
            let name: String
            let strategy: String
            let parameters: ParameterValue
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return SHA256.hash(data: try encoder.encode(instances.map { Entry(name: $0.name, strategy: $0.strategyID, parameters: $0.parameters) })).hex
    }

    /// Writes a generation of `models` (every instance of `instances`, fitted in that order)
    /// and makes it visible in one rename; returns its manifest.
    public func write(
        models: [String: any FittedModel], instances: [ConfiguredStrategy], catalogue: Catalogue, dataPosition: Int64, interactions: Int,
        fitSeconds: [String: Double], now: Date = Date()
    ) throws -> Manifest {
        let id = String(format: "%013lld-%08x", Int64(now.timeIntervalSince1970 * 1000), UInt32.random(in: 0...UInt32.max))
        let incoming = folder.appending(path: ".incoming-\(id)")
        try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: false)
        do {
            var writer = ModelWriter()
            catalogue.write(to: &writer)
            let catalogueFile = try Self.store(writer.bytes, named: Self.catalogueName, in: incoming)
            var stored: [Manifest.Instance] = []
            for (index, instance) in instances.enumerated() {
                guard let model = models[instance.name] else { throw ModelArchiveError("no model for instance '\(instance.name)'") }
                var writer = ModelWriter()
                try model.write(to: &writer)
                // The index keeps names unique once '/' (experiment variants) is replaced.
                let name = "\(index)-\(instance.name.replacingOccurrences(of: "/", with: "_")).model"
                stored.append(.init(
                    name: instance.name, strategy: instance.strategyID, file: try Self.store(writer.bytes, named: name, in: incoming),
                    fitSeconds: fitSeconds[instance.name] ?? 0))
            }
            // The time as the file keeps it (to the millisecond), so that the replica that
            // wrote the generation and those that load it show the same time.
            let formatter = Self.timestamp()
            let createdAt = formatter.date(from: formatter.string(from: now)) ?? now
            let manifest = Manifest(
                format: Self.format, id: id, createdAt: createdAt, configuration: try Self.configurationHash(instances), dataPosition: dataPosition,
                interactions: interactions, catalogue: catalogueFile, instances: stored)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(Self.timestamp().string(from: date))
            }
            _ = try Self.store(Array(try encoder.encode(manifest)), named: Self.manifestName, in: incoming)
            try Self.synchronize(incoming)
            try FileManager.default.moveItem(at: incoming, to: folder.appending(path: id))
            try Self.synchronize(folder)
            return manifest
        } catch {
            try? FileManager.default.removeItem(at: incoming)
            throw error
        }
    }

    /// Every complete generation's manifest, newest first. Hidden folders (being written) and
    /// folders whose manifest cannot be read are not generations.
    public func manifests() -> [Manifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Self.timestamp().date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        return names.filter { !$0.hasPrefix(".") }.sorted(by: >).compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appending(path: name).appending(path: Self.manifestName).path),
                  let manifest = try? decoder.decode(Manifest.self, from: data), manifest.id == name, manifest.format == Self.format
            else { return nil }
            return manifest
        }
    }

    /// The newest complete generation fitted with `configuration`.
    public func newest(configuration: String) -> Manifest? {
        manifests().first { $0.configuration == configuration }
    }

    /// Reads a generation back: the catalogue, then each model in fitting order (a blend after
    /// its components), every file checked against the manifest first.
    public func load(_ manifest: Manifest, instances: [ConfiguredStrategy]) throws -> Loaded {
        let generation = folder.appending(path: manifest.id)
        guard try Self.configurationHash(instances) == manifest.configuration,
              manifest.instances.map(\.name) == instances.map(\.name) else {
            throw ModelArchiveError("generation \(manifest.id) was fitted with another configuration")
        }
        do {
            var reader = ModelReader(try Self.read(manifest.catalogue, in: generation))
            let catalogue = try Catalogue(from: &reader)
            try reader.finish()
            var models: [String: any FittedModel] = [:]
            for (instance, stored) in zip(instances, manifest.instances) {
                var reader = ModelReader(try Self.read(stored.file, in: generation))
                do {
                    models[instance.name] = try instance.readModel(from: &reader, context: ModelContext(catalogue: catalogue, models: models))
                    try reader.finish()
                } catch let error as ModelArchiveError {
                    throw ModelArchiveError("\(stored.file.name): \(error)")
                }
            }
            return Loaded(manifest: manifest, catalogue: catalogue, models: models)
        } catch let error as ModelArchiveError {
            throw ModelArchiveError("generation \(manifest.id): \(error)")
        }
    }

    /// Removes all but the newest `keep` generations, and folders left half-written by a
    /// process that died while writing (older than an hour, so never one being written).
    public func prune(keeping keep: Int, now: Date = Date()) {
        let manager = FileManager.default
        for manifest in manifests().dropFirst(keep) {
            try? manager.removeItem(at: folder.appending(path: manifest.id))
        }
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(".incoming-") {
            let url = folder.appending(path: name)
            if let modified = try? manager.attributesOfItem(atPath: url.path)[.modificationDate] as? Date, now.timeIntervalSince(modified) > 3600 {
                try? manager.removeItem(at: url)
            }
        }
    }

    /// Runs `body` holding the folder's fitting lock (`flock` on `fit.lock`), waited for on a
    /// thread of its own: replicas starting together fit once, the others then load.
    public func withFitLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let lock = try FitLock(folder: folder)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                lock.acquire()
                done.resume()
            }
        }
        defer { lock.release() }
        return try await body()
    }

    /// The fitting lock if no other process holds it; nil otherwise.
    public func tryFitLock() throws -> FitLock? {
        let lock = try FitLock(folder: folder)
        return lock.tryAcquire() ? lock : nil
    }

    /// ISO 8601 to the millisecond: generations written within a second stay in order.
    private static func timestamp() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    private static func store(_ bytes: [UInt8], named name: String, in directory: URL) throws -> Manifest.File {
        let path = directory.appending(path: name).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        var written = 0
        try bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path]) }
                written += count
            }
        }
        // On disk before the rename makes the generation visible.
        guard fsync(descriptor) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return Manifest.File(name: name, bytes: bytes.count, sha256: digest(bytes))
    }

    /// The file read straight into the array the model reader takes: one copy of it in
    /// memory, not a `Data` and an array (a dense EASE^R file is 1.5 GB at 10^6 ratings).
    private static func read(_ file: Manifest.File, in directory: URL) throws -> [UInt8] {
        let path = directory.appending(path: file.name).path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ModelArchiveError("\(file.name): cannot be opened (errno \(errno))") }
        defer { close(descriptor) }
        // One byte more than the manifest's size, so a longer file shows as one.
        let bytes = try [UInt8](unsafeUninitializedCapacity: file.bytes + 1) { buffer, count in
            while count < buffer.count {
                let got = Glibc.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                if got < 0, errno == EINTR { continue }
                guard got >= 0 else { throw ModelArchiveError("\(file.name): cannot be read (errno \(errno))") }
                if got == 0 { break }
                count += got
            }
        }
        guard bytes.count == file.bytes else { throw ModelArchiveError("\(file.name): \(bytes.count) bytes, the manifest says \(file.bytes)") }
        guard digest(bytes) == file.sha256 else { throw ModelArchiveError("\(file.name): its SHA-256 differs from the manifest's") }
        return bytes
    }

    private static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).hex
    }

    /// fsync on a folder, so a rename or new entries in it survive a crash.
    private static func synchronize(_ directory: URL) throws {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: directory.path]) }
        defer { close(descriptor) }
        fsync(descriptor)
    }
}

/// The exclusive lock of a generation folder's `fit.lock`; released on `release()` or when the
/// process ends, so a crashed fitter never leaves it held.
public final class FitLock: @unchecked Sendable {
    private let descriptor: Int32

    init(folder: URL) throws {
        let path = folder.appending(path: "fit.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
    }

    func acquire() {
        while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
    }

    func tryAcquire() -> Bool {
        flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    public func release() {
        flock(descriptor, LOCK_UN)
    }

    deinit {
        close(descriptor)
    }
}
