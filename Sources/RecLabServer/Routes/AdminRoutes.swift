import Foundation
import HTTPTypes
import Hummingbird

/// `/admin/…`: operations behind the `ADMIN_API_KEY`, sent in the `X-API-Key` header.
struct AdminRoutes {
    let adminKey: String?
    let refits: RefitService

    struct RefitStatus: ResponseEncodable {
        let status: String
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.post("admin/refit") { request, _ in
            try authorise(request)
            guard refits.requestRefit() else {
                throw APIError(.conflict, code: "refit_running", message: "a refit is already running; the new models replace the old when it ends")
            }
            return EditedResponse(status: .accepted, response: RefitStatus(status: "refit started"))
        }
    }

    private func authorise(_ request: Request) throws {
        guard let adminKey else {
            throw APIError(.forbidden, code: "admin_disabled", message: "admin endpoints are disabled; set ADMIN_API_KEY to enable them")
        }
        guard let given = request.headers[HTTPField.Name("X-API-Key")!], given == adminKey else {
            throw APIError(.unauthorized, code: "unauthorized", message: "missing or wrong X-API-Key header")
        }
    }
}
