import Foundation
import HybridStrategy
import PersonalizedStrategy
import PopularityStrategy
import RecLabCore
import RecLabExperiments
import Testing

@Suite struct ExperimentFileTests {
    static let surfaces: Set<Surface> = [.personalized, .similar, .hybrid]

    static var registry: StrategyRegistry {
        var registry = StrategyRegistry()
        registry.register(PopularityStrategy.self)
        registry.register(PersonalizedStrategy.self)
        registry.register(HybridStrategy.self)
        return registry
    }

    static func yaml(
        id: String = "exp", status: String = "running", surface: String = "personalized", namespace: String = "",
        coverage: String = "1.0", variants: String = """
          - { name: a, control: true, weight: 0.5, strategy: popularity, parameters: { ranking: popular } }
          - { name: b, weight: 0.5, strategy: popularity, parameters: { ranking: top-rated } }
        """
    ) -> String {
        "id: \(id)\nstatus: \(status)\nsurface: \(surface)\nsalt: s-\(id)\ncoverage: \(coverage)\n\(namespace)variants:\n\(variants)\n"
    }

    static let unweighted = """
          - { name: a, control: true, strategy: popularity, parameters: { ranking: popular } }
          - { name: b, strategy: popularity, parameters: { ranking: top-rated } }
        """

    @Test func anInterleavingFileNeedsNoWeightsAndAnABFileMayAddGuardrailsAndCUPED() throws {
        let interleaving = try parse(Self.yaml(namespace: "kind: interleaving\n", variants: Self.unweighted))
        #expect(interleaving.kind == .interleaving)
        #expect(interleaving.variants.map(\.weight) == [0.5, 0.5])
        let ab = try parse(Self.yaml(namespace: "cuped: true\nguardrails:\n  - { metric: watch_rate, max_drop: 0.02 }\n"))
        #expect(ab.kind == .ab && ab.cuped)
        #expect(ab.guardrails == [.init(metric: .watchRate, maxDrop: 0.02)])
        #expect(try parse(Self.yaml()).cuped == false, "off unless asked")
    }

    /// A variant's controls are the API's query parameters, parsed by the API's parser.
    @Test func aVariantMaySetListControlsInTheAPIsSyntax() throws {
        let experiment = try parse(Self.yaml(variants: """
              - { name: a, control: true, weight: 0.5, strategy: popularity }
              - { name: b, weight: 0.5, strategy: popularity, controls: "diversify=genre_cap&max_per_genre=2&unseen_for=7d" }
            """))
        #expect(experiment.variants.map(\.controls) == [ListControls(), ListControls(diversification: .genreCap(2), unseenFor: 7 * 86_400)])
        let refused = #expect(throws: ConfigurationError.self) {
            try parse(Self.yaml(variants: """
                  - { name: a, control: true, weight: 0.5, strategy: popularity }
                  - { name: b, weight: 0.5, strategy: popularity, controls: "genres=nosuch" }
                """))
        }
        #expect(refused?.description.contains("variants[1].controls") == true)
    }

    func parse(_ yaml: String) throws -> Experiment {
        try ExperimentFile.parse(yaml, file: "exp.yaml", registry: Self.registry, surfaces: Self.surfaces)
    }

    /// The experiment files committed in `experiments/`.
    static func committed() throws -> [Experiment] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "experiments").path
        return try ExperimentFile.loadAll(folder: folder, registry: Self.registry, surfaces: Self.surfaces)
    }

    @Test func theCommittedExamplesAreValid() throws {
        let committed = try Self.committed()
        #expect(committed.map(\.id) == ["personalized-ease-interleaving", "personalized-ease-tuning", "popular-vs-ease", "sequential-vs-personalized"])
        #expect(committed[0].kind == .interleaving)
        // Both halves of the personalized surface can run at once.
        var running = committed
        for index in running.indices { running[index].status = .running }
        try ExperimentFile.checkTogether(running.filter { $0.id.hasPrefix("personalized-ease") }.map { ("\($0.id).yaml", $0) })
    }

    @Test(arguments: [
        (yaml(variants: "  - { name: a, control: true, weight: 0.5, strategy: nope }\n  - { name: b, weight: 0.5, strategy: popularity }"),
         "exp.yaml: variants[0]: strategy 'exp/a': unknown strategy id 'nope' (registered: hybrid, personalized, popularity)"),
        (yaml(variants: "  - { name: a, control: true, weight: 0.6, strategy: popularity }\n  - { name: b, weight: 0.6, strategy: popularity }"),
         "exp.yaml: variants: weights sum to 1.2, not 1"),
        (yaml(variants: "  - { name: a, weight: 0.5, strategy: popularity }\n  - { name: b, weight: 0.5, strategy: popularity }"),
         "exp.yaml: variants: exactly one variant must be the control (control: true), found 0"),
        (yaml(variants: "  - { name: a, control: true, weight: 0.5, strategy: personalized, parameters: { lambda: 0 } }\n  - { name: b, weight: 0.5, strategy: popularity }"),
         "exp.yaml: variants[0]: strategy 'exp/a' (personalized): parameter 'lambda': must be a finite number > 0, got 0.0"),
        (yaml(surface: "homepage"), "exp.yaml: surface: unknown surface 'homepage' (known: hybrid, personalized, similar)"),
        (yaml(coverage: "1.5"), "exp.yaml: coverage: must be between 0 and 1, got 1.5"),
        (yaml(status: "paused"), "exp.yaml: status: Cannot initialize Status from invalid String value paused"),
        (yaml(namespace: "kind: multileave\n"), "exp.yaml: kind: unknown kind 'multileave' (known: ab, interleaving)"),
        (yaml(namespace: "kind: interleaving\n"),
         "exp.yaml: variants[0].weight: applies to kind: ab only (an interleaving experiment shows every variant to every user)"),
        (yaml(namespace: "kind: interleaving\nanalysis: sequential\n", variants: Self.unweighted), "exp.yaml: analysis: applies to kind: ab only"),
        (yaml(namespace: "kind: interleaving\ncuped: true\n", variants: Self.unweighted), "exp.yaml: cuped: applies to kind: ab only"),
        (yaml(variants: "  - { name: a, control: true, strategy: popularity }\n  - { name: b, weight: 0.5, strategy: popularity }"),
         "exp.yaml: variants[0].weight: missing"),
        (yaml(namespace: "guardrails: [{ metric: revenue, max_drop: 0.1 }]\n"),
         "exp.yaml: guardrails[0].metric: unknown metric 'revenue' (known: ctr, watch_rate)"),
        (yaml(namespace: "guardrails: [{ metric: ctr, max_drop: 5 }]\n"),
         "exp.yaml: guardrails[0].max_drop: must be a share between 0 and 1 (0.02 for 2%), got 5.0"),
    ])
    func aBadFileIsRefusedNamingTheFileAndTheField(yaml: String, message: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func twoRunningExperimentsOnOneSurfaceNeedDisjointNamespaceSlices() throws {
        let first = try parse(Self.yaml(id: "one"))
        let second = try parse(Self.yaml(id: "two"))
        #expect(throws: ConfigurationError.self) { try ExperimentFile.checkTogether([("one.yaml", first), ("two.yaml", second)]) }
        let left = try parse(Self.yaml(id: "one", namespace: "namespace: { name: p, range: [0, 0.5] }\n"))
        let right = try parse(Self.yaml(id: "two", namespace: "namespace: { name: p, range: [0.5, 1] }\n"))
        try ExperimentFile.checkTogether([("one.yaml", left), ("two.yaml", right)])
        let stopped = try parse(Self.yaml(id: "two", status: "stopped"))
        try ExperimentFile.checkTogether([("one.yaml", first), ("two.yaml", stopped)])
    }

    @Test func disjointNamespaceSlicesNeverShareAUser() throws {
        let left = try parse(Self.yaml(id: "one", namespace: "namespace: { name: p, range: [0, 0.5] }\n"))
        let right = try parse(Self.yaml(id: "two", namespace: "namespace: { name: p, range: [0.5, 1] }\n"))
        var inLeft = 0
        for user in 0..<5_000 {
            let a = left.assign(userID: "u\(user)", interactions: 10)
            let b = right.assign(userID: "u\(user)", interactions: 10)
            #expect(a == nil || b == nil)
            #expect(a != nil || b != nil)
            if a != nil { inLeft += 1 }
        }
        #expect((2_300...2_700).contains(inLeft))
    }

    @Test func theSameUserGetsTheSameVariantEveryTime() throws {
        let experiment = try parse(Self.yaml())
        for user in 0..<1_000 {
            #expect(experiment.assign(userID: "u\(user)", interactions: 3) == experiment.assign(userID: "u\(user)", interactions: 3))
        }
    }

    @Test func changingOneExperimentsSaltDoesNotReshuffleAnother() throws {
        let other = try parse(Self.yaml(id: "other"))
        let before = (0..<1_000).map { other.assign(userID: "u\($0)", interactions: 3)?.variant.name }
        var changed = try parse(Self.yaml(id: "mine"))
        changed.salt = "a new salt"
        _ = (0..<1_000).map { changed.assign(userID: "u\($0)", interactions: 3) }
        #expect((0..<1_000).map { other.assign(userID: "u\($0)", interactions: 3)?.variant.name } == before)
    }

    @Test func targetingAndStatusDecideWhoIsEnrolled() throws {
        var experiment = try parse(Self.yaml())
        experiment.targeting = .init(minimumInteractions: 5, newUsersOnly: false)
        #expect(experiment.assign(userID: "u1", interactions: 4) == nil)
        #expect(experiment.assign(userID: "u1", interactions: 5) != nil)
        experiment.targeting = .init(minimumInteractions: nil, newUsersOnly: true)
        #expect(experiment.assign(userID: "u1", interactions: 1) == nil)
        #expect(experiment.assign(userID: "u1", interactions: 0) != nil)
        experiment.status = .draft
        #expect(experiment.assign(userID: "u1", interactions: 0) == nil)
    }

    @Test func theAssignmentIsGrowthBooksFormula() throws {
        let experiment = try parse(Self.yaml(coverage: "0.5"))
        for user in 0..<2_000 {
            let id = "u\(user)"
            let n = GrowthBookAssignment.hash(seed: experiment.salt, value: id, version: 2)!
            let expected = n < 0.25 ? "a" : (0.5..<0.75).contains(n) ? "b" : nil
            #expect(experiment.assign(userID: id, interactions: 1)?.variant.name == expected)
        }
    }
}
