import Foundation
import Hummingbird
import RecLabCore
import RecLabExperiments
import RecLabServing

/// `/admin/…`: operations behind the `ADMIN_API_KEY`, sent in the `X-API-Key` header.
struct AdminRoutes {
    let gate: AdminGate
    let refits: RefitService
    let experiments: ExperimentReloader
    let models: ModelHost
    let simulations: ExperimentSimulations
    /// The keys authentication accepts; nil while authentication is off.
    let keys: APIKeyRing?

    struct KeysReloaded: ResponseEncodable {
        let status: String
        let keys: Int
    }

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
        router.post("admin/experiments/:id/simulation") { request, context in
            try gate.authorise(request, context: context)
            let id = context.parameters.get("id") ?? ""
            guard let experiment = models.generation?.experiments.first(where: { $0.id == id }) else {
                throw APIError.notFound("no experiment '\(id)'", code: "experiment_not_found")
            }
            do {
                try simulations.start(experiment)
            } catch ExperimentSimulations.Refusal.noData {
                throw APIError(.conflict, code: "no_simulation_data", message: "EVALUATION_CONFIG is none: there are no held-out ratings to simulate on")
            } catch ExperimentSimulations.Refusal.running(let other) {
                throw APIError(.conflict, code: "simulation_running", message: "the simulation of \(other) is running; one runs at a time")
            }
            return EditedResponse(status: .accepted, response: Started(status: "simulation started", experiments: [id]))
        }
        // The file is also read again within a second of changing; this is for who cannot wait.
        router.post("admin/keys/reload") { request, context in
            try gate.authorise(request, context: context)
            guard let keys else {
                throw APIError(.conflict, code: "authentication_disabled", message: "authentication is off (ENABLE_AUTHENTICATION=false): no keys are in use")
            }
            do {
                return KeysReloaded(status: "reloaded", keys: try keys.reload())
            } catch {
                throw APIError(.unprocessableContent, code: "invalid_keys_file", message: "\(error); the keys loaded before stay")
            }
        }
    }
}
