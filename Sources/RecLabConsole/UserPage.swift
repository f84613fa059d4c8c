import Foundation
import RecLabCore
import RecLabServing
import RecLabStore

extension Console {
    static let historyShown = 15

    /// `/console/users/{user_id}`: the user's history and experiments, and every configured
    /// instance's top 10 side by side, movies shared between columns marked.
    public func user(_ user: String, part: Part, keyed: Bool) async throws -> String {
        let lists = try await services.recommender.lists(for: user)
        let generation = services.models.generation
        let catalogue = generation?.catalogue
        let preferences = try await services.store.preferences(of: user)
        // Which columns list each movie, to mark those two columns share.
        var listing: [Int: Set<String>] = [:]
        for column in lists.columns {
            for movie in column.items.compactMap(\.movieID) { listing[movie, default: []].insert(column.instance) }
        }
        let columns = lists.columns.map { column -> View in
            let movies = column.items.map { item -> View in
                let others = (item.movieID.flatMap { listing[$0] } ?? []).subtracting([column.instance])
                return Self.view([
                    "tmdbID": item.movieID ?? 0, "link": item.movieID.map { "/console/movies/\($0)" } ?? "#", "title": item.title,
                    "year": item.releaseDate.map { String($0.prefix(4)) } ?? "", "poster": item.posterURL, "reason": item.reason,
                    "alsoIn": others.isEmpty ? nil : others.sorted().joined(separator: ", "),
                ])
            }
            return Self.view([
                "instance": column.instance, "strategy": column.strategy, "asked": column.asked, "note": column.note,
                "took": Self.milliseconds(column.milliseconds), "movies": movies,
            ])
        }
        let ratings = lists.history.suffix(Self.historyShown).reversed().map { interaction -> View in
            let item = catalogue?.item(interaction.movie)
            return [
                "link": item?.tmdbID.map { "/console/movies/\($0)" } ?? "#", "title": item?.title ?? "movie \(interaction.movie)",
                "rating": String(format: "%.1f", interaction.rating), "when": Self.time(Date(timeIntervalSince1970: TimeInterval(interaction.timestamp))),
            ]
        }
        let given = preferences.sorted { $0.updatedAt > $1.updatedAt }.prefix(Self.historyShown).map { preference -> View in
            var marks = preference.rating.map { [String(format: "rated %.1f", $0)] } ?? []
            if preference.favorite { marks.append("favourite") }
            if preference.watchlist { marks.append("on the watchlist") }
            if preference.watched { marks.append("watched") }
            let title = generation?.movieByTMDBID[preference.movieID].flatMap { catalogue?.item($0)?.title }
            return [
                "link": "/console/movies/\(preference.movieID)", "title": title ?? "movie \(preference.movieID)",
                "given": marks.joined(separator: ", "), "when": Self.time(preference.updatedAt),
            ]
        }
        let view: View = [
            "user": user, "columns": columns, "ratings": Array(ratings), "ratingCount": lists.history.count, "preferences": Array(given),
            "isNew": lists.history.isEmpty,
            "assignments": lists.assignments.map { ["experiment": $0.experiment, "surface": $0.surface, "variant": $0.variant] },
        ]
        return page("User \(user)", .user, "user", view, part: part, keyed: keyed)
    }
}
