import Foundation
import RecLabExperiments
import TestSupport
import Testing

/// GrowthBook's own test vectors (its JS SDK's cases.json, spec 0.5.4), read from
/// ../shared/experiments/growthbook-cases.json.
enum GrowthBookCases {
    static func section(_ name: String) -> [[Any]] {
        let url = try! SharedFolder.url("experiments/growthbook-cases.json")
        let cases = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return cases[name] as! [[Any]]
    }

    /// The vectors compare numbers floored to 8 decimals.
    static func floor8(_ value: Double) -> Double { (value * 1e8).rounded(.down) / 1e8 }

    static func number(_ value: Any) -> Double { (value as! NSNumber).doubleValue }
}

@Suite struct GrowthBookVectorTests {
    @Test func fnvRunsOverUTF16CodeUnitsForNonASCIIText() {
        // Reference: FNV-1a over the UTF-16LE code units, computed in Python. "é" is one code
        // unit, "😀" two (a surrogate pair); the ASCII fast path must give way to them.
        #expect(GrowthBookAssignment.fnv32a("héllo😀") == 4_113_148_722)
        #expect(GrowthBookAssignment.fnv32a("usér-1") == 984_720_448)
        #expect(GrowthBookAssignment.fnv32a("user-1") == 4_115_888_500)
    }

    @Test func everyHashVectorMatches() {
        let vectors = GrowthBookCases.section("hash")
        #expect(vectors.count >= 15)
        for vector in vectors {
            let (seed, value, version) = (vector[0] as! String, vector[1] as! String, (vector[2] as! NSNumber).intValue)
            let expected = vector[3] is NSNull ? nil : GrowthBookCases.number(vector[3])
            #expect(GrowthBookAssignment.hash(seed: seed, value: value, version: version) == expected, "\(vector)")
        }
    }

    @Test func everyBucketRangeVectorMatches() {
        for vector in GrowthBookCases.section("getBucketRange") {
            let arguments = vector[1] as! [Any]
            let weights = arguments[2] is NSNull ? nil : (arguments[2] as! [NSNumber]).map(\.doubleValue)
            let ranges = GrowthBookAssignment.bucketRanges(
                variations: (arguments[0] as! NSNumber).intValue, coverage: GrowthBookCases.number(arguments[1]), weights: weights)
            let expected = (vector[2] as! [[NSNumber]]).map { [$0[0].doubleValue, $0[1].doubleValue] }
            let actual = ranges.map { [GrowthBookCases.floor8($0.lowerBound), GrowthBookCases.floor8($0.upperBound)] }
            #expect(actual == expected, "\(vector[0])")
        }
    }

    @Test func everyChooseVariationVectorMatches() {
        for vector in GrowthBookCases.section("chooseVariation") {
            let ranges = (vector[2] as! [[NSNumber]]).map { $0[0].doubleValue..<$0[1].doubleValue }
            let expected = (vector[3] as! NSNumber).intValue
            let chosen = GrowthBookAssignment.chooseVariation(GrowthBookCases.number(vector[1]), ranges: ranges)
            #expect((chosen ?? -1) == expected, "\(vector[0])")
        }
    }

    @Test func everyNamespaceVectorMatches() {
        for vector in GrowthBookCases.section("inNamespace") {
            let namespace = vector[2] as! [Any]
            let range = GrowthBookCases.number(namespace[1])..<GrowthBookCases.number(namespace[2])
            let member = GrowthBookAssignment.inNamespace(vector[1] as! String, namespace: namespace[0] as! String, range: range)
            #expect(member == (vector[3] as! Bool), "\(vector[0])")
        }
    }

    @Test func everyEqualWeightsVectorMatches() {
        for vector in GrowthBookCases.section("getEqualWeights") {
            let weights = GrowthBookAssignment.equalWeights((vector[0] as! NSNumber).intValue).map(GrowthBookCases.floor8)
            #expect(weights == (vector[1] as! [NSNumber]).map(\.doubleValue), "\(vector)")
        }
    }

    @Test func assignmentsFollowTheWeightsOverAHundredThousandUsers() {
        // 20/30/50 at full coverage: the report's sample-ratio check must not fire (p > 0.001).
        let weights = [0.2, 0.3, 0.5]
        let ranges = GrowthBookAssignment.bucketRanges(variations: 3, coverage: 1, weights: weights)
        var counts = [0, 0, 0]
        let users = 100_000
        for user in 0..<users {
            let n = GrowthBookAssignment.hash(seed: "exp-weights", value: "user-\(user)", version: 2)!
            counts[GrowthBookAssignment.chooseVariation(n, ranges: ranges)!] += 1
        }
        let check = ExperimentAnalysis.sampleRatioCheck(users: counts, weights: weights)!
        #expect(!check.mismatch, "counts \(counts), chi-square \(check.chiSquare), p \(check.pValue)")
    }

    @Test func raisingCoverageNeverMovesAnEnrolledUser() {
        let low = GrowthBookAssignment.bucketRanges(variations: 2, coverage: 0.3, weights: nil)
        let high = GrowthBookAssignment.bucketRanges(variations: 2, coverage: 0.8, weights: nil)
        for user in 0..<10_000 {
            let n = GrowthBookAssignment.hash(seed: "exp-coverage", value: "\(user)", version: 2)!
            if let before = GrowthBookAssignment.chooseVariation(n, ranges: low) {
                #expect(GrowthBookAssignment.chooseVariation(n, ranges: high) == before)
            }
        }
    }
}
