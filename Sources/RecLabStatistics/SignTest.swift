import Foundation

/// Which of two options more people prefer, from counts of people who preferred each (ties
/// left out): the exact binomial test of an even split, and the Clopper–Pearson interval of
/// the share preferring the first. The two agree: the interval leaves out one half exactly
/// when p < 1 − confidence.
public enum SignTest {
    /// SciPy's `binomtest(k, n, 0.5).pvalue`: under an even split the binomial is symmetric,
    /// so the two-sided p-value is twice the smaller tail, at most 1.
    public static func pValue(successes k: Int, trials n: Int) -> Double {
        precondition(0 <= k && k <= n, "successes must be between 0 and trials")
        guard n > 0 else { return 1 }
        let lower = atMost(k, trials: n)
        let upper = 1 - atMost(k - 1, trials: n)
        return min(1, 2 * min(lower, upper))
    }

    /// SciPy's `binomtest(k, n).proportion_ci(confidence, method="exact")`.
    public static func interval(successes k: Int, trials n: Int, confidence: Double = 0.95) -> (low: Double, high: Double) {
        precondition(0 <= k && k <= n && n > 0, "an interval needs trials, and successes between 0 and trials")
        let alpha = 1 - confidence
        let a = Double(k)
        let b = Double(n - k)
        let low = k == 0 ? 0 : betaQuantile(alpha / 2, a: a, b: b + 1)
        let high = k == n ? 1 : betaQuantile(1 - alpha / 2, a: a + 1, b: b)
        return (low, high)
    }

    /// P(X ≤ k) for X ~ Binomial(n, ½), through I_½(n − k, k + 1).
    static func atMost(_ k: Int, trials n: Int) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return Distributions.regularizedIncompleteBeta(a: Double(n - k), b: Double(k + 1), x: 0.5)
    }

    /// The x with I_x(a, b) = q, by bisection: I is increasing in x, and 100 halvings reach
    /// the last bit of a Double.
    static func betaQuantile(_ q: Double, a: Double, b: Double) -> Double {
        var low = 0.0
        var high = 1.0
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if Distributions.regularizedIncompleteBeta(a: a, b: b, x: middle) < q { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
