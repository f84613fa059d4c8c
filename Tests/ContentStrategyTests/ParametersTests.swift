import ContentStrategy
import RecLabCore
import Testing

@Suite struct ParametersTests {
    @Test func defaultsAreTheSeedDesignsValuesUnderSnakeCaseNames() throws {
        let defaults = try ParameterValue(encoding: ContentStrategy.Parameters())
        #expect(
            defaults
                == .object([
                    "title_weight": .number(1.0), "overview_weight": .number(0.8), "genre_weight": .number(0.6),
                    "keyword_weight": .number(0.4), "cast_weight": .number(0.3), "director_weight": .number(0.5),
                    "company_weight": .number(0.3), "numerical_features_weight": .number(0.3), "neighbours": .number(50),
                    "max_features": .number(5000), "ngram_min": .number(1), "ngram_max": .number(2),
                    "similarity_threshold": .number(0.1), "max_sources": .number(0),
                ]))
    }

    @Test func registryAppliesConfiguredValuesOverDefaults() throws {
        var registry = StrategyRegistry()
        registry.register(ContentStrategy.self)
        let configured = try registry.make(
            name: "more-like-this", strategy: ContentStrategy.id,
            parameters: .object(["keyword_weight": .number(0.9), "neighbours": .number(20)]))
        guard case .object(let values) = configured.parameters else {
            Issue.record("parameters should be an object")
            return
        }
        #expect(values["keyword_weight"] == .number(0.9))
        #expect(values["neighbours"] == .number(20))
        #expect(values["title_weight"] == .number(1.0))
    }

    static let invalid: [(field: String, parameters: ContentStrategy.Parameters)] = {
        func with(_ change: (inout ContentStrategy.Parameters) -> Void) -> ContentStrategy.Parameters {
            var parameters = ContentStrategy.Parameters()
            change(&parameters)
            return parameters
        }
        return [
            ("title_weight", with { $0.titleWeight = .nan }),
            ("keyword_weight", with { $0.keywordWeight = -0.1 }),
            ("director_weight", with { $0.directorWeight = .infinity }),
            ("numerical_features_weight", with { $0.numericalFeaturesWeight = -1 }),
            ("neighbours", with { $0.neighbours = 0 }),
            ("max_features", with { $0.maxFeatures = 0 }),
            ("max_sources", with { $0.maxSources = -1 }),
            ("ngram_min", with { $0.ngramMin = 0 }),
            ("ngram_max", with { $0.ngramMin = 2; $0.ngramMax = 1 }),
            ("ngram_max", with { $0.ngramMax = 4 }),
            ("similarity_threshold", with { $0.similarityThreshold = 1.5 }),
        ]
    }()

    @Test(arguments: invalid)
    func validationNamesTheFieldAtFault(field: String, parameters: ContentStrategy.Parameters) {
        let error = #expect(throws: ParameterError.self) { try parameters.validate() }
        #expect(error?.field == field)
    }

    @Test func defaultsAreValid() throws {
        try ContentStrategy.Parameters().validate()
    }

    @Test func fitRefusesInvalidParameters() async {
        await #expect(throws: ParameterError.self) {
            _ = try await fit([movie(1, "Alien")]) { $0.neighbours = 0 }
        }
    }
}
