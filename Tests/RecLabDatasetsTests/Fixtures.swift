import Foundation
import RecLabDatasets
import Testing
import ZIPFoundation

/// The real ml-latest-small files from the project's shared/ folder, and zips built from them.
enum Fixtures {
    static let dataset = DatasetDescriptor.movieLensLatestSmall

    /// The folder holding the real ml-latest-small files: `$RECLAB_SHARED_DIR/datasets/ml-latest-small`,
    /// else `shared/datasets/ml-latest-small` in the nearest folder above this file (symlinks resolved)
    /// that has one; the repository's shared/ folder sits beside its clone.
    static func sourceFolder(filePath: String = #filePath) throws -> URL {
        let relative = "datasets/\(dataset.name)"
        if let shared = ProcessInfo.processInfo.environment["RECLAB_SHARED_DIR"] {
            return URL(fileURLWithPath: shared, isDirectory: true).appendingPathComponent(relative)
        }
        var folder = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("shared/\(relative)", isDirectory: true)
            if FileManager.default.fileExists(atPath: candidate.path) {
                return candidate
            }
            folder.deleteLastPathComponent()
        }
        throw FixtureError("no shared/\(relative) above \(filePath); set RECLAB_SHARED_DIR to the shared folder")
    }

    /// The data set's files, by name, as the published archive holds them.
    static func files() throws -> [(name: String, contents: Data)] {
        let folder = try sourceFolder()
        return try dataset.files.map { file in
            (file.name, try Data(contentsOf: folder.appendingPathComponent(file.name)))
        }
    }

    /// A zip laid out as GroupLens serves it: the files inside a top-level `ml-latest-small/` folder.
    static func zip(
        of files: [(name: String, contents: Data)], compression: CompressionMethod = .deflate
    ) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let folder = dataset.archiveFolder
        try archive.addEntry(
            with: "\(folder)/", type: .directory, uncompressedSize: Int64(0), provider: { _, _ in Data() }
        )
        for (name, contents) in files {
            try archive.addEntry(
                with: "\(folder)/\(name)", type: .file, uncompressedSize: Int64(contents.count),
                compressionMethod: compression,
                provider: { position, size in contents.subdata(in: Int(position) ..< Int(position) + size) }
            )
        }
        return try #require(archive.data)
    }

    /// `zip` with one byte flipped inside the stored data of the entry `name`; its headers stay intact.
    static func flippingByte(inEntry name: String, of zip: Data) throws -> Data {
        let path = Data("\(dataset.archiveFolder)/\(name)".utf8)
        // Entries come before the central directory, so the first match is the local file header's name.
        let nameRange = try #require(zip.range(of: path))
        let header = nameRange.lowerBound - 30
        #expect(zip[header ..< header + 4] == Data([0x50, 0x4b, 0x03, 0x04]))
        let extraLength = Int(zip[header + 28]) | Int(zip[header + 29]) << 8
        var corrupt = zip
        corrupt[nameRange.upperBound + extraLength + 1000] ^= 0x55
        return corrupt
    }

    /// A new, empty cache folder for one test; `removeCache` deletes it.
    static func makeCacheDirectory() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("reclab-datasets-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func removeCache(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Everything in `folder`, hidden files included.
    static func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
