import Foundation
import RecLabCore

/// A synthetic data set in MovieLens's layout (`movies.csv`, `links.csv`, `ratings.csv`), so
/// import, fitting and serving can be measured far beyond ml-latest-small.
///
/// Its structure follows what makes real rating data hard and learnable:
/// - item popularity is Zipf-distributed (a few items draw most ratings);
/// - user activity is heavy-tailed (log-normal: most users rate a few dozen items, some
///   thousands), at least `minimumPerUser` each;
/// - tastes are latent factors: each user picks, among a few candidates drawn by popularity,
///   the one closest to their taste, and rates it by taste plus the item's quality and noise,
///   so collaborative filtering has signal to find beyond popularity;
/// - genres follow the items' dominant latent factor, so a genre is a taste;
/// - each user rates over an active period at a random point of twenty years, in order.
public struct SyntheticDataset: Sendable {
    /// How big, and the seed that fixes every number.
    public struct Shape: Sendable, Equatable {
        public var users: Int
        public var items: Int
        public var ratings: Int
        public var seed: UInt64
        /// Zipf exponent of item popularity.
        public var popularityExponent = 1.0
        /// Latent taste dimensions.
        public var factors = 16
        /// Candidates a user chooses among for each rating: more means stronger taste.
        public var choices = 4
        public var minimumPerUser = 5

        public init(users: Int, items: Int, ratings: Int, seed: UInt64) {
            self.users = users
            self.items = items
            self.ratings = ratings
            self.seed = seed
        }

        /// Why the shape cannot be generated, or nil.
        public var problem: String? {
            if users < 1 || items < 2 { return "need at least 1 user and 2 items" }
            if ratings < users * minimumPerUser { return "need at least \(minimumPerUser) ratings per user (\(users * minimumPerUser) for \(users) users)" }
            // Each user rates at most half the items, so the draws without repetition end.
            if ratings > users * (items / 2) { return "at most \(users * (items / 2)) ratings fit: each user rates at most half of the \(items) items" }
            return nil
        }
    }

    /// What a generation wrote.
    public struct Summary: Sendable, Equatable {
        public var users: Int
        public var items: Int
        public var ratings: Int
        /// Share of all ratings drawn by the most popular 1% of items.
        public var topPercentShare: Double
        /// Largest and median number of ratings per user.
        public var mostActiveUser: Int
        public var medianUser: Int
    }

    static let genres = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
                         "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
    static let start = 946_684_800  // 2000-01-01
    static let span = 20 * 365 * 86_400

    public let shape: Shape

    public init(_ shape: Shape) throws {
        if let problem = shape.problem { throw SynthError(problem) }
        self.shape = shape
    }

    /// Writes the three files into `folder` (created if needed), reporting rated users as it goes.
    public func write(to folder: URL, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Summary {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = SeededGenerator(seed: shape.seed)
        let k = shape.factors
        let scale = 1 / Float(k).squareRoot()
        func gaussian() -> Float {
            // Box–Muller: two uniforms make one standard normal.
            let u = Double.random(in: Double.ulpOfOne..<1, using: &random)
            let v = Double.random(in: 0..<1, using: &random)
            return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
        }
        var itemFactors = [Float](repeating: 0, count: shape.items * k)
        for index in itemFactors.indices { itemFactors[index] = gaussian() * scale }
        let quality = (0..<shape.items).map { _ in gaussian() * 0.5 }
        // Popularity rank is independent of id, as in a real catalogue.
        var byPopularity = Array(0..<shape.items)
        byPopularity.shuffle(using: &random)
        var cumulative = [Double](repeating: 0, count: shape.items)
        var total = 0.0
        for rank in 0..<shape.items {
            total += 1 / pow(Double(rank + 1), shape.popularityExponent)
            cumulative[rank] = total
        }

        try writeMovies(to: folder, itemFactors: itemFactors, random: &random)
        let counts = activity(random: &random)

        let ratingsFile = try OutputFile(folder.appending(path: "ratings.csv"))
        try ratingsFile.write("userId,movieId,rating,timestamp\n")
        var drawn = [Int](repeating: 0, count: shape.items)
        var userFactors = [Float](repeating: 0, count: k)
        var line = ""
        for user in 0..<shape.users {
            for f in 0..<k { userFactors[f] = gaussian() * scale }
            let bias = gaussian() * 0.4
            let count = counts[user]
            var rated = Set<Int>(minimumCapacity: count)
            var picks: [(item: Int, rating: Double)] = []
            picks.reserveCapacity(count)
            while picks.count < count {
                var best = -1
                var bestAffinity = -Float.infinity
                for _ in 0..<shape.choices {
                    let target = Double.random(in: 0..<total, using: &random)
                    let rank = Self.firstAtLeast(target, in: cumulative)
                    let item = byPopularity[rank]
                    if rated.contains(item) { continue }
                    var affinity: Float = 0
                    for f in 0..<k { affinity += userFactors[f] * itemFactors[item * k + f] }
                    if affinity > bestAffinity { (best, bestAffinity) = (item, affinity) }
                }
                guard best >= 0 else { continue }
                rated.insert(best)
                drawn[best] += 1
                let raw = 3.5 + Double(bias + quality[best] + 2.5 * bestAffinity + gaussian() * 0.6)
                picks.append((best, min(5, max(0.5, (raw * 2).rounded() / 2))))
            }
            // An active period somewhere in twenty years; ratings spread over it in order.
            let active = Int(Double(Self.span / 10) * Double.random(in: 0.01...1, using: &random))
            let begin = Self.start + Int.random(in: 0...(Self.span - active), using: &random)
            var times = (0..<count).map { _ in begin + Int.random(in: 0...active, using: &random) }
            times.sort()
            line.removeAll(keepingCapacity: true)
            for (index, pick) in picks.enumerated() {
                line += "\(user + 1),\(pick.item + 1),\(pick.rating),\(times[index])\n"
            }
            try ratingsFile.write(line)
            if user % 1_000 == 0 { progress?(user, shape.users) }
        }
        try ratingsFile.close()
        progress?(shape.users, shape.users)

        let sortedCounts = counts.sorted()
        let top = drawn.sorted(by: >).prefix(max(1, shape.items / 100)).reduce(0, +)
        return Summary(
            users: shape.users, items: shape.items, ratings: counts.reduce(0, +), topPercentShare: Double(top) / Double(max(1, shape.ratings)),
            mostActiveUser: sortedCounts.last ?? 0, medianUser: sortedCounts[sortedCounts.count / 2])
    }

    /// Ratings per user: log-normal (σ 1.2), scaled to the total, each at least the minimum
    /// and at most half the items; rounding is settled on the most active users.
    private func activity(random: inout SeededGenerator) -> [Int] {
        let ceiling = shape.items / 2
        let weights = (0..<shape.users).map { _ -> Double in
            let u = Double.random(in: Double.ulpOfOne..<1, using: &random)
            let v = Double.random(in: 0..<1, using: &random)
            return exp(1.2 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v))
        }
        let spare = Double(shape.ratings - shape.users * shape.minimumPerUser)
        let sum = weights.reduce(0, +)
        var counts = weights.map { min(ceiling, shape.minimumPerUser + Int(spare * $0 / sum)) }
        var missing = shape.ratings - counts.reduce(0, +)
        // Hand what rounding and the ceiling left to users with room, most active first.
        let order = weights.indices.sorted { weights[$0] > weights[$1] }
        while missing > 0 {
            for user in order where missing > 0 && counts[user] < ceiling {
                let added = min(missing, ceiling - counts[user], max(1, missing / shape.users + 1))
                counts[user] += added
                missing -= added
            }
        }
        return counts
    }

    private func writeMovies(to folder: URL, itemFactors: [Float], random: inout SeededGenerator) throws {
        let k = shape.factors
        let movies = try OutputFile(folder.appending(path: "movies.csv"))
        let links = try OutputFile(folder.appending(path: "links.csv"))
        try movies.write("movieId,title,genres\n")
        try links.write("movieId,imdbId,tmdbId\n")
        var movieLines = ""
        var linkLines = ""
        for item in 0..<shape.items {
            // Genres: the dimensions the item leans on most, each dimension one genre's taste.
            let leanings = (0..<k).sorted { itemFactors[item * k + $0] > itemFactors[item * k + $1] }
            let genreCount = Int.random(in: 1...3, using: &random)
            let genres = leanings.prefix(genreCount).map { Self.genres[$0 % Self.genres.count] }
            let year = 1930 + Int.random(in: 0...89, using: &random)
            movieLines += "\(item + 1),Synthetic Film \(item + 1) (\(year)),\(Array(Set(genres)).sorted().joined(separator: "|"))\n"
            // Ids no real movie has: TMDB's and IMDb's ids stay clear of the real data sets.
            linkLines += "\(item + 1),\(90_000_000 + item + 1),\(900_000_000 + item + 1)\n"
            if movieLines.utf8.count > 1 << 20 {
                try movies.write(movieLines)
                try links.write(linkLines)
                movieLines.removeAll(keepingCapacity: true)
                linkLines.removeAll(keepingCapacity: true)
            }
        }
        try movies.write(movieLines)
        try links.write(linkLines)
        try movies.close()
        try links.close()
    }

    /// The first index whose cumulative weight reaches `target`.
    static func firstAtLeast(_ target: Double, in cumulative: [Double]) -> Int {
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A shape that cannot be generated, and why.
public struct SynthError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A file written through a buffer, whole lines at a time.
final class OutputFile {
    private let handle: FileHandle

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw SynthError("cannot create \(url.path)") }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }

    func close() throws { try handle.close() }
}
