import Foundation
import Hummingbird
import RecLabCore
import RecLabServing
import RecLabStore

/// `/admin/movies/…`: an operator withholds catalogue movies from every answer and every
/// search, on every replica (admin key). A hide lasts until `until`, or until it is deleted;
/// an availability window shows a movie only from `from` and before `until`.
struct MovieAvailabilityRoutes {
    let gate: AdminGate
    let catalogue: CatalogueHost
    let store: any AvailabilityRepository
    let withheld: WithheldMovies

    /// `POST …/hide`'s optional body.
    struct Hide: Decodable {
        var until: Date?
    }

    /// `PUT …/availability`'s body: either bound may be left out.
    struct Window: Decodable {
        var from: Date?
        var until: Date?
    }

    /// A movie's hide and window, and whether it is withheld now.
    struct State: ResponseEncodable {
        let tmdbID: Int
        let hidden: Bool
        @Nullable var hiddenUntil: Date?
        @Nullable var availableFrom: Date?
        @Nullable var availableUntil: Date?
        let withheld: Bool

        init(_ entry: MovieAvailability, now: Date) {
            tmdbID = entry.tmdbID
            hidden = entry.hidden
            hiddenUntil = entry.hiddenUntil
            availableFrom = entry.availableFrom
            availableUntil = entry.availableUntil
            withheld = entry.isWithheld(at: now)
        }
    }

    struct Listing: ResponseEncodable {
        let movies: [State]
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("admin/movies/withheld") { request, context in
            try gate.authorise(request, context: context)
            let now = Date()
            return Listing(movies: withheld.entries.map { State($0, now: now) })
        }
        router.post("admin/movies/:tmdb_id/hide") { request, context in
            try gate.authorise(request, context: context)
            let tmdbID = try known(context)
            let until = Self.hasBody(request) ? try await request.decodeJSON(Hide.self, context: context).until : nil
            if let until, until <= Date() {
                throw APIError(.unprocessableContent, code: "until_in_the_past", message: "'until' must be in the future; to show the movie, DELETE the hide")
            }
            try await store.hide(tmdbID: tmdbID, until: until)
            return try await state(of: tmdbID)
        }
        router.delete("admin/movies/:tmdb_id/hide") { request, context in
            try gate.authorise(request, context: context)
            let tmdbID = try context.parameters.positiveInteger("tmdb_id")
            guard try await store.unhide(tmdbID: tmdbID) else { throw APIError.notFound("movie \(tmdbID) is not hidden", code: "not_hidden") }
            try await withheld.reload()
            return Response(status: .noContent)
        }
        router.put("admin/movies/:tmdb_id/availability") { request, context in
            try gate.authorise(request, context: context)
            let tmdbID = try known(context)
            let window = try await request.decodeJSON(Window.self, context: context)
            if let from = window.from, let until = window.until, from >= until {
                throw APIError(.unprocessableContent, code: "empty_window", message: "'from' must be before 'until'")
            }
            try await store.setWindow(tmdbID: tmdbID, from: window.from, until: window.until)
            return try await state(of: tmdbID)
        }
        router.delete("admin/movies/:tmdb_id/availability") { request, context in
            try gate.authorise(request, context: context)
            let tmdbID = try context.parameters.positiveInteger("tmdb_id")
            guard withheld.entries.contains(where: { $0.tmdbID == tmdbID && ($0.availableFrom != nil || $0.availableUntil != nil) }) else {
                throw APIError.notFound("movie \(tmdbID) has no availability window", code: "no_window")
            }
            try await store.setWindow(tmdbID: tmdbID, from: nil, until: nil)
            try await withheld.reload()
            return Response(status: .noContent)
        }
    }

    /// The path's TMDB id, when the catalogue has the movie.
    private func known(_ context: RecLabRequestContext) throws -> Int {
        let tmdbID = try context.parameters.positiveInteger("tmdb_id")
        guard try catalogue.details(tmdbID: tmdbID) != nil else {
            throw APIError.notFound("no movie with tmdb_id \(tmdbID) in the catalogue", code: "movie_not_found")
        }
        return tmdbID
    }

    /// The movie's state once this process has read the write back (other replicas read it
    /// from the change feed).
    private func state(of tmdbID: Int) async throws -> State {
        try await withheld.reload()
        let entry = withheld.entries.first { $0.tmdbID == tmdbID } ?? MovieAvailability(tmdbID: tmdbID)
        return State(entry, now: Date())
    }

    /// Whether the request carries a body (a hide may come without one).
    private static func hasBody(_ request: Request) -> Bool {
        request.headers[.contentType] != nil || (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0
    }
}
