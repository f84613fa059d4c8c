import LinearAlgebra
import RecLabCore

/// A fitted EASE^R or ALS model with what answering needs from fit time: the model's movies,
/// their catalogue entries (titles, genres, TMDB ids) and interaction counts. A class: the
/// closures of an answer capture it, and a struct this wide is copied into each, a retain and
/// a release per array.
final class PersonalizedModel: FittedModel {
    enum Engine: Sendable {
        /// The weights, and what X holds for an interaction (applied to the request's history).
        case ease(EASEWeights, input: EASEInput)
        case als(ImplicitALS)
    }

    let engine: Engine
    /// The model's movies by position, ids ascending.
    let movies: [MovieID]
    let positions: MovieIndex
    let interactionCounts: [Int]
    let catalogue: Catalogue
    let summary: ModelSummary
    /// EASE^R's answer-time weighting of the history by recency, nil when off.
    let historyWeighting: HistoryWeighting?
    /// By position: the movie's place in `catalogue`, −1 for a movie it lacks, which is never
    /// recommended. Entries are read in place: a copied entry retains each of its strings and
    /// lists, which in the ranking loops costs more than the scores.
    private let catalogueEntries: [Int]
    /// The positions the catalogue lacks, scored out of every answer.
    private let outsideCatalogue: [Int]
    /// Each movie's genres as small slot numbers, so cold start matches genres without hashing.
    private let genreStart: [Int]
    private let genreSlots: [Int]
    private let genresBySlot: [Genre]
    private let slotsByGenreID: [Int: Int]
    /// Positions by interaction count, most first, equal counts by smaller movie id: cold
    /// start's order within the user's genres and outside them.
    private let byPopularity: [Int]
    /// `inHistory` of an empty history, kept so that a user with none costs no allocation.
    private let noHistory: [Bool]

    private static let coldStartSuffix = " — rate a few movies for personal picks"

    init(
        engine: Engine, movies: [MovieID], positions: MovieIndex, interactionCounts: [Int], catalogue: Catalogue, summary: ModelSummary,
        historyWeighting: HistoryWeighting? = nil
    ) {
        self.historyWeighting = historyWeighting
        self.engine = engine
        self.movies = movies
        self.positions = positions
        self.interactionCounts = interactionCounts
        self.catalogue = catalogue
        self.summary = summary
        let catalogueEntries = movies.map { catalogue.position(of: $0) ?? -1 }
        self.catalogueEntries = catalogueEntries
        outsideCatalogue = catalogueEntries.indices.filter { catalogueEntries[$0] < 0 }
        var genreStart = [0]
        var genreSlots: [Int] = []
        var genresBySlot: [Genre] = []
        var slotsByGenreID: [Int: Int] = [:]
        for entry in catalogueEntries {
            for genre in entry >= 0 ? catalogue.items[entry].genres : [] {
                let slot = slotsByGenreID[genre.id] ?? genresBySlot.count
                if slot == genresBySlot.count {
                    slotsByGenreID[genre.id] = slot
                    genresBySlot.append(genre)
                }
                genreSlots.append(slot)
            }
            genreStart.append(genreSlots.count)
        }
        self.genreStart = genreStart
        self.genreSlots = genreSlots
        self.genresBySlot = genresBySlot
        self.slotsByGenreID = slotsByGenreID
        byPopularity = movies.indices.sorted { (interactionCounts[$0], movies[$1]) > (interactionCounts[$1], movies[$0]) }
        noHistory = Array(repeating: false, count: movies.count)
    }

    /// The engine, then the movies and their counts; the input and the catalogue entries
    /// come back from the parameters and the generation's catalogue.
    func write(to writer: inout ModelWriter) {
        switch engine {
        case .ease(let weights, _):
            writer.write("ease")
            weights.write(to: &writer)
        case .als(let model):
            writer.write("als")
            model.write(to: &writer)
        }
        writer.write(array: movies)
        writer.write(array: interactionCounts)
        summary.write(to: &writer)
    }

    /// The request's history as the engine reads it: what scoring and explaining share.
    private enum Query {
        /// Nothing the model knows (or no taste above the rating offset): `coldStart`.
        case coldStart(history: [Interaction], inHistory: [Bool])
        /// `known` holds the ratings (which say what was liked), `engineInput` the same entries
        /// as the engine reads them (which say how much each added).
        case taste(
            known: [(item: Int, value: Float)], engineInput: [(item: Int, value: Float)],
            scores: () -> [Float], explain: ([(item: Int, value: Float)], [Int]) throws -> Matrix)
    }

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        guard request.limit > 0 else { return [] }
        return try answer(request, try query(request))
    }

    /// The picks with scores alone; their reasons from the history already read, without
    /// scoring the catalogue again.
    func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        var bare = request
        bare.wantsReasons = false
        guard request.limit > 0 else { return DeferredAnswer([]) { _ in [:] } }
        let query = try query(request)
        let answer = try answer(bare, query)
        guard case .taste(let known, let engineInput, _, let explain) = query else {
            return DeferredAnswer(answer) { picked in try self.reasonsAnsweringAgain(for: picked, request) }
        }
        return DeferredAnswer(answer) { picked in
            let pickedPositions = picked.compactMap { self.positions[$0] }
            let reasons = try self.explainPicks(pickedPositions, known: known, engineInput: engineInput, explain: explain)
            return Dictionary(zip(pickedPositions.map { self.movies[$0] }, reasons)) { first, _ in first }
        }
    }

    private func answer(_ request: RecommendationRequest, _ query: Query) throws -> [Recommendation] {
        switch query {
        case .coldStart(let history, let inHistory):
            return coldStart(history: history, request: request, inHistory: inHistory)
        case .taste(let known, let engineInput, let scores, let explain):
            var scored = scores()
            let top = select(&scored, request: request, known: known)
            let reasons = request.wantsReasons
                ? try explainPicks(top.map(\.position), known: known, engineInput: engineInput, explain: explain)
                : Array(repeating: "", count: top.count)
            return zip(top, reasons).map { pick, reason in
                Recommendation(movie: movies[pick.position], score: pick.score, reason: reason)
            }
        }
    }

    private func query(_ request: RecommendationRequest) throws -> Query {
        guard !request.history.isEmpty else { return .coldStart(history: [], inHistory: noHistory) }
        // One interaction per movie, the latest (the later one in the list on equal times).
        var slots = [Int32](repeating: -1, count: movies.count)
        var known: [(item: Int, value: Float)] = []
        var knownTimes: [Int64] = []
        var unknownSlots: [MovieID: Int] = [:]
        var unknown: [Interaction] = []
        for interaction in request.history {
            if let position = positions[interaction.movie] {
                let slot = Int(slots[position])
                if slot < 0 {
                    slots[position] = Int32(known.count)
                    known.append((position, interaction.rating))
                    knownTimes.append(interaction.timestamp)
                } else if interaction.timestamp >= knownTimes[slot] {
                    known[slot].value = interaction.rating
                    knownTimes[slot] = interaction.timestamp
                }
            } else if let slot = unknownSlots[interaction.movie] {
                if interaction.timestamp >= unknown[slot].timestamp { unknown[slot] = interaction }
            } else {
                unknownSlots[interaction.movie] = unknown.count
                unknown.append(interaction)
            }
        }
        guard !known.isEmpty else { return .coldStart(history: unknown, inHistory: slots.map { $0 >= 0 }) }

        switch engine {
        case .ease(let weights, let input):
            var engineInput: [(item: Int, value: Float)]
            if input == .plain(binary: false) {
                engineInput = known
            } else {
                // The user's latest interaction, as at fit time: of the whole history.
                let latest = input.needsLatest ? request.history.reduce(Int64.min) { max($0, $1.timestamp) } : 0
                engineInput = known.indices.map { index in
                    (known[index].item, input.value(rating: known[index].value, timestamp: knownTimes[index], latest: latest))
                }
                // Nothing above the rating offset (or all weighted away): no taste to go on.
                guard engineInput.contains(where: { $0.value != 0 }) else {
                    return .coldStart(history: request.history, inHistory: slots.map { $0 >= 0 })
                }
            }
            if let historyWeighting {
                engineInput = historyWeighting.apply(to: engineInput, times: knownTimes, history: request.history)
            }
            let read = engineInput
            return .taste(
                known: known, engineInput: engineInput, scores: { weights.scores(for: read) },
                explain: { entries, targets in weights.contributions(of: entries, to: targets) })
        case .als(let model):
            let (vector, system) = try model.foldIn(known)
            return .taste(
                known: known, engineInput: known, scores: { model.scores(for: vector) },
                explain: { entries, targets in try model.contributions(of: entries, to: targets, system: system) })
        }
    }

    /// For each pick, the liked history movies that added most to its score — or, when no liked
    /// movie added anything, the rated ones that did. Contributions of the other ratings are
    /// computed only for the picks that need them, which keeps long histories cheap.
    private func explainPicks(
        _ picks: [Int], known: [(item: Int, value: Float)], engineInput: [(item: Int, value: Float)],
        explain: ([(item: Int, value: Float)], [Int]) throws -> Matrix
    ) throws -> [String] {
        var reasons = [String?](repeating: nil, count: picks.count)
        let titled = known.indices.filter { catalogueEntries[known[$0].item] >= 0 }
        for liked in [true, false] {
            let entries = titled.filter { (known[$0].value >= Interaction.likedThreshold) == liked }.map { engineInput[$0] }
            let open = picks.indices.filter { reasons[$0] == nil }
            guard !entries.isEmpty, !open.isEmpty else { continue }
            let contributions = try explain(entries, open.map { picks[$0] })
            for (column, pick) in open.enumerated() {
                let titles = strongest(contributions, column: column, entries: entries).map { catalogue.items[catalogueEntries[entries[$0].item]].title }
                if !titles.isEmpty { reasons[pick] = "Because you \(liked ? "liked" : "rated") \(titles.joined(separator: " and "))" }
            }
        }
        return reasons.map { $0 ?? "Picked from your ratings" }
    }

    /// The (at most two) rows with the largest positive contribution in `column`, largest
    /// first, equal ones by movie id.
    private func strongest(_ contributions: Matrix, column: Int, entries: [(item: Int, value: Float)]) -> [Int] {
        var best: [(row: Int, value: Float)] = []
        func ranksAbove(_ a: (row: Int, value: Float), _ b: (row: Int, value: Float)) -> Bool {
            a.value > b.value || (a.value == b.value && movies[entries[a.row].item] < movies[entries[b.row].item])
        }
        for row in entries.indices {
            let candidate = (row: row, value: contributions[row, column])
            guard candidate.value > 0 else { continue }
            if best.count < 2 {
                best.append(candidate)
            } else if ranksAbove(candidate, best[1]) {
                best[1] = candidate
            } else {
                continue
            }
            if best.count == 2, ranksAbove(best[1], best[0]) { best.swapAt(0, 1) }
        }
        return best.map(\.row)
    }

    /// The request's best `limit` among the movies scored, with their positions. History
    /// movies, movies the request excludes (what was shown lately, what the client shows)
    /// and those the catalogue lacks are never admitted anyway; scoring them −∞ keeps them
    /// out of the leaders, which keeps the selection to one pass for a long history or a
    /// long exclusion list.
    private func select(_ scores: inout [Float], request: RecommendationRequest, known: [(item: Int, value: Float)]) -> [(position: Int, score: Double)] {
        for entry in known { scores[entry.item] = -.infinity }
        if request.excluded.count > known.count {
            for movie in request.excluded { if let position = positions[movie] { scores[position] = -.infinity } }
        }
        for position in outsideCatalogue { scores[position] = -.infinity }
        return scores.withUnsafeBufferPointer { scores in
            request.bestAdmitted(scores: scores) { admits(request, $0) }.map { ($0.position, Double($0.score)) }
        }
    }

    /// Whether the request admits the movie at `position` (one the catalogue has).
    private func admits(_ request: RecommendationRequest, _ position: Int) -> Bool {
        request.admits(entry: catalogueEntries[position], in: catalogue)
    }

    /// For a history the model knows nothing of: the most interacted-with movies, those sharing
    /// a genre with the movies the user liked (catalogue genres, known to the model or not)
    /// ranked above the rest.
    private func coldStart(history: [Interaction], request: RecommendationRequest, inHistory: [Bool]) -> [Recommendation] {
        var likes = [Int](repeating: 0, count: genresBySlot.count)
        for interaction in history where interaction.isLiked {
            for genre in catalogue.item(interaction.movie)?.genres ?? [] {
                if let slot = slotsByGenreID[genre.id] { likes[slot] += 1 }
            }
        }
        // The user's genres, most liked first, then by name.
        let preference = likes.indices.filter { likes[$0] > 0 }.sorted {
            (likes[$0], genresBySlot[$1].name) > (likes[$1], genresBySlot[$0].name)
        }
        var rank = [Int](repeating: Int.max, count: genresBySlot.count)
        for (order, slot) in preference.enumerated() { rank[slot] = order }

        // A movie in the user's genres scores 1 + its share of the most interactions, any
        // other its share alone (at most 1): the genre matches first, each group by popularity,
        // read off the order kept at fit time until the request has its `limit`.
        let mostInteractions = Float(max(1, byPopularity.first.map { interactionCounts[$0] } ?? 1))
        func inUserGenres(_ position: Int) -> Bool {
            genreSlots[genreStart[position]..<genreStart[position + 1]].contains { rank[$0] != Int.max }
        }
        var picks: [(position: Int, score: Float)] = []
        for matching in preference.isEmpty ? [false] : [true, false] {
            for position in byPopularity {
                guard picks.count < request.limit else { break }
                guard !inHistory[position], catalogueEntries[position] >= 0, inUserGenres(position) == matching, admits(request, position) else {
                    continue
                }
                picks.append((position, (matching ? 1 : 0) + Float(interactionCounts[position]) / mostInteractions))
            }
        }
        return picks.map { pick in
            let shared = genreSlots[genreStart[pick.position]..<genreStart[pick.position + 1]]
                .filter { rank[$0] != Int.max }
                .sorted { rank[$0] < rank[$1] }
                .prefix(2)
                .map { genresBySlot[$0].name }
            let reason = shared.isEmpty
                ? "Popular with everyone" + Self.coldStartSuffix
                : "Popular in \(shared.joined(separator: " and "))" + Self.coldStartSuffix
            return Recommendation(movie: movies[pick.position], score: Double(pick.score), reason: reason)
        }
    }
}
