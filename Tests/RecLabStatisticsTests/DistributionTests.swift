import RecLabStatistics
import Testing

@Suite struct DistributionTests {
    // Reference values from scipy.stats 1.17 (t.cdf, t.ppf, chi2.sf).
    @Test func studentTMatchesSciPy() {
        #expect(abs(Distributions.studentTCDF(2.0, degreesOfFreedom: 10) - 0.9633059826146299) < 1e-12)
        #expect(abs(Distributions.studentTCDF(-1.3, degreesOfFreedom: 3.7) - 0.13433336208631375) < 1e-12)
        #expect(abs(Distributions.twoSidedPValue(t: 2.5, degreesOfFreedom: 17.25) - 0.0227803633627456) < 1e-12)
        #expect(abs(Distributions.studentTQuantile(0.975, degreesOfFreedom: 10) - 2.228138851986274) < 1e-9)
        #expect(abs(Distributions.studentTQuantile(0.975, degreesOfFreedom: 57.3) - 2.002238268231336) < 1e-9)
        #expect(abs(Distributions.studentTQuantile(0.975, degreesOfFreedom: 1e7) - 1.959964221767205) < 1e-6)
    }

    @Test func chiSquareSurvivalMatchesSciPy() {
        #expect(abs(Distributions.chiSquareSurvival(13.8155, degreesOfFreedom: 2) - 0.0010000052789960706) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(3.841459, degreesOfFreedom: 1) - 0.04999999465319563) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(10, degreesOfFreedom: 4) - 0.04042768199451279) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(0.5, degreesOfFreedom: 3) - 0.9188914116546758) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(40, degreesOfFreedom: 1) / 2.5396285894708634e-10 - 1) < 1e-9)
    }
}
