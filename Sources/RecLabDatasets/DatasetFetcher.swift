import Crypto
import Foundation
import Logging
import ZIPFoundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads a data set's zip, verifies every file's SHA-256 and keeps the unpacked folder in a cache,
/// the way Surprise and LensKit fetch their built-in data sets.
public struct DatasetFetcher: Sendable {
    /// The name of the file, inside a cached data set folder, that records the verified checksums.
    static let markerFileName = ".verified"

    /// Where progress ("downloading …", "verified …") is logged.
    public var logger: Logger

    public init(logger: Logger = Logger(label: "reclab.datasets")) {
        self.logger = logger
    }

    /// The XDG cache folder for RecLab: `$XDG_CACHE_HOME/reclab`, else `$HOME/.cache/reclab`.
    public static func defaultCacheDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        // The XDG Base Directory spec says to ignore a relative XDG_CACHE_HOME.
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("reclab", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home, isDirectory: true)
            .appendingPathComponent(".cache", isDirectory: true)
            .appendingPathComponent("reclab", isDirectory: true)
    }

    /// Returns the folder `cacheDirectory/<dataset name>` holding the data set's verified files.
    ///
    /// A copy that an earlier call verified is returned without touching the network. Otherwise the zip is
    /// downloaded from `url` (default: the descriptor's), unpacked and verified beside the cache, and only
    /// then renamed into place. On failure nothing is left in the cache and a `DatasetError` is thrown.
    public func fetch(
        _ dataset: DatasetDescriptor,
        from url: URL? = nil,
        cacheDirectory: URL = DatasetFetcher.defaultCacheDirectory()
    ) async throws -> URL {
        let fileManager = FileManager.default
        let destination = cacheDirectory.appendingPathComponent(dataset.name, isDirectory: true)
        if Self.isVerifiedCopy(of: dataset, at: destination) {
            logger.info("using cached \(dataset.name)", metadata: ["path": "\(destination.path)"])
            return destination
        }

        let source = url ?? dataset.downloadURL
        // Fixed names, so that whatever a killed earlier run left behind is cleared here.
        let archive = cacheDirectory.appendingPathComponent(".\(dataset.name).zip.download")
        let staging = cacheDirectory.appendingPathComponent(".\(dataset.name).partial", isDirectory: true)
        defer {
            try? fileManager.removeItem(at: archive)
            try? fileManager.removeItem(at: staging)
        }
        try Self.cacheOperation(at: cacheDirectory) {
            try fileManager.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
            for leftover in [archive, staging] where fileManager.fileExists(atPath: leftover.path) {
                try fileManager.removeItem(at: leftover)
            }
        }

        logger.info("downloading \(dataset.name)", metadata: ["url": "\(source.absoluteString)"])
        let size = source.isFileURL ? try Self.copy(source, to: archive) : try await HTTPFileDownload.run(from: source, to: archive)
        logger.info("downloaded \(dataset.name)", metadata: ["bytes": "\(size)"])

        try Self.unpackAndVerify(dataset, archive: archive, source: source, into: staging)
        try Self.cacheOperation(at: destination) {
            let marker = staging.appendingPathComponent(Self.markerFileName)
            try Data(Self.markerContents(for: dataset).utf8).write(to: marker)
            if fileManager.fileExists(atPath: destination.path) {
                try fileManager.removeItem(at: destination)  // an unverified or outdated copy
            }
            try fileManager.moveItem(at: staging, to: destination)
        }
        logger.info("verified \(dataset.name)", metadata: ["path": "\(destination.path)"])
        return destination
    }

    /// A local mirror (`file://…`) is copied, then unpacked and checked as a download is.
    static func copy(_ source: URL, to archive: URL) throws -> Int64 {
        do {
            try FileManager.default.copyItem(at: source, to: archive)
            return (try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw DatasetError.network(url: source, reason: "the local copy cannot be read")
        }
    }

    /// The marker's text: one `sha256  name` line per file, the format `sha256sum --check` reads.
    static func markerContents(for dataset: DatasetDescriptor) -> String {
        dataset.files.map { "\($0.sha256)  \($0.name)\n" }.joined()
    }

    /// Whether `folder` holds every file of `dataset` and a marker recording the current checksums.
    static func isVerifiedCopy(of dataset: DatasetDescriptor, at folder: URL) -> Bool {
        let marker = folder.appendingPathComponent(markerFileName)
        guard let recorded = try? String(contentsOf: marker, encoding: .utf8),
              recorded == markerContents(for: dataset)
        else { return false }
        return dataset.files.allSatisfy {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.name).path)
        }
    }

    /// Unpacks the data set's files from the zip at `archive` into `folder`, checking each one's SHA-256.
    static func unpackAndVerify(
        _ dataset: DatasetDescriptor, archive archiveURL: URL, source: URL, into folder: URL
    ) throws {
        let archive: Archive
        do {
            archive = try Archive(url: archiveURL, accessMode: .read)
        } catch {
            throw DatasetError.notAZipArchive(url: source, reason: String(describing: error))
        }
        try cacheOperation(at: folder) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        }
        for file in dataset.files {
            let path = "\(dataset.archiveFolder)/\(file.name)"
            guard let entry = archive[path], entry.type == .file else {
                throw DatasetError.missingFile(path: path)
            }
            let target = folder.appendingPathComponent(file.name)
            let output = try cacheOperation(at: target) {
                guard FileManager.default.createFile(atPath: target.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown)
                }
                return try FileHandle(forWritingTo: target)
            }
            defer { try? output.close() }
            var hasher = SHA256()
            let crc: CRC32
            do {
                crc = try archive.extract(entry) { chunk in
                    hasher.update(data: chunk)
                    try cacheOperation(at: target) { try output.write(contentsOf: chunk) }
                }
            } catch let error as DatasetError {
                throw error
            } catch {
                throw DatasetError.corruptEntry(path: path, reason: String(describing: error))
            }
            // The zip's own CRC tells damage in transit apart from a file that differs from the published one.
            guard crc == entry.checksum else {
                throw DatasetError.corruptEntry(path: path, reason: "its CRC-32 does not match the archive's")
            }
            let actual = hasher.finalize().hex
            guard actual == file.sha256 else {
                throw DatasetError.checksumMismatch(file: file.name, expected: file.sha256, actual: actual)
            }
        }
    }

    /// Runs a file-system step, reporting its failure as `DatasetError.cache`.
    static func cacheOperation<T>(at location: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw DatasetError.cache(path: location.path, reason: error.localizedDescription)
        }
    }
}
