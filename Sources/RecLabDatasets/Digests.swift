import Crypto
import Foundation

extension Digest {
    /// The digest in lower-case hexadecimal, as manifests, key files and data set tables write it.
    public var hex: String {
        var text = ""
        text.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            text.append(Character(Unicode.Scalar(Self.hexDigits[Int(byte >> 4)])))
            text.append(Character(Unicode.Scalar(Self.hexDigits[Int(byte & 0x0F)])))
        }
        return text
    }

    private static var hexDigits: [UInt8] { Array("0123456789abcdef".utf8) }
}

/// File checksums, for data files and the configurations that name them.
public enum FileDigest {
    /// The SHA-256 of a file's contents in hexadecimal, read a megabyte at a time.
    public static func sha256(ofFile url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hex
    }
}
