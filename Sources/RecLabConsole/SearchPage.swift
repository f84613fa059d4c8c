import Foundation
import RecLabServing

extension Console {
    static let searchPageSize = 20

    /// `/console/search?query=`: the catalogue search as a page, for a browser without the
    /// script that searches as one types.
    public func search(_ query: String, part: Part, keyed: Bool) async throws -> String {
        let snapshot = try services.catalogue.ready()
        let generation = services.models.generation
        let found = snapshot.search(query, page: 1, pageSize: Self.searchPageSize, withheld: services.withheld.current())
        let hits = found.tmdbIDs.compactMap { $0 }.map { tmdbID -> View in
            let item = generation?.movieByTMDBID[tmdbID].flatMap { generation?.catalogue.item($0) }
            return ["link": "/console/movies/\(tmdbID)", "title": item?.title ?? "TMDB \(tmdbID)", "year": item?.year.map(String.init) ?? ""]
        }
        let view: View = ["query": query, "total": Self.count(found.total), "hits": hits]
        return page("Search: \(query)", .search, "search", view, part: part, keyed: keyed, query: query)
    }
}
