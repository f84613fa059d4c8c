import RecLabStatistics
import Testing

@Suite struct ConfidenceSequenceTests {
    /// ρ as Waudby-Smith et al. (2023, eq. 161) define it and GrowthBook computes it.
    @Test func rhoIsTheMixingParameterOfTheTuningSampleSize() {
        #expect(abs(ConfidenceSequence(alpha: 0.05, tuning: 5_000).rho - 0.03984006677137368) < 1e-15)
    }

    /// GrowthBook's sequential test on two published golden cases (its engine as ported and
    /// pinned by PostHog): the standard error of the relative lift and the interval it gives.
    @Test(arguments: [
        // SE, users in all, tuning, interval of the lift.
        (0.33368, 6_500, 1_000.0, -0.53230, 1.59353),
        (0.03354, 6_550, 5_000.0, 0.46064, 0.66448),
    ])
    func theHalfWidthMatchesGrowthBooksGoldenValues(_ golden: (Double, Int, Double, Double, Double)) {
        let (standardError, users, tuning, low, high) = golden
        let sequence = ConfidenceSequence(alpha: 0.05, tuning: tuning)
        let halfWidth = sequence.halfWidth(estimateVariance: standardError * standardError, units: users)
        // The published figures are rounded to five decimals, the standard error among them.
        #expect(abs(halfWidth - (high - low) / 2) < 2e-5, "\(halfWidth) against \((high - low) / 2)")
    }

    @Test func thePValueFallsBelowAlphaExactlyWhenTheIntervalLeavesOutZero() {
        let sequence = ConfidenceSequence()
        for users in [200, 5_000, 80_000] {
            let variance = 0.04 / Double(users)
            let halfWidth = sequence.halfWidth(estimateVariance: variance, units: users)
            for estimate in [0.5, 0.99, 1.01, 2].map({ $0 * halfWidth }) {
                let p = sequence.pValue(estimate: estimate, estimateVariance: variance, units: users)
                #expect((p < 0.05) == (estimate > halfWidth), "n \(users), estimate \(estimate / halfWidth) half-widths: p \(p)")
            }
        }
        #expect(sequence.pValue(estimate: 0, estimateVariance: 1, units: 100) == 1)
    }

    /// Always valid costs width: at every size the sequence is wider than the fixed 95% interval,
    /// least so near the tuning size.
    @Test func theSequenceIsWiderThanAFixedIntervalAndNarrowestRelativeToItNearTheTuningSize() {
        let sequence = ConfidenceSequence(alpha: 0.05, tuning: 5_000)
        let ratios = [100, 1_000, 5_000, 50_000, 500_000].map { users in
            sequence.halfWidth(estimateVariance: 1 / Double(users), units: users) / (1.959964 / Double(users).squareRoot())
        }
        #expect(ratios.allSatisfy { $0 > 1 }, "\(ratios)")
        #expect(ratios.min() == ratios[2], "\(ratios)")
    }
}
