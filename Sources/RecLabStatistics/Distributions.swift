import Foundation

/// The distributions RecLab's statistics need (Student's t, chi-square), computed from the
/// regularised incomplete beta and gamma functions as in Numerical Recipes §6.2–6.4, so the
/// p-values do not depend on a statistics package.
public enum Distributions {
    /// P(T ≤ t) for Student's t with `degreesOfFreedom` (any positive real, as Welch's gives).
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * regularizedIncompleteBeta(a: df / 2, b: 0.5, x: df / (df + t * t))
        return t >= 0 ? 1 - tail : tail
    }

    /// The two-sided p-value of a t statistic.
    public static func twoSidedPValue(t: Double, degreesOfFreedom df: Double) -> Double {
        guard t.isFinite else { return 0 }
        return min(1, regularizedIncompleteBeta(a: df / 2, b: 0.5, x: df / (df + t * t)))
    }

    /// The t value with P(T ≤ t) = `probability`, by bisection on the CDF (60 halvings reach
    /// double precision on the bracket below).
    public static func studentTQuantile(_ probability: Double, degreesOfFreedom df: Double) -> Double {
        precondition(probability > 0 && probability < 1, "a quantile needs a probability in (0, 1)")
        var low = -1e6
        var high = 1e6
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if studentTCDF(middle, degreesOfFreedom: df) < probability { low = middle } else { high = middle }
            if high - low < 1e-12 * max(1, abs(middle)) { break }
        }
        return (low + high) / 2
    }

    /// P(X ≥ x) for chi-square with `degreesOfFreedom`: the p-value of a chi-square statistic.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom df: Double) -> Double {
        guard x > 0 else { return 1 }
        return regularizedUpperGamma(a: df / 2, x: x / 2)
    }

    /// I_x(a, b), by the continued fraction (modified Lentz), on the side where it converges fast.
    static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - front * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1, the continued fraction above.
    static func regularizedUpperGamma(a: Double, x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var denominator = a
            for _ in 0..<10_000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logFront))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var result = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return exp(logFront) * result
    }
}
