import Foundation

/// Finds the data sets in the paths given to `reclab import`: a data set's folder or file, or
/// a folder holding data-set folders (such as `../shared/datasets`).
public enum DatasetLocator {
    /// A data set found on disk, not read yet.
    public struct Found: Sendable, Equatable {
        public let kind: DatasetKind
        public let location: URL
    }

    public static func locate(_ paths: [URL]) throws -> [Found] {
        var found: [Found] = []
        for path in paths {
            let here = try locate(path)
            for item in here where !found.contains(item) { found.append(item) }
        }
        // MovieLens goes first: its links are what join TMDB and IMDb rows to one movie.
        return found.sorted { order($0.kind) < order($1.kind) }
    }

    /// Reads one located data set.
    public static func read(_ found: Found) throws -> Dataset {
        switch found.kind {
        case .movieLens: try MovieLensReader.read(folder: found.location)
        case .tmdb: try TMDBReader.read(file: found.location)
        case .imdb: try IMDBReader.read(file: found.location)
        case .tmdbAPI: throw ImportError(file: found.location.path, line: nil, problem: "TMDB's API is not a file; `reclab import tmdb` reads it")
        }
    }

    private static func order(_ kind: DatasetKind) -> Int {
        switch kind {
        case .movieLens: 0
        case .tmdb: 1
        case .imdb: 2
        case .tmdbAPI: 3
        }
    }

    private static func locate(_ path: URL) throws -> [Found] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw ImportError(file: path.path, line: nil, problem: "does not exist")
        }
        if !isDirectory.boolValue {
            if let found = recognise(file: path) { return [found] }
            throw ImportError(file: path.path, line: nil, problem: "is not a known data set file (\(TMDBReader.fileName), \(IMDBReader.fileName), or a MovieLens folder)")
        }
        if let found = recognise(folder: path) { return found }
        let children = (try? FileManager.default.contentsOfDirectory(at: path, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
        let found = children.sorted { $0.lastPathComponent < $1.lastPathComponent }.flatMap { child -> [Found] in
            var childIsDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: child.path, isDirectory: &childIsDirectory)
            return childIsDirectory.boolValue ? recognise(folder: child) ?? [] : []
        }
        guard !found.isEmpty else {
            throw ImportError(
                file: path.path, line: nil,
                problem: "holds no known data set (a MovieLens folder with \(MovieLensReader.requiredFiles.joined(separator: ", ")); \(TMDBReader.fileName); \(IMDBReader.fileName))")
        }
        return found
    }

    private static func recognise(folder: URL) -> [Found]? {
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        var found: [Found] = []
        if MovieLensReader.requiredFiles.allSatisfy(names.contains) { found.append(Found(kind: .movieLens, location: folder)) }
        if names.contains(TMDBReader.fileName) { found.append(Found(kind: .tmdb, location: folder.appending(path: TMDBReader.fileName))) }
        if names.contains(IMDBReader.fileName) { found.append(Found(kind: .imdb, location: folder.appending(path: IMDBReader.fileName))) }
        return found.isEmpty ? nil : found
    }

    private static func recognise(file: URL) -> Found? {
        switch file.lastPathComponent {
        case TMDBReader.fileName: Found(kind: .tmdb, location: file)
        case IMDBReader.fileName: Found(kind: .imdb, location: file)
        case "ratings.csv", "movies.csv", "links.csv":
            recognise(folder: file.deletingLastPathComponent())?.first { $0.kind == .movieLens }
        default: nil
        }
    }
}
