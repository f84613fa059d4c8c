import Foundation
import RecLabCore
import RecLabExperiments
import Testing

@Suite struct AnswerEncodingTests {
    /// The JSON object `answer` encodes to.
    static func object(_ answer: any Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(answer)) as? [String: Any])
    }

    @Test func everyFieldOfAPublicAnswerIsWrittenEvenWhenAbsent() throws {
        let experiment = Experiment(
            id: "exp", description: "", status: .running, surface: .personalized, salt: "exp", coverage: 1, namespace: nil,
            targeting: .init(), variants: [
                .init(name: "a", weight: 0.5, isControl: true, strategy: "popularity", parameters: nil),
                .init(name: "b", weight: 0.5, isControl: false, strategy: "popularity", parameters: nil),
            ])
        // No users yet: no sample-ratio check, no winner, no rates, no lifts, no offline scores.
        let report = ExperimentAnalysis.report(experiment: experiment, activity: [])
        let treatment = try #require(report.variants.last)
        let answers: [any Encodable] = [
            Movie(id: 1, title: "Untitled"),
            CastMember(name: "Someone", order: 0),
            UserPreference(
                id: "p", userID: "u", movieID: 1, rating: nil, favorite: false, watchlist: false, watched: false, createdAt: Date(),
                updatedAt: Date()),
            report, treatment, treatment.ctr, try #require(treatment.ctrLift),
        ]
        for answer in answers {
            let object = try Self.object(answer)
            // One key per stored property: nothing left out because it was absent.
            #expect(object.count == Mirror(reflecting: answer).children.count, "\(type(of: answer)): \(object.keys.sorted())")
            #expect(object.values.contains { $0 is NSNull }, "\(type(of: answer)) has absent fields to write as null")
        }
    }

    @Test func aNullFieldReadsBackAsAbsent() throws {
        let movie = Movie(id: 7, tmdbID: nil, title: "Untitled", year: 1999)
        let decoded = try JSONDecoder().decode(Movie.self, from: JSONEncoder().encode(movie))
        #expect(decoded == movie)
    }
}
