/// GrowthBook's experiment assignment (its SDK spec 0.5.4): the hash, bucket ranges scaled by
/// coverage, variation choice and namespaces. Deterministic and stateless, so every replica
/// and every restart puts a user in the same variant, and it can be checked against
/// GrowthBook's own test vectors.
public enum GrowthBookAssignment {
    /// 32-bit FNV-1a over the UTF-16 code units of `text`, as GrowthBook's JavaScript does.
    public static func fnv32a(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for unit in text.utf16 {
            hash ^= UInt32(unit)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// A number in [0, 1) from a seed and a value: version 1 is `fnv32a(value + seed) % 1000 /
    /// 1000`, version 2 `fnv32a(String(fnv32a(seed + value))) % 10000 / 10000`; nil for other
    /// versions.
    public static func hash(seed: String, value: String, version: Int) -> Double? {
        switch version {
        case 1: Double(fnv32a(value + seed) % 1000) / 1000
        case 2: Double(fnv32a(String(fnv32a(seed + value))) % 10000) / 10000
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
