import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RecLabConsole
import RecLabExperiments
import RecLabServing

/// `/` and `/console/…`: the lab console's pages, HTML from `Console`, with the stylesheet
/// and script they load; `?part=main` gives a page's main content alone, which the script
/// swaps in after a change (and loads with the client key when the API needs one).
struct ConsoleRoutes {
    let console: Console
    /// The page's own files, plus the configured TMDB image host for the posters.
    let contentSecurityPolicy: String
    /// The style sheet and script by file name, as buffers every answer shares.
    let assets: [String: (bytes: ByteBuffer, contentType: String)]

    init(console: Console, imageBaseURL: String) {
        self.console = console
        assets = console.templates.assets.mapValues { (ByteBuffer(bytes: $0.bytes), $0.contentType) }
        let images = URL(string: imageBaseURL).flatMap { url in url.host.map { "\(url.scheme ?? "https")://\($0)\(url.port.map { ":\($0)" } ?? "")" } }
        contentSecurityPolicy =
            "default-src 'self'; img-src 'self' data:\(images.map { " " + $0 } ?? ""); script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("") { _, _ in Self.redirect(to: "/console") }
        let group = router.group("console")
        group.get("") { request, context in
            try await page(request, context) { part, keyed in try await console.overview(part: part, keyed: keyed) }
        }
        group.get("users") { request, _ in
            // The "open user" form without the script: its query to the page's address.
            let user = request.uri.queryParameters.get("user_id")?.trimmingCharacters(in: .whitespaces) ?? ""
            guard isValidUserID(user) else { throw APIError.badRequest("user_id must be \(userIDRule), got '\(user)'") }
            return Self.redirect(to: "/console/users/\(user)")
        }
        group.get("users/:user_id") { request, context in
            let user = try context.parameters.userID()
            return try await page(request, context) { part, keyed in try await console.user(user, part: part, keyed: keyed) }
        }
        group.get("movies/:tmdb_id") { request, context in
            let tmdbID = try context.parameters.positiveInteger("tmdb_id")
            return try await page(request, context) { part, keyed in try await console.movie(tmdbID, part: part, keyed: keyed) }
        }
        group.get("evaluations") { request, context in
            let a = request.uri.queryParameters.get("a")
            let b = request.uri.queryParameters.get("b")
            guard (a == nil) == (b == nil) else { throw APIError.badRequest("compare two evaluations: give both 'a' and 'b'") }
            return try await page(request, context) { part, keyed in try await console.evaluations(a: a, b: b, part: part, keyed: keyed) }
        }
        group.get("experiments") { request, context in
            try await page(request, context) { part, keyed in try await console.experiments(part: part, keyed: keyed) }
        }
        group.get("search") { request, context in
            let query = try request.requiredQuery("query")
            return try await page(request, context) { part, keyed in try await console.search(query, part: part, keyed: keyed) }
        }
        group.get("live") { _, context in
            try requireKey(context)
            return EditedResponse(headers: [.cacheControl: "no-store"], response: console.live())
        }
        group.get("assets/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let asset = assets[name] else {
                throw APIError.notFound("no console asset '\(name)'", code: "asset_not_found")
            }
            // Small and tied to the release: an hour keeps pages quick, an upgrade shows soon.
            return Response(
                status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: asset.bytes))
        }
    }

    /// Without a verified client key (where one is needed) the document comes without data,
    /// and a page's main part is refused.
    private func page(
        _ request: Request, _ context: RecLabRequestContext, render: (Console.Part, Bool) async throws -> String
    ) async throws -> Response {
        let part: Console.Part
        switch request.uri.queryParameters.get("part") {
        case nil: part = .document
        case "main": part = .main
        case let other?: throw APIError.badRequest("query parameter 'part' must be main, got '\(other)'")
        }
        let keyed = !console.asksForClientKey || context.verifiedClient != nil
        if part == .main { try requireKey(context) }
        let html: String
        do {
            html = try await render(part, keyed)
        } catch let error as ServingError {
            throw APIError(error)
        } catch let missing as ConsoleNotFound {
            throw APIError.notFound(missing.message)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("Content-Security-Policy")!: contentSecurityPolicy],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func requireKey(_ context: RecLabRequestContext) throws {
        guard console.asksForClientKey, context.verifiedClient == nil else { return }
        throw APIError.unauthorized("this API needs a key in the \(console.keyHeader) header", header: console.keyHeader)
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }
}

extension LiveFigures: ResponseEncodable {}
