import ArgumentParser
import Foundation
import RecLabSynth

struct Synth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic data set in MovieLens's layout, to measure RecLab beyond ml-latest-small.",
        discussion: """
            Zipf item popularity, heavy-tailed user activity, latent-factor tastes that decide \
            both what a user rates and how, genres that follow those tastes, and timestamps in \
            each user's active period. The same seed writes the same files. Import the folder \
            with `reclab import FOLDER`.
            """)

    @Option(help: "Users.") var users: Int
    @Option(help: "Movies.") var items: Int
    @Option(help: "Ratings in all.") var ratings: Int
    @Option(help: "Seed of every random number.") var seed: UInt64 = 42
    @Option(help: "Folder to write movies.csv, links.csv and ratings.csv into.") var output: String

    func run() async throws {
        let dataset: SyntheticDataset
        do {
            dataset = try SyntheticDataset(.init(users: users, items: items, ratings: ratings, seed: seed))
        } catch let error as SynthError {
            throw ValidationError(error.description)
        }
        let line = StatusLine()
        let started = ContinuousClock.now
        let summary = try dataset.write(to: URL(fileURLWithPath: output)) { done, total in
            if line.interactive { line.redraw("users \(done)/\(total)") }
        }
        line.finish()
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        print(String(format: "wrote %d ratings of %d movies by %d users into %@ in %.1f s", summary.ratings, summary.items, summary.users, output, seconds))
        print(String(format: "the top 1%% of movies draw %.0f%% of ratings; users rate %d (median) to %d", summary.topPercentShare * 100, summary.medianUser, summary.mostActiveUser))
    }
}
