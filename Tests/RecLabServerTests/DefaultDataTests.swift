import Foundation
import Logging
import RecLabServer
import RecLabServing
import RecLabSQLite
import TestSupport
import Testing

@Suite struct DefaultDataTests {
    @Test func anEmptyCatalogueIsFilledFromTheDownloadedMovieLensZip() async throws {
        let zip = try MovieLensArchive.zip(of: MovieLensArchive.files())
        let folder = try makeTemporaryDirectory("default-data")
        let store = try SQLiteStore(path: folder.appending(path: "db.sqlite").path)
        try await TestHTTPServer.with(routes: ["/ml-latest-small.zip": .init(body: zip)]) { server in
            let configuration = try ServerConfiguration {
                ["RECLAB_DATASET_URL": server.url("/ml-latest-small.zip").absoluteString,
                 "RECLAB_CACHE_DIR": folder.appending(path: "cache").path][$0]
            }
            try await DefaultData.ensureCatalogue(store: store, configuration: configuration, logger: testLogger)
            #expect(server.requests == ["/ml-latest-small.zip"])
        }
        let counts = try await store.counts()
        #expect(counts.movies == 9_742)
        #expect(counts.ratings == 100_836)
    }

    @Test func aCorruptDownloadIsRefusedAndNothingIsImported() async throws {
        let zip = try MovieLensArchive.zip(of: MovieLensArchive.files())
        let folder = try makeTemporaryDirectory("default-data")
        let store = try SQLiteStore(path: folder.appending(path: "db.sqlite").path)
        try await TestHTTPServer.with(routes: ["/ml.zip": .init(body: zip.prefix(zip.count / 2))]) { server in
            let configuration = try ServerConfiguration {
                ["RECLAB_DATASET_URL": server.url("/ml.zip").absoluteString, "RECLAB_CACHE_DIR": folder.appending(path: "cache").path][$0]
            }
            await #expect(throws: (any Error).self) {
                try await DefaultData.ensureCatalogue(store: store, configuration: configuration, logger: testLogger)
            }
        }
        #expect(try await store.counts().movies == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appending(path: "cache").path).isEmpty)
    }

    @Test func aFilledCatalogueIsLeftAsItIs() async throws {
        let configuration = try ServerConfiguration { ["RECLAB_DATASET_URL": "http://127.0.0.1:1/never-fetched.zip"][$0] }
        let store = try await RealCatalogue.store()
        let before = try await store.counts()
        try await DefaultData.ensureCatalogue(store: store, configuration: configuration, logger: testLogger)
        #expect(try await store.counts() == before)
    }
}
