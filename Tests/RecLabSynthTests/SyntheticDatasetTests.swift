import Foundation
import RecLabStore
import RecLabSynth
import TestSupport
import Testing

/// `reclab synth`'s data: the shape asked, the same files for the same seed, MovieLens's
/// layout, and the structure real rating data has.
@Suite struct SyntheticDatasetTests {
    static let shape = SyntheticDataset.Shape(users: 300, items: 800, ratings: 20_000, seed: 7)

    static func write(_ shape: SyntheticDataset.Shape) throws -> (URL, SyntheticDataset.Summary) {
        let folder = try makeTemporaryDirectory("reclab-synth")
        return (folder, try SyntheticDataset(shape).write(to: folder))
    }

    @Test func theSameSeedWritesTheSameFilesAndAnotherSeedOthers() throws {
        let (first, _) = try Self.write(Self.shape)
        let (second, _) = try Self.write(Self.shape)
        var other = Self.shape
        other.seed = 8
        let (third, _) = try Self.write(other)
        for file in ["movies.csv", "links.csv", "ratings.csv"] {
            #expect(try Data(contentsOf: first.appending(path: file)) == Data(contentsOf: second.appending(path: file)), "\(file)")
        }
        #expect(try Data(contentsOf: first.appending(path: "ratings.csv")) != Data(contentsOf: third.appending(path: "ratings.csv")))
    }

    @Test func theFilesAreAMovieLensDataSetOfTheShapeAsked() throws {
        let (folder, summary) = try Self.write(Self.shape)
        let dataset = try MovieLensReader.read(folder: folder)
        #expect(dataset.movies.count == 800 && dataset.ratings.count == 20_000 && summary.ratings == 20_000)
        #expect(dataset.movies.allSatisfy { !$0.genres.isEmpty && $0.tmdbID != nil && $0.year != nil })
        let byUser = Dictionary(grouping: dataset.ratings, by: \.userID)
        #expect(byUser.count == 300 && byUser.values.allSatisfy { $0.count >= 5 && $0.count <= 400 })
        for ratings in byUser.values {
            #expect(Set(ratings.map(\.movieLensID)).count == ratings.count, "a user rates a movie once")
            #expect(zip(ratings, ratings.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }, "in time order")
        }
    }

    @Test func popularityAndActivityAreSkewedAndRatingsSpreadOverTheScale() throws {
        let (folder, summary) = try Self.write(.init(users: 1_000, items: 2_000, ratings: 60_000, seed: 1))
        #expect(summary.topPercentShare > 0.1, "the top 1% of movies draw over a tenth of the ratings: \(summary.topPercentShare)")
        #expect(summary.mostActiveUser > 5 * summary.medianUser, "a heavy tail of active users")
        let ratings = try MovieLensReader.read(folder: folder).ratings.map(\.rating)
        let mean = ratings.reduce(0, +) / Double(ratings.count)
        #expect(mean > 3 && mean < 4.2 && Set(ratings).count >= 8, "mean \(mean), \(Set(ratings).sorted())")
    }

    @Test func shapesThatCannotBeGeneratedAreRefusedSayingWhy() {
        #expect(throws: SynthError.self) { try SyntheticDataset(.init(users: 10, items: 100, ratings: 20, seed: 1)) }
        #expect(throws: SynthError.self) { try SyntheticDataset(.init(users: 10, items: 10, ratings: 1_000, seed: 1)) }
    }
}
