import Foundation
import Logging
import RecLabDatasets
import RecLabStore

/// Fills an empty catalogue before the server starts: from `RECLAB_DATA_DIR` when set,
/// otherwise from MovieLens ml-latest-small downloaded (and cached) from GroupLens.
public enum DefaultData {
    public static func ensureCatalogue(store: some MovieRepository & CatalogueImporting, configuration: ServerConfiguration, logger: Logger) async throws {
        let counts = try await store.counts()
        guard counts.movies == 0 else {
            logger.info("catalogue ready", metadata: ["movies": "\(counts.movies)", "ratings": "\(counts.ratings)"])
            return
        }
        let paths: [URL]
        if let directory = configuration.dataDirectory {
            logger.info("empty catalogue: importing data sets", metadata: ["from": "\(directory)"])
            paths = [URL(fileURLWithPath: directory)]
        } else {
            let cache = configuration.cacheDirectory.map { URL(fileURLWithPath: $0) }
                ?? DatasetFetcher.defaultCacheDirectory(environment: ProcessInfo.processInfo.environment)
            logger.info("empty catalogue and no RECLAB_DATA_DIR: fetching MovieLens ml-latest-small", metadata: ["url": "\(configuration.datasetURL)"])
            paths = [try await DatasetFetcher(logger: logger).fetch(.movieLensLatestSmall, from: configuration.datasetURL, cacheDirectory: cache)]
        }
        let loaded = try await CatalogueImport.run(paths: paths, into: store) { phase, done, total in
            if done == total { logger.info("\(phase): \(total)") }
        }
        logger.info("catalogue imported", metadata: ["movies": "\(loaded.counts.movies)", "ratings": "\(loaded.counts.ratings)"])
    }
}
