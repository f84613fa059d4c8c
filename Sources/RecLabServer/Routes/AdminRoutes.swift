import Foundation
import Hummingbird
import RecLabCore
import RecLabExperiments

/// `/admin/…`: operations behind the `ADMIN_API_KEY`, sent in the `X-API-Key` header.
struct AdminRoutes {
    let gate: AdminGate
    let refits: RefitService
    let experiments: ExperimentReloader

    struct Reloaded: ResponseEncodable {
        let status: String
        let experiments: [String]
    }

    struct RefitStatus: ResponseEncodable {
        let status: String
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.post("admin/refit") { request, context in
            try gate.authorise(request, context: context)
            guard refits.requestRefit() else {
                throw APIError(.conflict, code: "refit_running", message: "a refit is already running; the new models replace the old when it ends")
            }
            return EditedResponse(status: .accepted, response: RefitStatus(status: "refit started"))
        }
        router.post("admin/experiments/reload") { request, context in
            try gate.authorise(request, context: context)
            let loaded: [Experiment]?
            do {
                loaded = try await experiments.reload()
            } catch let error as ConfigurationError {
                throw APIError(.unprocessableContent, code: "invalid_experiments", message: "\(error.description); the previous experiments keep serving")
            }
            guard let loaded else {
                throw APIError(.conflict, code: "refit_running", message: "a refit is running; reload again when it ends")
            }
            return Reloaded(status: "reloaded", experiments: loaded.map(\.id))
        }
    }
}
