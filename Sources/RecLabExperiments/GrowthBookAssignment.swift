/// GrowthBook's experiment assignment (its SDK spec 0.5.4): the hash, bucket ranges scaled by
/// coverage, variation choice and namespaces. Deterministic and stateless, so every replica
/// and every restart puts a user in the same variant, and it can be checked against
/// GrowthBook's own test vectors.
public enum GrowthBookAssignment {
    /// 32-bit FNV-1a over the UTF-16 code units of `text`, as GrowthBook's JavaScript does.
    public static func fnv32a(_ text: String) -> UInt32 {
        fnv32a(continuing: offsetBasis, text)
    }

    static let offsetBasis: UInt32 = 2_166_136_261

    /// FNV-1a from `hash` over `text`: hashing `a` then `b` equals hashing `a + b`, without
    /// building the concatenation (this runs once or twice per request).
    static func fnv32a(continuing hash: UInt32, _ text: String) -> UInt32 {
        // ASCII's UTF-8 bytes are its UTF-16 code units, and reading them needs no transcoding.
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> UInt32? in
            var hash = hash
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                hash ^= UInt32(byte)
                hash = hash &* 16_777_619
            }
            return hash
        }
        if let ascii, let ascii { return ascii }
        var hash = hash
        for unit in text.utf16 {
            hash ^= UInt32(unit)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// FNV-1a over the decimal digits of `number`, as `fnv32a(String(number))` without the String.
    static func fnv32a(decimal number: UInt32) -> UInt32 {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = number
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
        }
        var hash = offsetBasis
        withUnsafeBytes(of: &digits) { buffer in
            for index in stride(from: count - 1, through: 0, by: -1) {
                hash ^= UInt32(buffer[index]) + 48
                hash = hash &* 16_777_619
            }
        }
        return hash
    }

    /// A number in [0, 1) from a seed and a value: version 1 is `fnv32a(value + seed) % 1000 /
    /// 1000`, version 2 `fnv32a(String(fnv32a(seed + value))) % 10000 / 10000`; nil for other
    /// versions.
    public static func hash(seed: String, value: String, version: Int) -> Double? {
        switch version {
        case 1: Double(fnv32a(continuing: fnv32a(value), seed) % 1000) / 1000
        case 2: Double(fnv32a(decimal: fnv32a(continuing: fnv32a(seed), value)) % 10000) / 10000
        default: nil
        }
    }

    /// `count` equal weights; none for a count below 1.
    public static func equalWeights(_ count: Int) -> [Double] {
        count <= 0 ? [] : Array(repeating: 1 / Double(count), count: count)
    }

    /// Each variation's [start, end) in [0, 1): starts at the running sum of the weights, and
    /// is `coverage × weight` long, so raising coverage only lengthens ranges and never moves
    /// an enrolled user. Coverage is clamped to [0, 1]; weights that do not match the count or
    /// do not sum to 1 (±0.01) become equal.
    public static func bucketRanges(variations: Int, coverage: Double, weights: [Double]?) -> [Range<Double>] {
        let coverage = min(max(coverage, 0), 1)
        var weights = weights ?? equalWeights(variations)
        let total = weights.reduce(0, +)
        if weights.count != variations || total < 0.99 || total > 1.01 { weights = equalWeights(variations) }
        var start = 0.0
        return weights.map { weight in
            defer { start += weight }
            return start..<(start + coverage * weight)
        }
    }

    /// The variation whose range holds `n`, or nil when `n` falls in no range (not enrolled).
    public static func chooseVariation(_ n: Double, ranges: [Range<Double>]) -> Int? {
        ranges.firstIndex { $0.contains(n) }
    }

    /// Whether `userID` falls in the namespace's [start, end): mutually exclusive experiments
    /// take disjoint slices of one namespace.
    public static func inNamespace(_ userID: String, namespace: String, range: Range<Double>) -> Bool {
        guard let n = hash(seed: "__" + namespace, value: userID, version: 1) else { return false }
        return range.contains(n)
    }
}
