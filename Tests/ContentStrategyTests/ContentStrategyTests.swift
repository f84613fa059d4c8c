import ContentStrategy
import RecLabCore
import Testing

/// Nolan's two films share a director and keywords; each other film shares one trait with them.
let nolanCatalogue = [
    movie(1, "Inception", genres: ["Action", "Science Fiction"], keywords: ["dream", "heist", "subconscious"],
          directors: ["Christopher Nolan"], tmdbID: 27205),
    movie(2, "Memento", genres: ["Mystery", "Thriller"], keywords: ["dream", "subconscious", "amnesia"],
          directors: ["Christopher Nolan"], tmdbID: 77),
    movie(3, "Heat", genres: ["Action", "Crime"], keywords: ["heist"], directors: ["Michael Mann"]),
    movie(4, "Solaris", genres: ["Science Fiction", "Drama"], keywords: ["space", "subconscious"],
          directors: ["Steven Soderbergh"], tmdbID: 2103),
    movie(5, "Gravity", genres: ["Science Fiction", "Thriller"], keywords: ["space"], directors: ["Alfonso Cuarón"]),
    movie(6, "Koyaanisqatsi"),
] + fillers()

@Suite struct SimilarMoviesTests {
    @Test func filmsSharingDirectorAndKeywordsAreEachOthersNearestNeighbour() async throws {
        let model = try await fit(nolanCatalogue)
        #expect(try similar(to: 1, in: model).first?.movie == 2)
        #expect(try similar(to: 2, in: model).first?.movie == 1)
    }

    @Test func filmWithNothingInCommonIsNeverRecommended() async throws {
        let model = try await fit(nolanCatalogue)
        for seed in nolanCatalogue.map(\.id) {
            #expect(try !similar(to: seed, in: model, limit: 100).contains { $0.movie == 6 })
        }
        #expect(try similar(to: 6, in: model).isEmpty)
    }

    @Test func scoreIsTheCosineOfWeightedFieldsThroughBothDenseAndPostingListPaths() async throws {
        // Titles share nothing; a lone shared genre gives genre_weight² / (title_weight² + genre_weight²).
        let catalogue = [movie(1, "Aaa", genres: ["Western"]), movie(2, "Bbb", genres: ["Western"])] + fillers()
        let model = try await fit(catalogue)
        let expected = 0.6 * 0.6 / (1 + 0.6 * 0.6)
        let westerns = try similar(to: 1, in: model)
        #expect(westerns.map(\.movie) == [2])
        #expect(abs(westerns[0].score - expected) < 1e-5)
        // Documentary is shared by all forty fillers: a dense column.
        let documentaries = try similar(to: 1000, in: model)
        #expect(abs(documentaries[0].score - expected) < 1e-5)
    }

    @Test func similaritiesBelowTheThresholdAreNotKept() async throws {
        let catalogue = [movie(1, "Aaa", genres: ["Western"]), movie(2, "Bbb", genres: ["Western"])]
        // Their similarity is 0.36 / 1.36 ≈ 0.265.
        #expect(try similar(to: 1, in: await fit(catalogue) { $0.similarityThreshold = 0.25 }).map(\.movie) == [2])
        #expect(try similar(to: 1, in: await fit(catalogue) { $0.similarityThreshold = 0.3 }).isEmpty)
    }

    @Test func raisingKeywordWeightPutsTheKeywordMatchAboveTheDirectorMatch() async throws {
        let catalogue = [
            movie(1, "Seed", keywords: ["heist"], directors: ["Michael Mann"]),
            movie(2, "Alpha", keywords: ["boxing"], directors: ["Michael Mann"]),
            movie(3, "Beta", keywords: ["heist"], directors: ["Ridley Scott"]),
        ]
        #expect(try similar(to: 1, in: await fit(catalogue)).map(\.movie) == [2, 3])
        #expect(try similar(to: 1, in: await fit(catalogue) { $0.keywordWeight = 0.6 }).map(\.movie) == [3, 2])
    }

    @Test func excludedAndNonAdmittedMoviesNeverComeBack() async throws {
        let model = try await fit(nolanCatalogue)
        let withoutMemento = try similar(to: 1, in: model, limit: 100, excluded: [2])
        #expect(!withoutMemento.isEmpty)
        #expect(!withoutMemento.contains { $0.movie == 2 || $0.movie == 1 })
        let onlyTMDB = try similar(to: 1, in: model, limit: 100, requireTMDBID: true)
        #expect(onlyTMDB.map(\.movie) == [2, 4])
    }

    @Test func equalScoresAreOrderedBySmallerMovieID() async throws {
        let catalogue = [
            movie(1, "Seed", keywords: ["heist"], directors: ["Michael Mann"]),
            movie(9, "Twin", keywords: ["heist"], directors: ["Michael Mann"]),
            movie(4, "Twin", keywords: ["heist"], directors: ["Michael Mann"]),
        ]
        let answer = try similar(to: 1, in: await fit(catalogue))
        #expect(answer.map(\.movie) == [4, 9])
        #expect(answer[0].score == answer[1].score)
        // Forty documentaries tie through the dense path too.
        let documentaries = try similar(to: 1039, in: await fit(fillers()), limit: 3)
        #expect(documentaries.map(\.movie) == [1000, 1001, 1002])
    }

    @Test func answersHoldAtMostTheNeighboursKeptAndTheLimit() async throws {
        #expect(try similar(to: 1000, in: await fit(fillers()), limit: 100).count == 39)
        #expect(try similar(to: 1000, in: await fit(fillers()) { $0.neighbours = 5 }, limit: 100).count == 5)
        #expect(try similar(to: 1000, in: await fit(fillers()), limit: 3).count == 3)
        #expect(try similar(to: 1000, in: await fit(fillers()), limit: 0).isEmpty)
    }

    @Test func maxFeaturesKeepsOnlyTheCorpusMostFrequentTerms() async throws {
        let catalogue = [
            movie(1, "Zebra Crossing"), movie(2, "Zebra Stripes"),
            movie(3, "Xylophone", overview: "A love story."), movie(4, "Yodel", overview: "Love story."),
            movie(5, "Quartz", overview: "Love story!"),
        ]
        #expect(try similar(to: 1, in: await fit(catalogue)).map(\.movie) == [2])
        // "love", "story" and "love story" occur three times each; "zebra" only twice.
        #expect(try similar(to: 1, in: await fit(catalogue) { $0.maxFeatures = 2 }).isEmpty)
    }

    @Test func castNamesMatchAcrossAccentsAndCase() async throws {
        let catalogue = [
            movie(1, "Volver", cast: ["Penélope Cruz"]), movie(2, "Vicky Cristina Barcelona", cast: ["penelope cruz"]),
        ]
        let answer = try similar(to: 1, in: await fit(catalogue) { $0.similarityThreshold = 0.01 })
        #expect(answer.map(\.reason) == ["Shared cast: Penélope Cruz"])
    }

    @Test func emptyCatalogueFitsAndKnowsNoMovie() async throws {
        let model = try await fit([])
        #expect(model.summary.items == 0)
        #expect(throws: RecommendationError.unknownMovie(1)) { try similar(to: 1, in: model) }
    }

    @Test func unknownSeedMovieIsAnError() async throws {
        let model = try await fit(nolanCatalogue)
        #expect(throws: RecommendationError.unknownMovie(404)) { try similar(to: 404, in: model) }
    }

    @Test func requestWithNeitherSeedNorHistoryIsAnError() async throws {
        let model = try await fit(nolanCatalogue)
        #expect(throws: RecommendationError.missingInput("a seed movie or a user history")) {
            try model.recommend(RecommendationRequest(userID: "u", limit: 10))
        }
    }

    @Test func summaryCountsItemsFeaturesAndNeighbours() async throws {
        let summary = try await fit(nolanCatalogue).summary
        #expect(summary.items == nolanCatalogue.count)
        #expect(summary.detail.hasPrefix("tf-idf features="))
        #expect(summary.detail.hasSuffix(", neighbours=50"))
    }
}

@Suite struct ReasonTests {
    @Test func reasonNamesDirectorThenTwoCastThenThreeRarestKeywords() async throws {
        let catalogue = [
            movie(1, "Inception", keywords: ["dream", "heist", "subconscious", "architecture"],
                  cast: ["Leonardo DiCaprio", "Tom Hardy", "Elliot Page"], directors: ["Christopher Nolan"]),
            movie(2, "Interstellar", keywords: ["architecture", "dream", "subconscious", "heist"],
                  cast: ["Elliot Page", "Tom Hardy", "Leonardo DiCaprio"], directors: ["Christopher Nolan"]),
            movie(3, "Dreamscape", keywords: ["dream", "architecture"]),
            movie(4, "Paprika", keywords: ["dream"]),
            movie(5, "Dreams", keywords: ["dream"]),
        ]
        let answer = try similar(to: 1, in: await fit(catalogue))
        #expect(answer.first?.movie == 2)
        #expect(
            answer.first?.reason
                == "Same director: Christopher Nolan; shared cast: Leonardo DiCaprio, Tom Hardy; shared keywords: heist, subconscious, architecture"
        )
    }

    @Test func reasonWithoutSharedPeopleOrKeywordsFallsBackToTitleWordsStudioThenGenres() async throws {
        func reason(_ first: CatalogueItem, _ second: CatalogueItem) async throws -> String? {
            try similar(to: first.id, in: await fit([first, second]) { $0.similarityThreshold = 0.01 }).first?.reason
        }
        #expect(try await reason(movie(1, "The Dark Knight"), movie(2, "A Knight's Tale")) == "Shared title words: knight")
        #expect(
            try await reason(movie(1, "Up", companies: ["Pixar Animation Studios"]), movie(2, "Coco", companies: ["Pixar Animation Studios"]))
                == "Same studio: Pixar Animation Studios")
        #expect(
            try await reason(
                movie(1, "Arrival", genres: ["Science Fiction", "Thriller"]),
                movie(2, "Annihilation", genres: ["Thriller", "Horror", "Science Fiction"]))
                == "Also Science Fiction and Thriller")
        #expect(
            try await reason(movie(1, "Das Boot", overview: "A submarine crew."), movie(2, "K-19", overview: "The submarine crew."))
                == "Similar content and themes")
    }
}

@Suite struct UserHistoryTests {
    @Test func historyRecommendsNeighboursOfLikedMoviesNamingTheClosestOne() async throws {
        let model = try await fit(nolanCatalogue)
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: liked(1), limit: 10))
        #expect(answer.first?.movie == 2)
        #expect(answer.first?.reason == "Similar to Inception (same director: Christopher Nolan; shared keywords: dream, subconscious)")
        #expect(Set(answer.map(\.movie)).isSubset(of: Set(try similar(to: 1, in: model, limit: 50).map(\.movie))))
    }

    @Test func ratedMoviesNeverComeBackAndDislikedOnesSeedNothing() async throws {
        let model = try await fit(nolanCatalogue)
        let history = liked(1) + [Interaction(user: "u", movie: 3, rating: 1, timestamp: 0)]
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: history, limit: 100))
        #expect(!answer.contains { $0.movie == 1 || $0.movie == 3 })
        #expect(answer.allSatisfy { $0.reason.hasPrefix("Similar to Inception") })
        let excluded = try model.recommend(RecommendationRequest(userID: "u", history: history, limit: 100, excluded: [2]))
        #expect(!excluded.contains { $0.movie == 2 })
    }

    @Test func aDeferredAnswerGivesTheDirectAnswersScoresAloneThenTheSameReasonsForThePicksAsked() async throws {
        let model = try await fit(nolanCatalogue)
        let request = RecommendationRequest(userID: "u", history: liked(1) + [Interaction(user: "u", movie: 3, rating: 4, timestamp: 1)], limit: 10)
        let direct = try model.recommend(request)
        let deferred = try model.recommendExplainingLater(request)
        #expect(deferred.recommendations.map(\.movie) == direct.map(\.movie))
        #expect(deferred.recommendations.map(\.score) == direct.map(\.score))
        #expect(deferred.recommendations.allSatisfy { $0.reason.isEmpty })
        let asked = Array(direct.map(\.movie).prefix(2))
        let reasons = try deferred.reasons(asked)
        #expect(reasons == Dictionary(uniqueKeysWithValues: direct.prefix(2).map { ($0.movie, $0.reason) }))
        #expect(reasons.values.allSatisfy { $0.hasPrefix("Similar to ") })
    }

    @Test func historyWithNothingLikedFallsBackToEverythingRated() async throws {
        let model = try await fit(nolanCatalogue)
        let history = [Interaction(user: "u", movie: 3, rating: 3, timestamp: 0)]
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: history, limit: 10))
        #expect(answer.first?.movie == 1)
        #expect(answer.first?.reason == "Similar to Heat (shared keywords: heist)")
    }

    @Test func movieNearSeveralLikedMoviesOutranksMovieNearOne() async throws {
        // k1 and k2 are equally rare, so "Both" is 1/√2 of a keyword match to "One" and to "Two".
        let catalogue = [
            movie(1, "One", keywords: ["k1"]), movie(2, "Two", keywords: ["k2"]),
            movie(3, "Both", keywords: ["k1", "k2"]), movie(4, "Single", keywords: ["k1"]), movie(5, "Other", keywords: ["k2"]),
        ]
        let model = try await fit(catalogue) { $0.similarityThreshold = 0.01 }
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: liked(1, 2), limit: 10))
        #expect(answer.map(\.movie) == [3, 4, 5])
        // Rated 5, each liked movie weighs 5 − 2.5.
        let keywordShare = 0.4 * 0.4 / (1 + 0.4 * 0.4)
        #expect(abs(answer[0].score - 2 * 2.5 * keywordShare / 2.0.squareRoot()) < 1e-4)
        #expect(abs(answer[1].score - 2.5 * keywordShare) < 1e-4)
    }

    @Test func aSourceCapKeepsTheLatestLikedMoviesTiesBySmallerID() async throws {
        func ask(_ model: any FittedModel, _ history: [Interaction]) throws -> [Recommendation] {
            try model.recommend(RecommendationRequest(userID: "u", history: history, limit: 100))
        }
        let (uncapped, capped) = (try await fit(nolanCatalogue), try await fit(nolanCatalogue) { $0.maxSources = 1 })
        // Memento liked first, Inception later: capped at one source, Inception alone seeds
        // (and Memento, rated, is not offered).
        let history = [Interaction(user: "u", movie: 2, rating: 5, timestamp: 10), Interaction(user: "u", movie: 1, rating: 5, timestamp: 20)]
        let inceptionAlone = try ask(uncapped, liked(1)).filter { $0.movie != 2 }
        #expect(!inceptionAlone.isEmpty)
        #expect(try ask(capped, history) == inceptionAlone)
        #expect(try ask(uncapped, history).map(\.score) != inceptionAlone.map(\.score))
        // Liked in one second: the smaller id.
        #expect(try ask(capped, liked(2, 1)) == inceptionAlone)
    }

    @Test func latestInteractionWithAMovieCounts() async throws {
        let model = try await fit(nolanCatalogue)
        // Heat was rated 1, then added as a favourite: it now seeds, beside nothing else liked.
        let history = [
            Interaction(user: "u", movie: 3, rating: 1, timestamp: 10),
            Interaction(user: "u", movie: 3, rating: 5, timestamp: 20),
            Interaction(user: "u", movie: 4, rating: 2, timestamp: 15),
        ]
        let answer = try model.recommend(RecommendationRequest(userID: "u", history: history, limit: 10))
        #expect(answer.allSatisfy { $0.reason.hasPrefix("Similar to Heat") })
        #expect(answer.first?.movie == 1)
    }
}
