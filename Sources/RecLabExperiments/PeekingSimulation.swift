import LinearAlgebra

/// A/A experiments read at every look, as people read reports: both arms serve alike, so any
/// look that calls a CTR difference is a false positive. Shows what peeking does to a fixed
/// analysis and that a sequential one keeps its promise (README, *Reading a report every day*).
public struct PeekingSimulation: Sendable {
    public var experiments: Int
    public var looks: Int
    /// New users in each look, split evenly between the two arms.
    public var usersPerLook: Int
    public var impressionsPerUser = 10
    public var clickRate = 0.1
    public var seed: UInt64

    public init(experiments: Int, looks: Int, usersPerLook: Int, seed: UInt64) {
        precondition(experiments > 0 && looks > 0 && usersPerLook >= 4, "a simulation needs experiments, looks and users")
        self.experiments = experiments
        self.looks = looks
        self.usersPerLook = usersPerLook
        self.seed = seed
    }

    /// For each k in 1…looks, the share of experiments in which one of the first k looks had
    /// p < 0.05 under `analysis`. The same seed gives every analysis the same users.
    public func falsePositiveRates(_ analysis: Experiment.Analysis) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var firstFalsePositive = [Int](repeating: 0, count: looks + 1)
        for _ in 0..<experiments {
            var arms = [RatioSample(), RatioSample()]
            var called = false
            for look in 0..<looks {
                for user in 0..<usersPerLook {
                    var clicks = 0
                    for _ in 0..<impressionsPerUser where Double.random(in: 0..<1, using: &generator) < clickRate { clicks += 1 }
                    arms[user % 2].add(impressions: impressionsPerUser, events: clicks)
                }
                if !called, let p = ExperimentAnalysis.compare(arms[1], against: arms[0], analysis: analysis).pValue, p < ExperimentAnalysis.alpha {
                    called = true
                    firstFalsePositive[look] += 1
                }
            }
        }
        var cumulative = 0
        return (0..<looks).map { look in
            cumulative += firstFalsePositive[look]
            return Double(cumulative) / Double(experiments)
        }
    }
}
