import Foundation
import Hummingbird
import Logging
import NIOCore
import RecLabSQLite
import RecLabStore

/// Assembles the HTTP application: one place where every route group is registered, used by
/// `reclab serve` and by the tests alike.
public func buildApplication(
    configuration: ServerConfiguration,
    store: SQLiteStore,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: RecLabRequestContext.self)
    router.add(middleware: JSONErrorMiddleware())
    let cacheControl = CacheControlHeader(maxAge: configuration.cacheTTL)
    HealthRoutes(movies: store).register(on: router)
    MovieRoutes(movies: store, cacheControl: cacheControl).register(on: router)
    GenreRoutes(movies: store, cacheControl: cacheControl).register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "RecLab"),
        onServerRunning: onServerRunning,
        logger: logger)
}
