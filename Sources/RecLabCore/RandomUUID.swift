import Foundation

extension UUID {
    /// A version-4 UUID from the system's generator (getrandom). Foundation's `UUID()` on Linux
    /// opens, reads and closes /dev/urandom for each one: three system calls that an answer,
    /// which names itself with one, would pay every time.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var halves = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &halves) { bytes in
            bytes[6] = bytes[6] & 0x0f | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3f | 0x80  // the RFC 4122 variant
            return UUID(uuid: bytes.load(as: uuid_t.self))
        }
    }
}
