import Foundation
import RecLabDatasets
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    private func digest(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    @Test("FIPS 180-2 vector: empty message")
    func emptyMessage() {
        #expect(digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("FIPS 180-2 vector: \"abc\"")
    func abc() {
        #expect(digest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("FIPS 180-2 vector: 448-bit message")
    func twoBlockMessage() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(digest(message) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("FIPS 180-2 vector: one million 'a', fed in uneven chunks")
    func oneMillionA() {
        var hasher = SHA256()
        var remaining = 1_000_000
        var chunk = 1
        while remaining > 0 {
            let count = min(chunk, remaining)
            hasher.update(repeatElement(UInt8(ascii: "a"), count: count))
            remaining -= count
            chunk = chunk % 997 + 13  // crosses 64-byte block boundaries at every offset
        }
        #expect(hasher.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Data fed whole or in slices gives the digest Python's hashlib gives")
    func dataWholeAndSliced() {
        let data = Data((0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let expected = "945acdf575d6a2430bf4d6163e1d03b4b0b896fcef107c8b24bf7ff07a621fa3"
        var whole = SHA256()
        whole.update(data)
        #expect(whole.finalize() == expected)
        var sliced = SHA256()
        for start in stride(from: 0, to: data.count, by: 63) {
            sliced.update(data[start ..< min(start + 63, data.count)])
        }
        #expect(sliced.finalize() == expected)
    }
}
