import Foundation
import HTTPTypes
import Hummingbird
import RecLabServing

/// `/openapi.json`, `/openapi.yaml`, and the documentation pages `/docs` (Swagger UI) and
/// `/redoc` (ReDoc) with their assets, all from the binary's resources: nothing is fetched
/// from another host, so the pages work without internet.
struct DocsRoutes {
    let documentation: APIDocumentation

    /// Both pages load only their own scripts and styles; the tools themselves need inline
    /// styles (React style attributes, ReDoc's styled-components), `data:` images (Swagger
    /// UI's icons) and a `blob:` worker (ReDoc's search index). ReDoc's sidebar logo, which
    /// it would fetch from its CDN, is refused, and ReDoc then leaves it out.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; script-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<RecLabRequestContext>) {
        router.get("openapi.json") { _, _ in
            Self.file(documentation.json, type: "application/json; charset=utf-8", cache: "no-cache")
        }
        router.get("openapi.yaml") { _, _ in
            Self.file(documentation.yaml, type: "application/yaml; charset=utf-8", cache: "no-cache")
        }
        router.get("docs") { _, _ in Self.page(documentation.swaggerPage) }
        router.get("redoc") { _, _ in Self.page(documentation.redocPage) }
        router.get("docs/assets/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let asset = documentation.assets[name] else {
                throw APIError.notFound("no documentation asset '\(name)'", code: "asset_not_found")
            }
            // The assets change only with a new release of the server: a day keeps a browser
            // from asking again for 2.7 MB on every visit, and an upgrade shows within a day.
            return Self.file(asset.bytes, type: asset.contentType, cache: "public, max-age=86400")
        }
    }

    private static func page(_ html: ByteBuffer) -> Response {
        var response = file(html, type: "text/html; charset=utf-8", cache: "no-cache")
        response.headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        return response
    }

    private static func file(_ bytes: ByteBuffer, type: String, cache: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: cache], body: .init(byteBuffer: bytes))
    }
}
