import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecLabServer
import RecLabServing
import TestSupport
import Testing

/// Keeps the hand-written OpenAPI document honest: it lists exactly the router's routes, and
/// real answers of every route, successes and errors, match the schema it gives for them.
@Suite(.serialized) struct OpenAPIContractTests {
    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "test-admin-key"]
    /// One server with an experiment, so its report is among the answers recorded.
    static let server = Task { try await ExperimentServer.start() }

    /// One request and the status it is meant to get.
    struct Exchange {
        var method: HTTPRequest.Method = .get
        let uri: String
        var headers: HTTPFields = [:]
        var body: String?
        let status: Int
        /// Sends again while the answer is 409 because a refit or a simulation is running (they take seconds).
        var awaitingRefits = false
    }

    /// An answer as recorded, with the request that got it.
    struct Recorded {
        let exchange: Exchange
        let status: Int
        let headers: HTTPFields
        let body: Data
    }

    /// The document the server serves (with a key, for servers where keys are required).
    static func document(_ client: some TestClientProtocol) async throws -> JSONValue {
        try JSONValue.parse(Data(buffer: try await client.execute(uri: "/openapi.json", method: .get, headers: admin).body))
    }

    static func configuration(_ extra: [String: String] = [:]) throws -> ServerConfiguration {
        try testConfiguration(extra)
    }

    /// `GET /movies/{tmdb_id}` for each operation of the document.
    static func operations(of document: JSONValue) -> Set<String> {
        guard case .object(let paths)? = document["paths"] else { return [] }
        return Set(paths.flatMap { path, item in
            guard case .object(let methods) = item else { return [String]() }
            return methods.keys.map { "\($0.uppercased()) \(path)" }
        })
    }

    @Test func theDocumentListsExactlyTheRoutesTheRouterServes() async throws {
        let server = try await Self.server.value
        let router = buildRouter(configuration: server.configuration, services: server.services)
        // Hummingbird describes a route as OpenAPI does: `/movies/{tmdb_id}`.
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        try await server.run { client in
            let documented = Self.operations(of: try await Self.document(client))
            #expect(served.subtracting(documented).sorted() == [], "routes the document leaves out")
            #expect(documented.subtracting(served).sorted() == [], "operations the router does not serve")
            #expect(served.count >= 30)
        }
    }

    @Test func everyRecordedAnswerMatchesTheSchemaItsOperationDocuments() async throws {
        let server = try await Self.server.value
        let evaluation = try await EvaluationAPITests.evaluation.value.report.id
        let user = "contract-\(UUID().uuidString.prefix(8))"
        let event = #"{"event_id": "\#(UUID().uuidString)", "type": "click", "user_id": "\#(user)", "movie_id": 862, "request_id": "rec_x", "timestamp": "2026-01-01T10:00:00Z"}"#
        let exchanges: [Exchange] = [
            .init(uri: "/movies/search?query=inception", status: 200),
            .init(uri: "/movies/search?query=zzzqqqxxx&page=3", status: 200),
            .init(uri: "/movies/search?query=inception&page=0", status: 400),
            .init(uri: "/movies/search", status: 400),
            .init(uri: "/movies/27205", status: 200),
            .init(uri: "/movies/999999999", status: 404),
            .init(uri: "/movies/abc", status: 400),
            .init(uri: "/genres", status: 200),
            .init(uri: "/recommendations/similar/27205?limit=3", status: 200),
            .init(uri: "/recommendations/similar/999999999", status: 404),
            .init(uri: "/recommendations/genre/sci-fi?limit=3", status: 200),
            .init(uri: "/recommendations/genre/no-such-genre", status: 404),
            .init(uri: "/recommendations/popular?limit=3", status: 200),
            .init(uri: "/recommendations/popular?limit=0", status: 400),
            .init(uri: "/recommendations/top-rated?limit=3", status: 200),
            .init(uri: "/recommendations/trending?time_window=week&limit=3", status: 200),
            .init(uri: "/recommendations/trending?time_window=year", status: 400),
            .init(uri: "/recommendations/hybrid/42?limit=3", status: 200),
            .init(uri: "/users/42/recommendations/personalized?limit=3", status: 200),
            .init(uri: "/users/\(user)/recommendations/personalized?limit=3", status: 200),
            .init(uri: "/users/bad%20id/recommendations/personalized", status: 400),
            .init(uri: "/recommendations/ab-test/42?limit=3", status: 200),
            .init(uri: "/recommendations/ab-test/42?force_variant=plain", status: 403),
            .init(uri: "/recommendations/ab-test/42?force_variant=plain", headers: Self.admin, status: 200),
            .init(uri: "/recommendations/ab-test/42?force_variant=nope", headers: Self.admin, status: 400),
            .init(method: .post, uri: "/users/\(user)/preferences", body: #"{"movie_id": 862, "rating": 4.5}"#, status: 201),
            .init(method: .post, uri: "/users/\(user)/preferences", body: #"{"movie_id": 603, "watchlist": true}"#, status: 201),
            .init(method: .post, uri: "/users/\(user)/preferences", body: #"{"movie_id": 862}"#, status: 422),
            .init(method: .post, uri: "/users/\(user)/preferences", body: #"{"movie_id": 999999999, "rating": 3}"#, status: 422),
            .init(method: .post, uri: "/users/\(user)/preferences", body: #"{"rating": 4}"#, status: 400),
            .init(method: .post, uri: "/users/\(user)/preferences", body: "not json", status: 400),
            .init(uri: "/users/\(user)/preferences", status: 200),
            .init(method: .delete, uri: "/users/\(user)/preferences/603", status: 204),
            .init(method: .delete, uri: "/users/\(user)/preferences/603", status: 404),
            .init(method: .delete, uri: "/users/bad%20id/preferences/603", status: 400),
            .init(method: .post, uri: "/events", body: #"{"events": [\#(event)]}"#, status: 200),
            .init(method: .post, uri: "/events", body: #"{"events": [\#(event)]}"#, status: 200),
            .init(method: .post, uri: "/events", body: #"{"events": []}"#, status: 422),
            .init(method: .post, uri: "/events", headers: [.contentType: "text/plain"], body: #"{"events": [\#(event)]}"#, status: 415),
            .init(method: .post, uri: "/events", body: String(repeating: " ", count: 2 << 20), status: 413),
            .init(uri: "/experiments", status: 200),
            .init(uri: "/experiments/tuning/report", status: 200),
            .init(uri: "/experiments/tuning/report?format=html", status: 200),
            .init(uri: "/experiments/tuning/report?format=markdown", status: 400),
            .init(uri: "/experiments/nope/report", status: 404),
            .init(uri: "/evaluations", status: 200),
            .init(uri: "/evaluations/\(evaluation)", status: 200),
            .init(uri: "/evaluations/\(evaluation)/report", status: 200),
            .init(uri: "/evaluations/nope", status: 404),
            .init(uri: "/evaluations/nope/report", status: 404),
            .init(uri: "/analytics/model-performance", status: 200),
            .init(uri: "/analytics/user-behavior/42", status: 200),
            .init(uri: "/analytics/user-behavior/\(user)", status: 200),
            .init(uri: "/analytics/user-behavior/nobody-at-all", status: 404),
            .init(method: .delete, uri: "/users/\(user)", status: 200),
            .init(method: .delete, uri: "/users/bad%20id", status: 400),
            .init(uri: "/", status: 302),
            .init(uri: "/console", status: 200),
            .init(uri: "/console?part=main", status: 200),
            .init(uri: "/console?part=everything", status: 400),
            .init(uri: "/console/users?user_id=42", status: 302),
            .init(uri: "/console/users?user_id=bad%20id", status: 400),
            .init(uri: "/console/users/42", status: 200),
            .init(uri: "/console/users/bad%20id", status: 400),
            .init(uri: "/console/movies/603", status: 200),
            .init(uri: "/console/movies/999999999", status: 404),
            .init(uri: "/console/evaluations", status: 200),
            .init(uri: "/console/evaluations?a=\(evaluation)&b=\(evaluation)", status: 200),
            .init(uri: "/console/evaluations?a=nope&b=\(evaluation)", status: 404),
            .init(uri: "/console/evaluations?a=\(evaluation)", status: 400),
            .init(uri: "/console/experiments", status: 200),
            .init(uri: "/console/search?query=matrix", status: 200),
            .init(uri: "/console/search", status: 400),
            .init(uri: "/console/live", status: 200),
            .init(uri: "/console/assets/console.js", status: 200),
            .init(uri: "/console/assets/console.css", status: 200),
            .init(uri: "/console/assets/nope.js", status: 404),
            .init(uri: "/health", status: 200),
            .init(uri: "/health/ready", status: 200),
            .init(uri: "/health/detailed", status: 200),
            .init(uri: "/metrics", status: 200),
            .init(uri: "/openapi.json", status: 200),
            .init(uri: "/openapi.yaml", status: 200),
            .init(uri: "/docs", status: 200),
            .init(uri: "/redoc", status: 200),
            .init(uri: "/docs/assets/docs.js", status: 200),
            .init(uri: "/docs/assets/swagger-ui.css", status: 200),
            .init(uri: "/docs/assets/swagger-ui-bundle.js", status: 200),
            .init(uri: "/docs/assets/redoc.standalone.js", status: 200),
            .init(uri: "/docs/assets/nope.js", status: 404),
            // A movie no test looks for (no votes anywhere), so hiding it in the shared catalogue
            // disturbs no test running beside this one.
            .init(method: .post, uri: "/admin/movies/310706/hide", headers: Self.admin, body: #"{"until": "2099-01-01T00:00:00Z"}"#, status: 200),
            .init(method: .post, uri: "/admin/movies/310706/hide", headers: Self.admin, body: #"{"until": "2001-01-01T00:00:00Z"}"#, status: 422),
            .init(method: .post, uri: "/admin/movies/999999999/hide", headers: Self.admin, status: 404),
            .init(uri: "/admin/movies/withheld", headers: Self.admin, status: 200),
            .init(method: .delete, uri: "/admin/movies/310706/hide", headers: Self.admin, status: 204),
            .init(method: .delete, uri: "/admin/movies/310706/hide", headers: Self.admin, status: 404),
            .init(
                method: .put, uri: "/admin/movies/310706/availability", headers: Self.admin,
                body: #"{"from": "2020-01-01T00:00:00Z", "until": "2099-01-01T00:00:00Z"}"#, status: 200),
            .init(
                method: .put, uri: "/admin/movies/310706/availability", headers: Self.admin,
                body: #"{"from": "2030-01-01T00:00:00Z", "until": "2029-01-01T00:00:00Z"}"#, status: 422),
            .init(method: .delete, uri: "/admin/movies/310706/availability", headers: Self.admin, status: 204),
            .init(method: .delete, uri: "/admin/movies/310706/availability", headers: Self.admin, status: 404),
            .init(uri: "/users/42/recommendations/personalized?genres=comedy&year_from=1990&diversify=mmr&limit=3", status: 200),
            .init(uri: "/recommendations/popular?year_from=2150", status: 200),
            .init(uri: "/recommendations/popular?genres=nosuchgenre", status: 400),
            .init(method: .post, uri: "/admin/refit", status: 401),
            .init(method: .post, uri: "/admin/refit", headers: Self.admin, status: 202),
            // A refit of every model takes seconds, so the next requests find it running.
            .init(method: .post, uri: "/admin/refit", headers: Self.admin, status: 409),
            .init(method: .post, uri: "/admin/experiments/reload", headers: Self.admin, status: 409),
            .init(method: .post, uri: "/admin/experiments/reload", headers: Self.admin, status: 202, awaitingRefits: true),
            // This server has no evaluation data to simulate on.
            .init(method: .post, uri: "/admin/experiments/tuning/simulation", headers: Self.admin, status: 409),
            .init(method: .post, uri: "/admin/experiments/tuning/simulation", status: 401),
            .init(method: .post, uri: "/admin/experiments/nope/simulation", headers: Self.admin, status: 404),
            .init(uri: "/experiments/tuning/simulation", status: 404),
        ]
        let answered = AnsweredOperations()
        try await server.run { client in
            try await Self.check(exchanges, client, answered: answered)
        }
        // A server with data to simulate on, for an offline simulation's answers.
        let folder = try makeTemporaryDirectory("contract-simulation")
        let simulating = try await ExperimentServer.start(simulating: try mostPopularEvaluationConfig(named: "simulated", in: folder))
        try await simulating.run { client in
            try await Self.check([
                Exchange(method: .post, uri: "/admin/experiments/tuning/simulation", headers: Self.admin, status: 202),
                Exchange(method: .post, uri: "/admin/experiments/tuning/simulation", headers: Self.admin, status: 409),
                Exchange(uri: "/experiments/tuning/simulation", status: 200, awaitingRefits: true),
                Exchange(uri: "/experiments/tuning/simulation?format=html", status: 200),
            ], client, answered: answered)
        }
        // Where keys and rate limits are on.
        let keys = try makeTemporaryDirectory("contract-keys").appending(path: "keys").path
        let guarded = try Self.configuration(["ENABLE_AUTHENTICATION": "true", "RATE_LIMIT_SEARCH": "1", "API_KEYS_FILE": keys])
        try await buildApplication(configuration: guarded, services: server.services, logger: testLogger).test(.live) { client in
            try await Self.check([
                Exchange(uri: "/genres", status: 401),
                Exchange(uri: "/health", status: 200),
                // A console page without a key is the page without its data; the data need the key.
                Exchange(uri: "/console", status: 200),
                Exchange(uri: "/console?part=main", status: 401),
                Exchange(uri: "/console/live", status: 401),
                Exchange(uri: "/console?part=main", headers: Self.admin, status: 200),
                Exchange(uri: "/movies/search?query=love", headers: Self.admin, status: 200),
                Exchange(uri: "/movies/search?query=love", headers: Self.admin, status: 429),
                Exchange(method: .post, uri: "/admin/keys/reload", headers: Self.admin, status: 200),
            ], client, answered: answered)
        }
        try await server.run { client in
            let unanswered = Self.operations(of: try await Self.document(client)).subtracting(await answered.operations)
            #expect(unanswered.sorted() == [], "operations without a recorded success")
        }
    }

    /// The operations some answer succeeded on, gathered across servers.
    actor AnsweredOperations {
        var operations = Set<String>()
        func insert(_ operation: String) { operations.insert(operation) }
    }

    /// Sends each request and checks its answer against the document the server serves.
    static func check(_ exchanges: [Exchange], _ client: some TestClientProtocol, answered: AnsweredOperations) async throws {
        let document = try await document(client)
        let validator = JSONSchemaValidator(document: document)
        for exchange in exchanges {
            var answer = try await record(exchange, client)
            let deadline = ContinuousClock.now + .seconds(300)
            while exchange.awaitingRefits, answer.status == 409, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                answer = try await record(exchange, client)
            }
            let label = "\(exchange.method) \(exchange.uri.prefix(80)) → \(answer.status)"
            #expect(answer.status == exchange.status, "\(label): expected \(exchange.status)")
            #expect(problems(of: answer, in: document, validator: validator) == [], "\(label)")
            // A redirect is the success of an operation that only redirects.
            if let operation = operation(exchange, in: document), (200..<400).contains(answer.status) {
                await answered.insert(operation.key)
            }
        }
    }

    @Test func aWrongMethodAnswers405WithAllowAndTheDocumentedErrorShape() async throws {
        let server = try await Self.server.value
        try await server.run { client in
            let validator = JSONSchemaValidator(document: try await Self.document(client))
            for (method, uri, allow) in [(HTTPRequest.Method.delete, "/genres", "GET, HEAD"), (.put, "/movies/1", "GET, HEAD"), (.get, "/admin/refit", "POST")] {
                let answer = try await client.execute(uri: uri, method: method)
                #expect(answer.status == .methodNotAllowed)
                #expect(answer.headers[.allow] == allow)
                let errors = validator.errors(of: try JSONValue.parse(Data(buffer: answer.body)), against: .object(["$ref": .string("#/components/schemas/Error")]))
                #expect(errors == [], "\(method) \(uri)")
            }
        }
    }

    static func record(_ exchange: Exchange, _ client: some TestClientProtocol) async throws -> Recorded {
        var headers = exchange.headers
        if exchange.body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            uri: exchange.uri, method: exchange.method, headers: headers, body: exchange.body.map { ByteBuffer(string: $0) })
        return Recorded(exchange: exchange, status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
    }

    /// The document's operation for a request: the path template that matches it, literal
    /// segments winning over parameters (`/movies/search` over `/movies/{tmdb_id}`).
    static func operation(_ exchange: Exchange, in document: JSONValue) -> (key: String, value: JSONValue)? {
        guard case .object(let paths)? = document["paths"] else { return nil }
        let path = String(exchange.uri.prefix { $0 != "?" })
        let segments = path.split(separator: "/")
        let candidates = paths.compactMap { template, item -> (literals: Int, template: String, item: JSONValue)? in
            let parts = template.split(separator: "/")
            guard parts.count == segments.count,
                  zip(parts, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) else { return nil }
            return (parts.filter { !$0.hasPrefix("{") }.count, template, item)
        }
        guard let best = candidates.max(by: { $0.literals < $1.literals }),
              let operation = best.item[exchange.method.rawValue.lowercased()] else { return nil }
        return ("\(exchange.method.rawValue) \(best.template)", operation)
    }

    /// Whatever about the answer the document does not allow: an undocumented status or
    /// content type, a missing documented header, or a body that breaks its schema.
    static func problems(of answer: Recorded, in document: JSONValue, validator: JSONSchemaValidator) -> [String] {
        guard let operation = operation(answer.exchange, in: document) else { return ["no operation in the document"] }
        guard var response = operation.value["responses"]?[String(answer.status)] else { return ["status \(answer.status) is not documented"] }
        if case .string(let reference)? = response["$ref"] { response = validator.resolve(reference) ?? .null }
        var problems: [String] = []
        if case .object(let headers)? = response["headers"] {
            for name in headers.keys where answer.headers[HTTPField.Name(name)!] == nil { problems.append("documented header \(name) is missing") }
        }
        guard response["content"] != nil else {
            return problems + (answer.body.isEmpty ? [] : ["a body where the document gives none"])
        }
        let mediaType = answer.headers[.contentType]?.split(separator: ";").first.map(String.init) ?? "(none)"
        guard let schema = response["content"]?[mediaType]?["schema"] else { return problems + ["content type \(mediaType) is not documented"] }
        if mediaType == "application/yaml" {
            // The document itself, byte for byte, as the repository holds it.
            let file = FileManager.default.contents(atPath: repositoryFile("Sources/RecLabServer/Resources/openapi.yaml"))
            if answer.body != file { problems.append("the YAML is not the repository's openapi.yaml") }
        } else if mediaType == "application/json" {
            do {
                problems += validator.errors(of: try JSONValue.parse(answer.body), against: schema)
            } catch {
                problems.append("the body is not JSON: \(error)")
            }
        } else {
            problems += validator.errors(of: .string(String(decoding: answer.body, as: UTF8.self)), against: schema)
            if answer.body.isEmpty { problems.append("an empty \(mediaType) body") }
        }
        return problems
    }
}
