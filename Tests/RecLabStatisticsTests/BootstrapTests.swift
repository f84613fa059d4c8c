import RecLabCore
import RecLabStatistics
import Testing

@Suite struct BootstrapTests {
    /// Values from a seeded generator: roughly normal (a sum of 12 uniforms), mean `mean`.
    static func sample(_ count: Int, mean: Double, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in mean + (0..<12).reduce(0) { sum, _ in sum + Double.random(in: 0..<1, using: &generator) } - 6 }
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    static func standardDeviation(_ values: [Double]) -> Double {
        let centre = mean(values)
        return (values.reduce(0) { $0 + ($1 - centre) * ($1 - centre) } / Double(values.count - 1)).squareRoot()
    }

    // numpy.percentile(values, q) with the default linear interpolation.
    @Test func quantilesInterpolateAsNumPysPercentileDoes() {
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.25) == 1.75)
        #expect(abs(Bootstrap.quantile([1, 2, 3, 4, 5], 0.025) - 1.1) < 1e-12)
        #expect(abs(Bootstrap.quantile([10, 20], 0.975) - 19.75) < 1e-12)
        #expect(Bootstrap.quantile([3], 0.5) == 3)
        #expect(Bootstrap.quantile([1, 2, 3, 4], 1) == 4 && Bootstrap.quantile([1, 2, 3, 4], 0) == 1)
    }

    @Test func everyResampleDrawsAsManyUnitsAsThereAreAndTheSeedFixesThem() {
        let bootstrap = Bootstrap(units: 37, resamples: 200, seed: 7)
        #expect(bootstrap.replicates { Double($0.reduce(0) { $0 + Int($1) }) }.allSatisfy { $0 == 37 })
        let values = Self.sample(37, mean: 1, seed: 3)
        #expect(bootstrap.intervalOfMean(values) == Bootstrap(units: 37, resamples: 200, seed: 7).intervalOfMean(values))
        #expect(bootstrap.intervalOfMean(values) != Bootstrap(units: 37, resamples: 200, seed: 8).intervalOfMean(values))
    }

    /// On 2,000 values the percentile interval of the mean is the t interval it approximates,
    /// mean ± t(0.975, n − 1)·s/√n, to within a few percent of its width.
    @Test func theIntervalOfALargeSamplesMeanIsTheTInterval() {
        let values = Self.sample(2_000, mean: 0.13, seed: 11)
        let interval = Bootstrap(units: values.count, resamples: 4_000, seed: 5).intervalOfMean(values)
        let margin = Distributions.studentTQuantile(0.975, degreesOfFreedom: Double(values.count - 1))
            * Self.standardDeviation(values) / Double(values.count).squareRoot()
        let centre = Self.mean(values)
        #expect(abs(interval.low - (centre - margin)) < 0.05 * 2 * margin, "\(interval) against \(centre) ± \(margin)")
        #expect(abs(interval.high - (centre + margin)) < 0.05 * 2 * margin, "\(interval) against \(centre) ± \(margin)")
        #expect(interval.contains(centre))
    }

    /// The paired bootstrap's p-value is the paired t test's (scipy.stats.ttest_rel) on a
    /// sample large enough for both to hold, here near 0.05 where it matters.
    @Test func thePairedPValueIsThePairedTTestsOnALargeSample() {
        let reference = Self.sample(600, mean: 0.13, seed: 21)
        // Differences of mean 2 standard errors: t = 2, p ≈ 0.046.
        let noise = Self.sample(600, mean: 0, seed: 22)
        let centred = noise.map { $0 - Self.mean(noise) }
        let shift = 2 * Self.standardDeviation(centred) / Double(centred.count).squareRoot()
        let values = zip(reference, centred).map { $0 + $1 + shift }
        let differences = zip(values, reference).map { $0 - $1 }
        let t = Self.mean(differences) / (Self.standardDeviation(differences) / Double(differences.count).squareRoot())
        let tTest = Distributions.twoSidedPValue(t: t, degreesOfFreedom: Double(differences.count - 1))
        let paired = Bootstrap(units: 600, resamples: 10_000, seed: 9).compare(values, to: reference)
        #expect(tTest > 0.01 && tTest < 0.2, "the sample should sit near the threshold: t test p = \(tTest)")
        #expect(abs(paired.pValue - tTest) < 0.015, "bootstrap p \(paired.pValue), t test p \(tTest)")
        #expect(abs(paired.difference - Self.mean(differences)) < 1e-12)
        #expect(paired.tied == (paired.low <= 0 && paired.high >= 0))
        #expect(paired.tied == (paired.pValue >= 0.05) || abs(paired.pValue - 0.05) < 0.01, "interval and p-value agree away from the threshold")
    }

    @Test func aConstantShiftIsNeverTiedAndEqualFiguresAlwaysAre() {
        let reference = Self.sample(100, mean: 0.2, seed: 31)
        let bootstrap = Bootstrap(units: 100, resamples: 999, seed: 1)
        let shifted = bootstrap.compare(reference.map { $0 + 0.01 }, to: reference)
        #expect(!shifted.tied && abs(shifted.difference - 0.01) < 1e-12)
        // Every resample on one side: 2·(1 + 0)/(1 + 999), never 0.
        #expect(shifted.pValue == 0.002)
        let same = bootstrap.compare(reference, to: reference)
        #expect(same.tied && same.difference == 0 && same.pValue == 1)
    }
}
