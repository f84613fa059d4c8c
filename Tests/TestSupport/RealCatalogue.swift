import Foundation
import RecLabCore
import RecLabSQLite
import RecLabStore

/// A database holding the three real data sets of shared/datasets, imported once per test
/// process and shared by every test that only reads it.
public enum RealCatalogue {
    private static let loading = Task { () throws -> SQLiteStore in
        // Seconds of parsing, off the pool the timing-sensitive tests beside it need.
        try await offThePool {
            let folder = try makeTemporaryDirectory("reclab-real-catalogue")
            let store = try SQLiteStore(path: folder.appending(path: "catalogue.sqlite").path)
            _ = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: store)
            return store
        }
    }

    private static let training = Task { () throws -> TrainingData in
        try await loading.value.trainingData(includingPreferences: false)
    }

    public static func store() async throws -> SQLiteStore {
        try await loading.value
    }

    /// A copy of the real catalogue of the caller's own, for tests that add movies to it.
    public static func privateCopy() async throws -> SQLiteStore {
        try await store().copy(to: try makeTemporaryDirectory("reclab-catalogue-copy").appending(path: "catalogue.sqlite").path)
    }

    /// The real catalogue and its 100,836 ratings (never the preferences other tests post).
    public static func trainingData() async throws -> TrainingData {
        try await training.value
    }

    /// The catalogue id of the movie with this TMDB id.
    public static func movie(tmdbID: Int) async throws -> MovieID {
        try await trainingData().catalogue.items.first { $0.tmdbID == tmdbID }!.id
    }
}
