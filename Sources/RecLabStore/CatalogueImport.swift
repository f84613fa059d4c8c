import Foundation

/// `reclab import` as a library: find the data sets in some paths, read and check them all,
/// then merge them into the catalogue in one transaction.
public enum CatalogueImport {
    /// What one import read and what the catalogue holds afterwards.
    public struct Report: Sendable {
        /// One data set's share of the import.
        public struct Loaded: Sendable {
            public let kind: DatasetKind
            public let location: URL
            public let rowsRead: Int
            public let movies: Int
            public let ratings: Int
        }

        public let datasets: [Loaded]
        public let counts: CatalogueCounts
    }

    /// Reads everything before writing anything, so a malformed file leaves the catalogue
    /// exactly as it was.
    public static func run(paths: [URL], into catalogue: some CatalogueImporting, progress: ImportProgress? = nil) async throws -> Report {
        let found = try DatasetLocator.locate(paths)
        var datasets: [Dataset] = []
        for (index, item) in found.enumerated() {
            progress?("reading data sets", index, found.count)
            datasets.append(try DatasetLocator.read(item))
            progress?("reading data sets", index + 1, found.count)
        }
        let counts = try await catalogue.importDatasets(datasets, progress: progress)
        return Report(
            datasets: datasets.map {
                Report.Loaded(kind: $0.kind, location: $0.location, rowsRead: $0.rowsRead, movies: $0.movies.count, ratings: $0.ratings.count)
            },
            counts: counts)
    }
}
