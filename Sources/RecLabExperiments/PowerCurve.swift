import RecLabCore
import RecLabStatistics

/// How many users an A/B test and an interleaving experiment each need to tell two rankers
/// apart, on the same simulated traffic: for each number of users, the share of simulated
/// experiments (users drawn with replacement from the simulated ones) that find a difference
/// at p < 0.05. A/B splits the users in two and compares CTR (Welch's t-test on the ratio);
/// interleaving shows every user both rankers at once and runs the sign test on their clicks.
public struct PowerCurve: Codable, Sendable, Equatable {
    /// What one simulated user would click: on each variant's own list, and on interleaved lists.
    public struct User: Sendable {
        public var clicksPerVariant: [Int]
        public var shownPerVariant: [Int]
        /// Clicks credited to each variant, for several deals of the team-draft coins.
        public var interleavedClicks: [[Int]]

        public init(clicksPerVariant: [Int], shownPerVariant: [Int], interleavedClicks: [[Int]]) {
            self.clicksPerVariant = clicksPerVariant
            self.shownPerVariant = shownPerVariant
            self.interleavedClicks = interleavedClicks
        }
    }

    /// The power of each design at one number of users (both arms together for A/B).
    public struct Point: Codable, Sendable, Equatable {
        public var users: Int
        public var abPower: Double
        public var interleavingPower: Double
    }

    /// Deals of the interleaving coins simulated per user, so a drawn user's list varies as a
    /// real user's would between experiments.
    public static let deals = 4
    /// The power at which a design is said to detect the difference.
    public static let target = 0.8
    public static let userCounts = [50, 100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800]
    public static let experiments = 400

    public var control: String
    public var challenger: String
    public var points: [Point]
    /// The fewest users (of `userCounts`) with power ≥ 80%; nil when even the most fall short.
    public var abUsersNeeded: Int?
    public var interleavingUsersNeeded: Int?


    public init(control: String, challenger: String, traffic: [User], controlIndex: Int, challengerIndex: Int, seed: UInt64) {
        self.control = control
        self.challenger = challenger
        var generator = SeededGenerator(seed: seed)
        points = traffic.isEmpty ? [] : Self.userCounts.map { users in
            var abHits = 0
            var interleavingHits = 0
            for _ in 0..<Self.experiments {
                var arms = [RatioSample(), RatioSample()]
                var favourControl = 0
                var favourChallenger = 0
                for drawn in 0..<users {
                    let user = traffic[Int.random(in: 0..<traffic.count, using: &generator)]
                    let arm = drawn % 2
                    let variant = arm == 0 ? controlIndex : challengerIndex
                    arms[arm].add(impressions: user.shownPerVariant[variant], events: user.clicksPerVariant[variant])
                    let deal = user.interleavedClicks[Int.random(in: 0..<user.interleavedClicks.count, using: &generator)]
                    if deal[controlIndex] > deal[challengerIndex] { favourControl += 1 }
                    if deal[challengerIndex] > deal[controlIndex] { favourChallenger += 1 }
                }
                if let p = ExperimentAnalysis.compare(arms[1], against: arms[0]).pValue, p < ExperimentAnalysis.alpha { abHits += 1 }
                if favourControl + favourChallenger > 0,
                   SignTest.pValue(successes: favourChallenger, trials: favourControl + favourChallenger) < ExperimentAnalysis.alpha {
                    interleavingHits += 1
                }
            }
            return Point(
                users: users, abPower: Double(abHits) / Double(Self.experiments), interleavingPower: Double(interleavingHits) / Double(Self.experiments))
        }
        abUsersNeeded = points.first { $0.abPower >= Self.target }?.users
        interleavingUsersNeeded = points.first { $0.interleavingPower >= Self.target }?.users
    }
}
