import Crypto
import Foundation
import RecLabDatasets
import TestSupport
import Testing

@Suite("DatasetFetcher")
struct DatasetFetcherTests {
    private let zipPath = "/ml-latest-small.zip"

    @Test("A good download is verified, cached, and the next fetch uses the cache without a request")
    func goodDownloadIsCachedAndReused() async throws {
        let files = try Fixtures.files()
        let zip = try Fixtures.zip(of: files)
        let cache = try Fixtures.makeCacheDirectory()
        defer { Fixtures.removeCache(cache) }
        try await TestHTTPServer.with(routes: [zipPath: .init(body: zip)]) { server in
            let url = server.url(zipPath)
            let folder = try await DatasetFetcher().fetch(Fixtures.dataset, from: url, cacheDirectory: cache)
            #expect(folder.path == cache.appendingPathComponent("ml-latest-small").path)
            #expect(server.requests == [zipPath])
            #expect(try Fixtures.contents(of: cache) == ["ml-latest-small"])
            #expect(
                try Fixtures.contents(of: folder)
                    == [".verified", "README.txt", "links.csv", "movies.csv", "ratings.csv", "tags.csv"]
            )
            for (name, contents) in files {
                #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == contents, "\(name)")
            }

            let again = try await DatasetFetcher().fetch(Fixtures.dataset, from: url, cacheDirectory: cache)
            #expect(again.path == folder.path)
            #expect(server.requests.count == 1, "the second fetch must not touch the network")
        }
    }

    @Test("A file:// URL (a local mirror) is copied, verified and cached like a download; a missing one is named")
    func fileURLIsCopiedAndVerified() async throws {
        let files = try Fixtures.files()
        let cache = try Fixtures.makeCacheDirectory()
        defer { Fixtures.removeCache(cache) }
        let mirror = cache.appendingPathComponent("mirror.zip")
        try Fixtures.zip(of: files).write(to: mirror)
        let folder = try await DatasetFetcher().fetch(Fixtures.dataset, from: mirror, cacheDirectory: cache.appendingPathComponent("cache"))
        let ratings = try #require(files.first { $0.name == "ratings.csv" }).contents
        #expect(try Data(contentsOf: folder.appendingPathComponent("ratings.csv")) == ratings)
        let missing = cache.appendingPathComponent("nowhere.zip")
        await #expect(throws: DatasetError.network(url: missing, reason: "the local copy cannot be read")) {
            try await DatasetFetcher().fetch(Fixtures.dataset, from: missing, cacheDirectory: cache.appendingPathComponent("other"))
        }
    }

    @Test("A cached folder without the verified marker is downloaded again and replaced")
    func unverifiedCopyIsReplaced() async throws {
        let files = try Fixtures.files()
        let zip = try Fixtures.zip(of: files)
        let cache = try Fixtures.makeCacheDirectory()
        defer { Fixtures.removeCache(cache) }
        let stale = cache.appendingPathComponent("ml-latest-small", isDirectory: true)
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("half-written\n".utf8).write(to: stale.appendingPathComponent("ratings.csv"))
        try await TestHTTPServer.with(routes: [zipPath: .init(body: zip)]) { server in
            let folder = try await DatasetFetcher()
                .fetch(Fixtures.dataset, from: server.url(zipPath), cacheDirectory: cache)
            #expect(server.requests.count == 1)
            let ratings = try #require(files.first { $0.name == "ratings.csv" }).contents
            #expect(try Data(contentsOf: folder.appendingPathComponent("ratings.csv")) == ratings)
        }
    }

    @Test("A body shorter than its Content-Length is refused as truncated and leaves nothing")
    func truncatedBodyIsRefused() async throws {
        let zip = try Fixtures.zip(of: Fixtures.files())
        let half = zip.count / 2
        let (error, url) = try await fetchError(serving: .init(body: zip.prefix(half), contentLength: zip.count))
        #expect(error == .truncated(url: url, received: Int64(half), expected: Int64(zip.count)))
        #expect(error.description.contains("truncated at \(half) of \(zip.count) bytes"))
    }

    @Test("A zip cut in half (with a matching Content-Length) is refused as not a zip and leaves nothing")
    func halfZipIsRefused() async throws {
        let zip = try Fixtures.zip(of: Fixtures.files())
        let (error, url) = try await fetchError(serving: .init(body: zip.prefix(zip.count / 2)))
        guard case .notAZipArchive(url, _) = error else {
            Issue.record("expected notAZipArchive, got: \(error)")
            return
        }
        #expect(error.description.contains("is not a valid zip archive"))
    }

    @Test("A zip with bytes flipped in a file's data is refused as corrupt and leaves nothing", arguments: [false, true])
    func corruptZipIsRefused(deflated: Bool) async throws {
        let zip = try Fixtures.zip(of: Fixtures.files(), compression: deflated ? .deflate : .none)
        let corrupt = try Fixtures.flippingByte(inEntry: "ratings.csv", of: zip)
        let (error, _) = try await fetchError(serving: .init(body: corrupt))
        guard case .corruptEntry(path: "ml-latest-small/ratings.csv", _) = error else {
            Issue.record("expected a corrupt ratings.csv entry, got: \(error)")
            return
        }
        #expect(error.description.contains("ml-latest-small/ratings.csv is corrupt"))
    }

    @Test("A well-formed zip whose file differs from the published one is refused with both checksums")
    func checksumMismatchIsRefused() async throws {
        var files = try Fixtures.files()
        let index = try #require(files.firstIndex { $0.name == "ratings.csv" })
        files[index].contents[files[index].contents.startIndex + 1000] ^= 0x01
        let actual = SHA256.hash(data: files[index].contents).hex
        let expected = "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646"

        let (error, _) = try await fetchError(serving: .init(body: try Fixtures.zip(of: files)))
        #expect(error == .checksumMismatch(file: "ratings.csv", expected: expected, actual: actual))
        #expect(error.description == "Checksum mismatch for ratings.csv: expected sha256 \(expected), got \(actual).")
    }

    @Test("A zip missing one of the expected files is refused naming the file")
    func missingFileIsRefused() async throws {
        let files = try Fixtures.files().filter { $0.name != "tags.csv" }
        let (error, _) = try await fetchError(serving: .init(body: try Fixtures.zip(of: files)))
        #expect(error == .missingFile(path: "ml-latest-small/tags.csv"))
        #expect(error.description.contains("ml-latest-small/tags.csv"))
    }

    @Test("An HTTP 404 is refused with the status in the message")
    func notFoundIsRefused() async throws {
        let (error, url) = try await fetchError(serving: nil)
        #expect(error == .httpStatus(url: url, status: 404))
        #expect(error.description.contains("HTTP status 404"))
    }

    @Test("A server that refuses the connection is reported as a network failure")
    func refusedConnectionIsReported() async throws {
        let url = try await TestHTTPServer.with(routes: [:]) { $0.url(zipPath) }  // stopped: nothing listens
        let cache = try Fixtures.makeCacheDirectory()
        defer { Fixtures.removeCache(cache) }
        let error = try await #require(throws: DatasetError.self) {
            try await DatasetFetcher().fetch(Fixtures.dataset, from: url, cacheDirectory: cache)
        }
        #expect(error == .network(url: url, reason: "could not connect to the server"))
        #expect(try Fixtures.contents(of: cache) == [])
    }

    @Test("The default cache folder follows XDG")
    func defaultCacheDirectoryFollowsXDG() {
        let xdg = DatasetFetcher.defaultCacheDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"])
        #expect(xdg.path == "/x/cache/reclab")
        let home = DatasetFetcher.defaultCacheDirectory(environment: ["HOME": "/home/u"])
        #expect(home.path == "/home/u/.cache/reclab")
        let relative = DatasetFetcher.defaultCacheDirectory(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/home/u"])
        #expect(relative.path == "/home/u/.cache/reclab")
    }

    /// Fetches from a server that answers the zip's path with `response` (or 404 when nil), expects a
    /// `DatasetError`, checks the cache folder was left empty, and returns the error and the URL used.
    private func fetchError(serving response: TestHTTPServer.Response?) async throws -> (DatasetError, URL) {
        let cache = try Fixtures.makeCacheDirectory()
        defer { Fixtures.removeCache(cache) }
        let routes = response.map { [zipPath: $0] } ?? [:]
        return try await TestHTTPServer.with(routes: routes) { server in
            let url = server.url(zipPath)
            let error = try await #require(throws: DatasetError.self) {
                try await DatasetFetcher().fetch(Fixtures.dataset, from: url, cacheDirectory: cache)
            }
            #expect(try Fixtures.contents(of: cache) == [], "a failed fetch must leave the cache empty")
            #expect(server.requests == [zipPath])
            return (error, url)
        }
    }
}

@Suite struct FileDigestTests {
    @Test func aFilesDigestIsItsSHA256InLowerCaseHexReadInChunks() throws {
        let folder = try makeTemporaryDirectory("digest")
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = folder.appending(path: "abc")
        try Data("abc".utf8).write(to: small)
        #expect(try FileDigest.sha256(ofFile: small) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180-2's vector")
        // Past one read of a megabyte: a million 'a's and more.
        let large = folder.appending(path: "a")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: large)
        #expect(try FileDigest.sha256(ofFile: large) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
