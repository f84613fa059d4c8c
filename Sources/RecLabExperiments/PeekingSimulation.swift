import RecLabCore

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

    /// For each analysis, and each k in 1…looks, the share of experiments in which one of the
    /// first k looks had p < 0.05. Every analysis reads the same simulated users.
    public func falsePositiveRates(_ analyses: [Experiment.Analysis]) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        var firstFalsePositive = [[Int]](repeating: [Int](repeating: 0, count: looks), count: analyses.count)
        for _ in 0..<experiments {
            var arms = [RatioSample(), RatioSample()]
            var called = [Bool](repeating: false, count: analyses.count)
            for look in 0..<looks {
                for user in 0..<usersPerLook {
                    var clicks = 0
                    for _ in 0..<impressionsPerUser where Double.random(in: 0..<1, using: &generator) < clickRate { clicks += 1 }
                    arms[user % 2].add(impressions: impressionsPerUser, events: clicks)
                }
                for (index, analysis) in analyses.enumerated() where !called[index] {
                    if let p = ExperimentAnalysis.compare(arms[1], against: arms[0], analysis: analysis).pValue, p < ExperimentAnalysis.alpha {
                        called[index] = true
                        firstFalsePositive[index][look] += 1
                    }
                }
            }
        }
        return firstFalsePositive.map { counts in
            var cumulative = 0
            return counts.map { count in
                cumulative += count
                return Double(cumulative) / Double(experiments)
            }
        }
    }
}
