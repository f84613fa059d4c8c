import Foundation
import RecLabSQLite
import RecLabStore

/// A database holding the three real data sets of shared/datasets, imported once per test
/// process and shared by every test that only reads it.
public enum RealCatalogue {
    private static let loading = Task { () throws -> SQLiteStore in
        let folder = try makeTemporaryDirectory("reclab-real-catalogue")
        let store = try SQLiteStore(path: folder.appending(path: "catalogue.sqlite").path)
        _ = try await CatalogueImport.run(paths: [SharedFolder.datasets()], into: store)
        return store
    }

    public static func store() async throws -> SQLiteStore {
        try await loading.value
    }
}
