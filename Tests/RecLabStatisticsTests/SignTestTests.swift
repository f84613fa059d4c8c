import RecLabStatistics
import Testing

@Suite struct SignTestTests {
    /// SciPy 1.17: `r = binomtest(k, n)`, `r.pvalue`, `r.proportion_ci(0.95, method="exact")`.
    static let scipy: [(k: Int, n: Int, p: Double, low: Double, high: Double)] = [
        (7, 20, 0.26317596435546875, 0.1539092047845412, 0.5921885345328283),
        (15, 20, 0.04138946533203125, 0.5089541282920425, 0.9134285308985655),
        (0, 10, 0.001953125, 0.0, 0.30849710781876294),
        (10, 10, 0.001953125, 0.6915028921812371, 1.0),
        (50, 100, 1.0, 0.39832112950330095, 0.6016788704966991),
        (60, 100, 0.05688793364098089, 0.4972091504223335, 0.6967052312971551),
        (532, 1000, 0.04629119736049818, 0.5005180952907966, 0.5632930034560643),
        (3, 4, 0.625, 0.19412044968324338, 0.9936905367902901),
        (1, 1, 1.0, 0.025000000000000022, 1.0),
    ]

    @Test func theExactBinomialTestAndClopperPearsonIntervalMatchSciPy() {
        for case let (k, n, p, low, high) in Self.scipy {
            #expect(abs(SignTest.pValue(successes: k, trials: n) - p) < 1e-9 * max(p, 1e-3), "p for \(k)/\(n)")
            let interval = SignTest.interval(successes: k, trials: n)
            #expect(abs(interval.low - low) < 1e-9, "low for \(k)/\(n)")
            #expect(abs(interval.high - high) < 1e-9, "high for \(k)/\(n)")
        }
    }

    @Test func theIntervalLeavesOutOneHalfExactlyWhenTheTestRejects() {
        for n in 1...60 {
            for k in 0...n {
                let interval = SignTest.interval(successes: k, trials: n)
                let excludesHalf = interval.low > 0.5 || interval.high < 0.5
                #expect(excludesHalf == (SignTest.pValue(successes: k, trials: n) < 0.05), "\(k)/\(n)")
            }
        }
    }

    @Test func noTrialsIsNoEvidence() {
        #expect(SignTest.pValue(successes: 0, trials: 0) == 1)
    }
}
