import Foundation
import RecLabCore
import RecLabExperiments
import RecLabServing

/// A page asked for something the console does not have.
public struct ConsoleNotFound: Error, Sendable {
    public let message: String
}

extension Console {
    /// `/console/movies/{tmdb_id}`: the movie, its similar movies with reasons, how many rated
    /// it, and which instances lately listed it for whom.
    public func movie(_ tmdbID: Int, part: Part, keyed: Bool) async throws -> String {
        guard let generation = services.models.generation else { throw ServingError.modelsNotReady }
        guard let id = generation.movieByTMDBID[tmdbID], let item = generation.catalogue.item(id) else {
            throw ConsoleNotFound(message: "no movie with tmdb_id \(tmdbID) in the catalogue")
        }
        var facts: [View] = []
        if !item.genres.isEmpty { facts.append(Self.fact("Genres", item.genres.map(\.name).joined(separator: ", "))) }
        if !item.directors.isEmpty { facts.append(Self.fact("Directed by", item.directors.joined(separator: ", "))) }
        if !item.cast.isEmpty { facts.append(Self.fact("Starring", item.cast.prefix(5).joined(separator: ", "))) }
        if let runtime = item.runtime, runtime > 0 { facts.append(Self.fact("Runtime", "\(runtime) min")) }
        if let rating = item.shownRating {
            facts.append(Self.fact("Rating", String(format: "%.1f", rating.average) + " from \(Self.count(rating.count)) votes (\(rating.source.rawValue))"))
        }
        let rated = services.catalogue.snapshot?.ratings(tmdbID: tmdbID) ?? 0
        facts.append(Self.fact("Rated", rated == 0 ? "Nobody in the ratings has rated it." : "\(Self.count(rated)) \(rated == 1 ? "rating" : "ratings") in the imported data."))
        var similar: [View] = []
        var instance = services.models.configuration.surfaces[.similar] ?? "similar"
        var note: String?
        do {
            let answer = try services.recommender.similar(to: tmdbID)
            instance = answer.instance
            similar = answer.items.map { item in
                Self.view([
                    "link": item.movieID.map { "/console/movies/\($0)" } ?? "#", "title": item.title, "poster": item.posterURL,
                    "year": item.releaseDate.map { String($0.prefix(4)) } ?? "", "reason": item.reason,
                ])
            }
            if similar.isEmpty { note = "No similar movie passes the rules." }
        } catch {
            note = "\(error)"
        }
        let listings = services.recent.listings(of: tmdbID).map { listing -> View in
            [
                "instance": listing.instance, "lists": Self.count(listing.lists) + (listing.lists == 1 ? " list" : " lists"),
                "users": listing.users.map { ["id": $0, "link": "/console/users/\($0)"] },
            ]
        }
        let view = Self.view([
            "tmdbID": tmdbID, "title": item.title, "year": item.year.map(String.init) ?? "", "poster": services.recommender.posterURL(item.posterPath),
            "overview": item.overview, "facts": facts, "similarInstance": instance, "similar": similar, "similarNote": note,
            "listings": listings, "api": "/movies/\(tmdbID)",
        ])
        return page(item.title, .movie, "movie", view, part: part, keyed: keyed)
    }
}
