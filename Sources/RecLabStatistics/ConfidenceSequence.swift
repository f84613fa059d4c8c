import Foundation

/// An always-valid confidence sequence for an asymptotically normal estimate: its interval
/// holds the true value at every look at once with probability 1 − α, so a report may be read
/// (and an experiment stopped) any day without inflating false positives.
///
/// This is the asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and
/// Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences" (2023,
/// arXiv:2103.06476, eq. 9), with ρ chosen to make it tightest at `tuning` units (eq. 161), as
/// GrowthBook's engine implements it; `tuning` is GrowthBook's `sequentialTuningParameter`,
/// 5,000 by default.
public struct ConfidenceSequence: Sendable, Equatable {
    public let alpha: Double
    /// The total sample size (units in both arms) at which the sequence is narrowest.
    public let tuning: Double
    /// The mixing parameter: sqrt((−2 ln α + ln(−2 ln α + 1)) / tuning).
    public let rho: Double

    public init(alpha: Double = 0.05, tuning: Double = 5_000) {
        precondition(alpha > 0 && alpha < 1, "alpha is in (0, 1)")
        precondition(tuning > 0, "the tuning sample size is positive")
        self.alpha = alpha
        self.tuning = tuning
        let logAlpha = log(alpha)
        rho = ((-2 * logAlpha + log(-2 * logAlpha + 1)) / tuning).squareRoot()
    }

    /// The half-width around an estimate whose variance is `estimateVariance`, after `n` units
    /// in all: σ·sqrt(2(nρ² + 1)·ln(sqrt(nρ² + 1)/α) / (nρ)²), with σ² = n·variance the
    /// per-unit variance.
    public func halfWidth(estimateVariance: Double, units n: Int) -> Double {
        let n = Double(n)
        let grown = n * rho * rho + 1
        return (n * estimateVariance * 2 * grown * log(grown.squareRoot() / alpha) / (n * rho * n * rho)).squareRoot()
    }

    /// The always-valid two-sided p-value: the least α whose sequence (at this ρ) excludes 0,
    /// sqrt(nρ² + 1)·exp(−estimate²·(nρ)² / (2σ²(nρ² + 1))), at most 1. It is below `alpha`
    /// exactly when the interval excludes 0.
    public func pValue(estimate: Double, estimateVariance: Double, units n: Int) -> Double {
        let n = Double(n)
        let grown = n * rho * rho + 1
        let exponent = -estimate * estimate * n * rho * n * rho / (2 * n * estimateVariance * grown)
        return min(1, exp(exponent + 0.5 * log(grown)))
    }
}
