import Foundation
import RecLabCore
import RecLabServer
import RecLabServing
import Testing

@Suite struct StrategyConfigurationTests {
    static let surfaces = "surfaces: { similar: p, genre: p, popular: p, top-rated: p, trending: p, personalized: p, hybrid: p }"

    @Test func theCommittedFileBuildsEveryStrategyAndServesEverySurface() throws {
        let configuration = try StrategyConfiguration.load(path: repositoryFile("experiments/strategies.yaml"), registry: testStrategies)
        #expect(Set(configuration.instances.map(\.strategyID)) == ["content", "genre", "popularity", "personalized", "sequential", "slist", "hybrid"])
        #expect(configuration.surfaces.count == Surface.allCases.count)
    }

    @Test(arguments: [
        ("strategies:\n  - { name: p, strategy: nope }\n\(surfaces)",
         "strategy 'p': unknown strategy id 'nope' (registered: content, genre, gru4rec, hybrid, personalized, popularity, sequential, slist)"),
        ("strategies:\n  - { name: p, strategy: popularity, parameters: { ranking: popular, minimum_vote: 3 } }\n\(surfaces)",
         "strategy 'p' (popularity): parameter 'minimum_vote': unknown parameter (known: default_window, minimum_votes, ranking)"),
        ("strategies:\n  - { name: p, strategy: personalized, parameters: { lambda: -1 } }\n\(surfaces)",
         "strategy 'p' (personalized): parameter 'lambda': must be a finite number > 0, got -1.0"),
        ("strategies:\n  - { name: p, strategy: popularity }\nsurfaces: { similar: p }",
         "surfaces: no strategy serves genre, popular, top-rated, trending, personalized, hybrid"),
        ("strategies:\n  - { name: p, strategy: popularity }\nsurfaces: { simliar: p }",
         "surfaces: unknown surface 'simliar' (known: similar, genre, popular, top-rated, trending, personalized, hybrid)"),
        ("strategies:\n  - { name: p, strategy: popularity }\n  - { name: p, strategy: genre }\n\(surfaces)",
         "strategy 'p' is defined twice"),
    ])
    func aBadFileIsRefusedWithAMessageNamingTheFault(yaml: String, message: String) {
        do {
            _ = try StrategyConfiguration.parse(yaml, registry: testStrategies)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func aMissingFileNamesItsPathAndTheVariable() {
        do {
            _ = try StrategyConfiguration.load(path: "/nonexistent/strategies.yaml", registry: testStrategies)
            Issue.record("a missing file was accepted")
        } catch {
            #expect("\(error)".hasPrefix("/nonexistent/strategies.yaml: cannot be read"))
            #expect("\(error)".hasSuffix("set STRATEGIES_FILE"))
        }
    }
}
