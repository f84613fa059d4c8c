import Foundation
import RecLabDatasets
import TestSupport
import Testing
import ZIPFoundation

/// The real ml-latest-small files from the project's shared/ folder, and zips built from them.
typealias Fixtures = MovieLensArchive

extension MovieLensArchive {
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
        try makeTemporaryDirectory("reclab-datasets-test")
    }

    static func removeCache(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Everything in `folder`, hidden files included.
    static func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}
