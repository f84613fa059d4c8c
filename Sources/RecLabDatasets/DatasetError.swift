import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a data set could not be fetched; its description is a sentence fit to show a person.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The server answered with a status other than 200 OK.
    case httpStatus(url: URL, status: Int)
    /// The connection ended before the announced Content-Length was received.
    case truncated(url: URL, received: Int64, expected: Int64)
    /// The download failed below HTTP (connection refused, timeout, ...).
    case network(url: URL, reason: String)
    /// The downloaded file could not be opened as a zip archive.
    case notAZipArchive(url: URL, reason: String)
    /// An archive entry could not be unpacked (bad CRC, bad compressed data, ...).
    case corruptEntry(path: String, reason: String)
    /// The archive lacks a file the data set must contain.
    case missingFile(path: String)
    /// An unpacked file's SHA-256 differs from the published one.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// The cache folder could not be written.
    case cache(path: String, reason: String)

    public var description: String {
        switch self {
        case let .httpStatus(url, status):
            let reason = HTTPURLResponse.localizedString(forStatusCode: status)
            return "Downloading \(url.absoluteString) failed: the server answered HTTP status \(status) (\(reason))."
        case let .truncated(url, received, expected):
            return "Downloading \(url.absoluteString) failed: the download was truncated at \(received) of \(expected) bytes."
        case let .network(url, reason):
            return "Downloading \(url.absoluteString) failed: \(reason)."
        case let .notAZipArchive(url, reason):
            return "The file downloaded from \(url.absoluteString) is not a valid zip archive (\(reason))."
        case let .corruptEntry(path, reason):
            return "The archive entry \(path) is corrupt and could not be unpacked (\(reason))."
        case let .missingFile(path):
            return "The downloaded archive is missing the file \(path)."
        case let .checksumMismatch(file, expected, actual):
            return "Checksum mismatch for \(file): expected sha256 \(expected), got \(actual)."
        case let .cache(path, reason):
            return "Could not write the data set cache at \(path): \(reason)."
        }
    }

    public var errorDescription: String? { description }
}
