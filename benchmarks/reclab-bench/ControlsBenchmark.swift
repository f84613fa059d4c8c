import ArgumentParser
import Foundation
import RecLabCore
import RecLabServing

/// The serving controls' cost in the process: the uncached personalized answer (the served
/// model, as the server asks it) under each control, through `CandidateRules` as the server
/// answers, over every MovieLens user in turn.
struct ControlsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controls", abstract: "Each list control's cost on the personalized answer, in the process.")

    @OptionGroup var options: ServedStrategies

    func run() async throws {
        let (data, configuration) = try await options.load()
        let requests = options.requests
        let models = try await configuration.instances.fitInOrder(on: data)
        let model = models[configuration.surfaces[.personalized]!]!
        let similarity = configuration.instances.lazy.compactMap { models[$0.name] as? any ItemSimilarity }.first
        let catalogue = data.catalogue
        // What a client shows already, and what an operator withdrew: the most rated movies.
        let popular = Dictionary(grouping: data.interactions, by: \.movie).sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            .compactMap { catalogue.item($0.key)?.tmdbID }
        let rows: [(label: String, query: String, withheld: Int)] = [
            ("none", "", 0),
            ("genres=comedy", "genres=comedy", 0),
            ("genres=documentary (rare)", "genres=documentary", 0),
            ("exclude_genres=drama,comedy", "exclude_genres=drama,comedy", 0),
            ("year_from=1990&year_to=1999", "year_from=1990&year_to=1999", 0),
            ("min_rating=7.5", "min_rating=7.5", 0),
            ("exclude= the 100 most rated", "exclude=" + popular.prefix(100).map(String.init).joined(separator: ","), 0),
            ("100 movies hidden by an operator", "", 100),
            ("diversify=genre_cap&max_per_genre=2", "diversify=genre_cap&max_per_genre=2", 0),
            ("diversify=mmr&diversity=0.3", "diversify=mmr&diversity=0.3", 0),
            ("all of genres, years, min_rating, exclude, mmr", "genres=comedy,drama&year_from=1980&min_rating=6&exclude="
                + popular.prefix(50).map(String.init).joined(separator: ",") + "&diversify=mmr&diversity=0.3", 0),
        ]
        let histories = data.interactionsByUser()
        let byTMDB = Dictionary(catalogue.items.compactMap { item in item.tmdbID.map { ($0, item.id) } }) { first, _ in first }
        print("| controls | p50 ms | p90 ms | p99 ms | max ms | mean ms | mean of none |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        var baseline = 0.0
        for row in rows {
            let controls = try ListControls(query: row.query, user: true)
            let withheld = Set(popular.prefix(row.withheld))
            var next = 0
            let times = try timeRequests(requests) {
                let (user, history) = histories[next % histories.count]
                next += 1
                var request = RecommendationRequest(userID: user, history: history, limit: 10, requireTMDBID: true)
                request.apply(controls) { byTMDB[$0] }
                request.withheld = withheld
                _ = try CandidateRules.answer(model, request, catalogue: catalogue, similarity: similarity)
            }
            let mean = times.reduce(0, +) / Double(times.count)
            if row.query.isEmpty, row.withheld == 0 { baseline = mean }
            print(latencyRow("\(row.label)", times) + " \(format(mean / baseline, digits: 2))× |")
        }
    }
}
