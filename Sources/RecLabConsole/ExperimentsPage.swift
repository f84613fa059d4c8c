import Foundation
import RecLabExperiments
import RecLabServing

extension Console {
    /// `/console/experiments`: every experiment with its kind, status, variants and report,
    /// and for one not running its offline simulation.
    public func experiments(part: Part, keyed: Bool) async throws -> String {
        let users = experimentUsers()
        let rows = (services.models.generation?.experiments ?? []).map { experiment -> View in
            let variants = experiment.variants.map { variant in
                Self.view([
                    "name": variant.name, "strategy": variant.strategy, "weight": String(format: "%.0f%%", variant.weight * 100),
                    "control": variant.isControl, "controls": variant.controls.description.isEmpty ? nil : variant.controls.description,
                ])
            }
            var simulated: String?
            if case .finished = services.simulations.state(of: experiment.id) { simulated = "/experiments/\(experiment.id)/simulation?format=html" }
            return Self.view([
                "id": experiment.id, "description": experiment.description, "kind": Self.kind(experiment), "surface": experiment.surface.rawValue,
                "status": experiment.status.rawValue, "running": experiment.status == .running,
                "coverage": String(format: "%.0f%%", experiment.coverage * 100), "variants": variants,
                "users": experiment.status == .running ? users[experiment.id].map(Self.count) ?? "counted within 15 s" : "—",
                "report": "/experiments/\(experiment.id)/report?format=html", "json": "/experiments/\(experiment.id)/report?format=json",
                "simulation": simulation(of: experiment.id), "simulationReport": simulated,
            ])
        }
        return page("Experiments", .experiments, "experiments", ["experiments": rows], part: part, keyed: keyed)
    }

    /// The simulation's state in words, or nil when none has run.
    private func simulation(of experiment: String) -> String? {
        switch services.simulations.state(of: experiment) {
        case nil: nil
        case .running(let since): "Simulating since \(Self.time(since))…"
        case .finished(_, let users, let at): "Simulated \(Self.time(at)) over \(Self.count(users)) held-out users."
        case .failed(let reason, let at): "The simulation of \(Self.time(at)) failed: \(reason)"
        }
    }
}
