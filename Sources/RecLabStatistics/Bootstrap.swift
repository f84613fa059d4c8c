import RecLabCore

/// Lower and upper bounds of a confidence interval.
public struct Interval: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    public func contains(_ value: Double) -> Bool { low <= value && value <= high }
}

/// One figure against a reference measured on the same units (users): the difference of
/// their means, its confidence interval and a two-sided p-value.
public struct PairedDifference: Codable, Sendable, Equatable {
    /// mean(values) − mean(reference).
    public var difference: Double
    public var low: Double
    public var high: Double
    public var pValue: Double
    /// The interval holds 0: no difference can be told at this confidence.
    public var tied: Bool

    public init(difference: Double, low: Double, high: Double, pValue: Double) {
        self.difference = difference
        self.low = low
        self.high = high
        self.pValue = pValue
        tied = Interval(low: low, high: high).contains(0)
    }
}

/// The bootstrap over units (users, in an offline evaluation): `resamples` draws of n units
/// with replacement, from a seeded generator, made once and shared by every statistic. Two
/// strategies' figures are therefore resampled over the same users in the same draws, which
/// is what makes a comparison between them paired.
///
/// Intervals are percentile intervals (Efron & Tibshirani 1993, §13.3), with quantiles
/// interpolated as NumPy's `percentile` does by default.
public struct Bootstrap: Sendable {
    public let units: Int
    public let resamples: Int
    public let confidence: Double
    /// How many times each unit is drawn in each resample: `resamples` rows of `units`.
    private let multiplicities: [UInt16]

    public init(units: Int, resamples: Int = 1_000, seed: UInt64 = 1, confidence: Double = 0.95) {
        precondition(units > 0 && resamples > 0, "a bootstrap needs units and resamples")
        precondition(confidence > 0 && confidence < 1, "a confidence level is in (0, 1)")
        self.units = units
        self.resamples = resamples
        self.confidence = confidence
        var generator = SeededGenerator(seed: seed)
        var multiplicities = [UInt16](repeating: 0, count: units * resamples)
        for resample in 0..<resamples {
            for _ in 0..<units {
                multiplicities[resample * units + Int(generator.next() % UInt64(units))] += 1
            }
        }
        self.multiplicities = multiplicities
    }

    /// `statistic` on every resample, given how many times each unit was drawn in it.
    public func replicates(_ statistic: (ArraySlice<UInt16>) -> Double) -> [Double] {
        (0..<resamples).map { resample in statistic(multiplicities[(resample * units)..<((resample + 1) * units)]) }
    }

    /// The mean of `values` (one per unit) on every resample.
    public func replicatedMeans(_ values: [Double]) -> [Double] {
        precondition(values.count == units, "\(values.count) values for \(units) units")
        return replicates { drawn in
            var sum = 0.0
            for (value, times) in zip(values, drawn) where times > 0 { sum += value * Double(times) }
            return sum / Double(units)
        }
    }

    /// The percentile interval of replicates.
    public func percentileInterval(_ replicates: [Double]) -> Interval {
        let sorted = replicates.sorted()
        let tail = (1 - confidence) / 2
        return Interval(low: Self.quantile(sorted, tail), high: Self.quantile(sorted, 1 - tail))
    }

    /// The interval of the mean of `values`.
    public func intervalOfMean(_ values: [Double]) -> Interval {
        percentileInterval(replicatedMeans(values))
    }

    /// `values` against `reference`, unit by unit: the difference of means, the percentile
    /// interval of the resampled differences, and the two-sided p-value
    /// The least p-value `compare` can give from `resamples` resamples, 2 / (resamples + 1).
    public static func pValueFloor(resamples: Int) -> Double { 2 / Double(resamples + 1) }

    /// 2·(1 + the resamples on the far side of 0) / (1 + resamples), as Davison & Hinkley
    /// (1997, §4.4) count it, so it is never 0 from a finite number of resamples.
    public func compare(_ values: [Double], to reference: [Double]) -> PairedDifference {
        precondition(values.count == units && reference.count == units, "paired values need one of each per unit")
        let differences = zip(values, reference).map { $0 - $1 }
        let replicates = replicatedMeans(differences)
        let interval = percentileInterval(replicates)
        let below = replicates.count { $0 <= 0 }
        let above = replicates.count { $0 >= 0 }
        let pValue = min(1, 2 * Double(1 + min(below, above)) / Double(1 + resamples))
        return PairedDifference(
            difference: differences.reduce(0, +) / Double(units), low: interval.low, high: interval.high, pValue: pValue)
    }

    /// The `probability` quantile of sorted values, linearly interpolated between the two
    /// nearest ranks (NumPy's default, Hyndman & Fan's type 7).
    public static func quantile(_ sorted: [Double], _ probability: Double) -> Double {
        precondition(!sorted.isEmpty && (0...1).contains(probability), "a quantile needs values and a probability in [0, 1]")
        let position = Double(sorted.count - 1) * probability
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
}
