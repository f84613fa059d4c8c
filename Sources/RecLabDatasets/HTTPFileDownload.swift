import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streams one HTTP GET into a file while counting bytes, so that a body cut short of its
/// Content-Length is told apart from a complete one.
final class HTTPFileDownload: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, Never>?
        var finished = false
        var status: Int?
        var expected: Int64?
        var received: Int64 = 0
        var transportError: (any Error)?
        var writeError: (any Error)?
    }

    private let output: FileHandle
    private let state = Mutex(State())

    private init(output: FileHandle) {
        self.output = output
    }

    /// Downloads `url` into a new file at `destination` and returns the number of bytes received.
    /// Throws `DatasetError` for a status other than 200, a truncated body or a failed transfer.
    static func run(from url: URL, to destination: URL) async throws -> Int64 {
        let output = try DatasetFetcher.cacheOperation(at: destination) {
            guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            return try FileHandle(forWritingTo: destination)
        }
        defer { try? output.close() }

        let download = HTTPFileDownload(output: output)
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: .ephemeral, delegate: download, delegateQueue: delegateQueue)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: url)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A task cancelled before it was resumed may already have completed.
                let finished = download.state.withLock { state in
                    if !state.finished { state.continuation = continuation }
                    return state.finished
                }
                if finished { continuation.resume() } else { task.resume() }
            }
        } onCancel: {
            task.cancel()
        }
        try Task.checkCancellation()

        let result = download.state.withLock { $0 }
        if let writeError = result.writeError {
            throw DatasetError.cache(path: destination.path, reason: writeError.localizedDescription)
        }
        guard let status = result.status else {
            throw DatasetError.network(url: url, reason: describe(result.transportError))
        }
        guard status == 200 else {
            throw DatasetError.httpStatus(url: url, status: status)
        }
        if let expected = result.expected, result.received < expected {
            throw DatasetError.truncated(url: url, received: result.received, expected: expected)
        }
        if let transportError = result.transportError {
            throw DatasetError.network(url: url, reason: describe(transportError))
        }
        return result.received
    }

    private static func describe(_ error: (any Error)?) -> String {
        guard let error else { return "the server sent no response" }
        switch (error as? URLError)?.code {
        case .cannotConnectToHost?: return "could not connect to the server"
        case .cannotFindHost?, .dnsLookupFailed?: return "could not resolve the server's host name"
        case .notConnectedToInternet?: return "there is no network connection"
        case .timedOut?: return "the request timed out"
        case .networkConnectionLost?: return "the connection was lost"
        default: return error.localizedDescription
        }
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode
        state.withLock {
            $0.status = status
            $0.expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        }
        completionHandler(status == 200 ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        do {
            try output.write(contentsOf: data)
            state.withLock { $0.received += Int64(data.count) }
        } catch {
            state.withLock { $0.writeError = error }
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let continuation = state.withLock { state in
            state.transportError = error
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }
}
