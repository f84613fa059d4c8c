import RecLabCore

/// A fitted content model: every movie's neighbour list, and the traits reasons name.
struct ContentModel: FittedModel {
    let catalogue: Catalogue
    let neighbours: NeighbourLists
    let traits: ItemTraits
    let summary: ModelSummary
    /// The catalogue's ids by position, packed: ranking a history's thousands of candidates
    /// reads their ids, and a catalogue entry is 280 bytes, a cache miss each.
    private let ids: [MovieID]
    /// `ContentStrategy.Parameters.maxSources`: read when answering, so not stored.
    let maxSources: Int

    init(catalogue: Catalogue, neighbours: NeighbourLists, traits: ItemTraits, maxSources: Int, summary: ModelSummary) {
        self.catalogue = catalogue
        self.neighbours = neighbours
        self.traits = traits
        self.maxSources = maxSources
        self.summary = summary
        ids = catalogue.items.map(\.id)
    }

    func write(to writer: inout ModelWriter) {
        neighbours.write(to: &writer)
        traits.write(to: &writer)
        summary.write(to: &writer)
    }

    func recommend(_ request: RecommendationRequest) throws -> [Recommendation] {
        if let seed = request.seedMovie {
            return try similar(to: seed, request)
        }
        guard !request.history.isEmpty else {
            throw RecommendationError.missingInput("a seed movie or a user history")
        }
        let answer = forHistory(request)
        return answer.picks.map { pick in
            Recommendation(movie: pick.movie, score: pick.score, reason: request.wantsReasons ? answer.reason(pick.movie) : "")
        }
    }

    /// A history's answer gives scores alone and names the movie behind a pick only when
    /// asked: a blend asks this model for many candidates and explains the few it keeps.
    func recommendExplainingLater(_ request: RecommendationRequest) throws -> DeferredAnswer {
        guard request.seedMovie == nil, !request.history.isEmpty else {
            var bare = request
            bare.wantsReasons = false
            return DeferredAnswer(try recommend(bare)) { movies in try reasonsAnsweringAgain(for: movies, request) }
        }
        let answer = forHistory(request)
        return DeferredAnswer(answer.picks.map { Recommendation(movie: $0.movie, score: $0.score, reason: "") }) { movies in
            Dictionary(uniqueKeysWithValues: Set(movies).map { ($0, answer.reason($0)) })
        }
    }

    /// The seed's stored neighbours that the request admits, best first; when the request
    /// turns away too many of them, their neighbours after them, then theirs, each ring ranked
    /// by its best chain of likeness back to the seed (the product along it), until the list
    /// is full or the graph of kept neighbours has no more. Each ring scores below the last
    /// movie of the ring before, so scores fall along the list.
    private func similar(to seed: MovieID, _ request: RecommendationRequest) throws -> [Recommendation] {
        guard let seedPosition = catalogue.position(of: seed) else { throw RecommendationError.unknownMovie(seed) }
        var ring = neighbours.neighbours(of: seedPosition).map { (position: Int($0.0), chain: Double($0.1), via: seedPosition) }
        var reached: Set<Int> = [seedPosition]
        var answer: [Recommendation] = []
        var floor = 1.0
        while !ring.isEmpty {
            var rest = request
            rest.limit = request.limit - answer.count
            answer += rest.firstAdmitted(ring, admitted: { request.admits(entry: $0.position, in: catalogue) }) { entry in
                let reason = entry.via == seedPosition
                    ? traits.sharedTraits(seedPosition, entry.position).map(Self.capitalisingFirst) ?? "Similar content and themes"
                    : "Like \(catalogue.items[entry.via].title), itself close to \(catalogue.items[seedPosition].title)"
                return Recommendation(movie: ids[entry.position], score: floor * entry.chain, reason: reason)
            }
            guard answer.count < request.limit else { break }
            // Most answers end in the first ring; only a longer walk needs what it reached.
            reached.formUnion(ring.map(\.position))
            floor *= ring.last!.chain
            var best: [Int: (chain: Double, via: Int)] = [:]
            for entry in ring {
                for (next, similarity) in neighbours.neighbours(of: entry.position) where !reached.contains(Int(next)) {
                    let chain = entry.chain * Double(similarity)
                    if chain > best[Int(next)]?.chain ?? -1 { best[Int(next)] = (chain, entry.position) }
                }
            }
            ring = best.map { (position: $0.key, chain: $0.value.chain, via: $0.value.via) }
                .sorted { ($0.chain, $1.position) > ($1.chain, $0.position) }
        }
        return answer
    }

    /// Movies near what the user liked: each neighbour scores its similarity times how much
    /// the user liked the movie it neighbours, summed over the user's history.
    ///
    /// Liked movies (rated 4 or more) are the sources, or every rated movie when none is
    /// liked, the latest `maxSources` of them when capped; a source weighs `rating − 2.5`, at
    /// least 0.5, so a 5 counts five times a 3.
    private func forHistory(_ request: RecommendationRequest) -> (picks: [(movie: MovieID, score: Double)], reason: (MovieID) -> String) {
        // A later interaction with a movie (a new preference) replaces an earlier one.
        var latest: [MovieID: Interaction] = [:]
        for interaction in request.history {
            if let earlier = latest[interaction.movie], earlier.timestamp > interaction.timestamp { continue }
            latest[interaction.movie] = interaction
        }
        // Ascending id, so that of two sources contributing equally the smaller id names the reason.
        let known = latest.values.sorted { $0.movie < $1.movie }.compactMap { interaction in
            catalogue.position(of: interaction.movie).map {
                (position: $0, rating: interaction.rating, liked: interaction.isLiked, time: interaction.timestamp)
            }
        }
        let liked = known.filter(\.liked)
        var sources = liked.isEmpty ? known : liked
        if maxSources > 0, sources.count > maxSources {
            // The latest, ties by smaller id, then back in id order.
            sources = sources.indices.sorted { (sources[$0].time, $1) > (sources[$1].time, $0) }
                .prefix(maxSources).sorted().map { sources[$0] }
        }
        guard request.limit > 0, !sources.isEmpty else { return ([], { _ in "" }) }

        // One record per movie, so a neighbour's sum, strongest share and its source sit in
        // one cache line: a long history adds thousands of neighbours all over the catalogue.
        var tallies = [Tally](repeating: Tally(), count: catalogue.count)
        var reached: [Int] = []
        for source in sources {
            let weight = max(source.rating - 2.5, 0.5)
            for (position, similarity) in neighbours.neighbours(of: source.position) {
                let candidate = Int(position)
                let contribution = similarity * weight
                if tallies[candidate].source < 0 { reached.append(candidate) }
                tallies[candidate].score += contribution
                if contribution > tallies[candidate].strongest {
                    tallies[candidate].strongest = contribution
                    tallies[candidate].source = Int32(source.position)
                }
            }
        }

        // What the request excludes (the user's own movies, which neighbour the liked ones
        // most) is passed over before the selection, so a long history does not crowd the
        // leaders the request's filter then looks at.
        for movie in request.excluded {
            if let position = catalogue.position(of: movie) { tallies[position].score = .nan }
        }
        let best = request.bestAdmitted(
            reached, movie: { ids[$0] }, score: { tallies[$0].score.isNaN ? nil : Double(tallies[$0].score) },
            admitted: { request.admits($0, in: catalogue) })
        return (best, { [catalogue, traits] id in
            guard let candidate = catalogue.position(of: id), tallies[candidate].source >= 0 else { return "" }
            let source = Int(tallies[candidate].source)
            let shared = traits.sharedTraits(source, candidate).map { " (\($0))" } ?? ""
            return "Similar to \(catalogue.items[source].title)\(shared)"
        })
    }

    /// A candidate's neighbour scores summed, and the source movie that added most to it.
    private struct Tally {
        var score: Float = 0
        var strongest: Float = 0
        var source: Int32 = -1
    }

    private static func capitalisingFirst(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// The kept neighbour lists are the content model's measure of likeness: what MMR
/// diversifies every strategy's lists by.
extension ContentModel: ItemSimilarity {
    func similarities(of movie: MovieID) -> [(movie: MovieID, similarity: Double)] {
        guard let position = catalogue.position(of: movie) else { return [] }
        return neighbours.neighbours(of: position).map { (catalogue.items[Int($0.0)].id, Double($0.1)) }
    }

    func similarity(of movie: MovieID, to other: MovieID) -> Double? {
        guard let position = catalogue.position(of: movie), let target = catalogue.position(of: other) else { return nil }
        return neighbours.neighbours(of: position).first { Int($0.0) == target }.map { Double($0.1) }
    }
}
