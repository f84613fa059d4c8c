import Foundation
import Hummingbird
import RecLabStore

/// `/health`: liveness, with the size of the catalogue being served.
struct HealthRoutes {
    let movies: any MovieRepository

    struct Health: ResponseEncodable {
        let status: String
        let timestamp: Date
        let catalogue: CatalogueCounts
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("health") { _, _ in
            Health(status: "healthy", timestamp: Date(), catalogue: try await movies.counts())
        }
    }
}
