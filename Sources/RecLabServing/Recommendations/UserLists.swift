import Foundation
import RecLabCore
import RecLabExperiments

/// Every configured instance's list for one user, side by side, with the history they answer
/// from and the experiments that enrol the user: the console's user page.
public struct UserLists: Sendable {
    /// One instance's list.
    public struct Column: Sendable {
        public let instance: String
        public let strategy: String
        /// What the instance was asked besides the history, when it needs more (a genre).
        public let asked: String?
        public let items: [RecommendationResponse.Item]
        /// Why the list is empty or missing, when it is.
        public let note: String?
        public let milliseconds: Double
    }

    /// An experiment that serves this user on one of the user surfaces, and how.
    public struct Assignment: Sendable {
        public let experiment: String
        public let surface: String
        /// The variant, or "interleaved" for an interleaving experiment's merged list.
        public let variant: String
    }

    public let user: String
    /// Oldest first, as the store keeps it.
    public let history: [Interaction]
    public let assignments: [Assignment]
    public let columns: [Column]
    public let fittedAt: Date
}

extension Recommender {
    /// Each configured instance's top `limit` for `user` from the current models, without the
    /// answer cache and without an exposure (nobody was shown these lists). A strategy that
    /// needs a genre is asked for the genre the user liked most.
    public func lists(for user: String, limit: Int = 10) async throws -> UserLists {
        guard let generation = host.generation else { throw ServingError.modelsNotReady }
        let history = try await users.histories.history(of: user)
        let withheld = self.withheld.current()
        var assignments: [UserLists.Assignment] = []
        for surface in [Surface.personalized, .hybrid] {
            guard let (experiment, arm) = try ServingRules.arm(for: user, on: surface, interactions: history.count, forced: nil, among: generation.experiments)
            else { continue }
            let variant: String
            switch arm {
            case .variant(let chosen): variant = chosen.name
            case .interleaved: variant = Experiment.interleavedArm
            }
            assignments.append(.init(experiment: experiment.id, surface: surface.rawValue, variant: variant))
        }
        let plain = Self.controlled(
            ServingRules.request(limit: limit, user: user, history: history), by: ListControls(), withheld: withheld,
            movieByTMDBID: generation.movieByTMDBID)
        let genre = Self.likedGenre(in: history, catalogue: generation.catalogue)
        // The instances that serve the user surfaces lead, then the rest as configured.
        let served = Set([Surface.personalized, .hybrid].compactMap { host.configuration.surfaces[$0] })
        let instances = host.configuration.instances.filter { served.contains($0.name) } + host.configuration.instances.filter { !served.contains($0.name) }
        let columns = instances.compactMap { instance -> UserLists.Column? in
            guard let model = generation.models[instance.name] else { return nil }
            let started = ContinuousClock.now
            var asked: String?
            var note: String?
            var recommendations: [Recommendation] = []
            do {
                do {
                    recommendations = try CandidateRules.answer(model, plain, catalogue: generation.catalogue, similarity: generation.similarity)
                } catch RecommendationError.missingInput(let input) where input.contains("genre") {
                    guard let genre else { throw RecommendationError.missingInput(input) }
                    var request = plain
                    request.genre = genre
                    asked = "\(genre.name), the genre \(user) liked most"
                    recommendations = try CandidateRules.answer(model, request, catalogue: generation.catalogue, similarity: generation.similarity)
                }
            } catch {
                note = "\(error)"
            }
            let items = recommendations.compactMap { shown($0, catalogue: generation.catalogue) }
            if note == nil, items.isEmpty { note = "no movie to recommend" }
            recent.record(user: user, instance: instance.name, movies: items.compactMap(\.movieID))
            return .init(
                instance: instance.name, strategy: instance.strategyID, asked: asked, items: items, note: note,
                milliseconds: (ContinuousClock.now - started).seconds * 1000)
        }
        return UserLists(user: user, history: history, assignments: assignments, columns: columns, fittedAt: generation.fittedAt)
    }

    /// The similar surface's list for one movie, from the current models, without the answer
    /// cache: the instance that answers it and its movies.
    public func similar(to tmdbID: Int, limit: Int = 10) throws -> (instance: String, items: [RecommendationResponse.Item]) {
        guard let generation = host.generation else { throw ServingError.modelsNotReady }
        guard let movie = generation.movieByTMDBID[tmdbID] else { throw ServingError.unknownMovie(tmdbID: tmdbID) }
        let name = host.configuration.surfaces[.similar]!
        let request = Self.controlled(
            ServingRules.request(limit: limit, seed: movie), by: ListControls(), withheld: withheld.current(), movieByTMDBID: generation.movieByTMDBID)
        do {
            let recommendations = try CandidateRules.answer(generation.models[name]!, request, catalogue: generation.catalogue, similarity: generation.similarity)
            return (name, recommendations.compactMap { shown($0, catalogue: generation.catalogue) })
        } catch let error as RecommendationError {
            throw ServingError.cannotRecommend(strategy: name, error)
        }
    }

    /// Where a poster of the catalogue is, with the configured image base.
    public func posterURL(_ path: String?) -> String? {
        images.url(path)
    }

    /// The genre most common among the movies `history` liked (rated 4 or more), or among all
    /// of them when none was liked; nil for an empty history.
    static func likedGenre(in history: [Interaction], catalogue: Catalogue) -> Genre? {
        let liked = history.filter { $0.rating >= Interaction.likedThreshold }
        var counts: [Int: (genre: Genre, count: Int)] = [:]
        for interaction in liked.isEmpty ? history : liked {
            for genre in catalogue.item(interaction.movie)?.genres ?? [] {
                counts[genre.id, default: (genre, 0)].count += 1
            }
        }
        return counts.values.max { ($0.count, $1.genre.id) < ($1.count, $0.genre.id) }?.genre
    }
}
