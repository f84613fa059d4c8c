import Foundation
import Hummingbird
import RecLabCore
import RecLabExperiments

/// `/admin/…`: operations behind the `ADMIN_API_KEY`, sent in the `X-API-Key` header.
struct AdminRoutes {
    let gate: AdminGate
    let refits: RefitService
    let experiments: ExperimentReloader

    struct Started: ResponseEncodable {
        let status: String
        /// The experiments the reload fits, for a reload.
        var experiments: [String]? = nil
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.post("admin/refit") { request, context in
            try gate.authorise(request, context: context)
            guard refits.request(.refit(announce: true)) else {
                throw APIError(.conflict, code: "refit_running", message: "a refit is already running; the new models replace the old when it ends")
            }
            return EditedResponse(status: .accepted, response: Started(status: "refit started"))
        }
        router.post("admin/experiments/reload") { request, context in
            try gate.authorise(request, context: context)
            let loaded: [Experiment]?
            do {
                loaded = try experiments.reload()
            } catch let error as ConfigurationError {
                throw APIError(.unprocessableContent, code: "invalid_experiments", message: "\(error.description); the previous experiments keep serving")
            }
            guard let loaded else {
                throw APIError(.conflict, code: "refit_running", message: "a refit is running; reload again when it ends")
            }
            return EditedResponse(status: .accepted, response: Started(status: "reload started", experiments: loaded.map(\.id)))
        }
    }
}
