import Foundation
import RecLabDatasets
import ZIPFoundation

/// The real ml-latest-small files from the project's shared/ folder, and zips built from them.
public enum MovieLensArchive {
    public static let dataset = DatasetDescriptor.movieLensLatestSmall

    /// The folder holding the real ml-latest-small files in shared/datasets.
    public static func sourceFolder() throws -> URL {
        try SharedFolder.datasets().appendingPathComponent(dataset.name, isDirectory: true)
    }

    /// The data set's files, by name, as the published archive holds them.
    public static func files() throws -> [(name: String, contents: Data)] {
        let folder = try sourceFolder()
        return try dataset.files.map { file in
            (file.name, try Data(contentsOf: folder.appendingPathComponent(file.name)))
        }
    }

    /// A zip laid out as GroupLens serves it: the files inside a top-level `ml-latest-small/` folder.
    public static func zip(
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
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }
}
