import Foundation

/// The project's read-only `shared/` folder, which sits beside the clone (`../shared`), as
/// tests find it: `$RECLAB_SHARED_DIR` when set, else the nearest `shared/` above the test file.
public enum SharedFolder {
    public static func url(_ relative: String, filePath: String = #filePath) throws -> URL {
        if let shared = ProcessInfo.processInfo.environment["RECLAB_SHARED_DIR"] {
            return URL(fileURLWithPath: shared, isDirectory: true).appendingPathComponent(relative)
        }
        var folder = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("shared/\(relative)")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw MissingSharedFolder(description: "no shared/\(relative) above \(filePath); set RECLAB_SHARED_DIR to the shared folder")
    }

    /// `shared/datasets`, holding ml-latest-small, tmdb-5000 and imdb-5000.
    public static func datasets() throws -> URL { try url("datasets") }

    struct MissingSharedFolder: Error, CustomStringConvertible {
        let description: String
    }
}

/// A fresh folder under the system's temporary directory, for one test's files.
public func makeTemporaryDirectory(_ label: String = "reclab-test") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
