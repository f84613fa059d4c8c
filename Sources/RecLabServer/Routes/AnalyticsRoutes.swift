import Foundation
import Hummingbird
import RecLabCore
import RecLabServing
import RecLabStore

/// `/analytics/user-behavior/{user_id}`: a user's tastes and habits from their ratings and
/// preferences.
struct AnalyticsRoutes {
    let interactions: any InteractionRepository
    let models: ModelHost

    struct UserBehavior: ResponseEncodable {
        struct GenreTaste: Codable {
            let id: Int
            let name: String
            let count: Int
            let liked: Int
            let averageRating: Double
        }

        struct Activity: Codable {
            let month: String
            let count: Int
        }

        let userID: String
        let interactions: Int
        let averageRating: Double
        let favoriteGenres: [GenreTaste]
        let ratingDistribution: [String: Int]
        let activity: [Activity]
        let firstActivity: Date
        let lastActivity: Date
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.get("analytics/user-behavior/:user_id") { _, context in
            let user = try context.parameters.userID()
            let history = try await interactions.history(of: user)
            guard !history.isEmpty else {
                throw APIError.notFound("user '\(user)' has no ratings or preferences", code: "user_not_found")
            }
            guard let catalogue = models.generation?.catalogue else {
                throw APIError(.serviceUnavailable, code: "models_not_ready", message: "the catalogue is still loading; try again shortly")
            }
            return Self.behavior(of: user, history: history, catalogue: catalogue)
        }
    }

    static func behavior(of user: String, history: [Interaction], catalogue: Catalogue) -> UserBehavior {
        var genres: [Genre: (count: Int, liked: Int, sum: Double)] = [:]
        var distribution: [String: Int] = [:]
        var months: [String: Int] = [:]
        let month = DateFormatter()
        month.locale = Locale(identifier: "en_US_POSIX")
        month.timeZone = TimeZone(identifier: "UTC")
        month.dateFormat = "yyyy-MM"
        for interaction in history {
            for genre in catalogue.item(interaction.movie)?.genres ?? [] {
                genres[genre, default: (0, 0, 0)].count += 1
                genres[genre]!.sum += Double(interaction.rating)
                if interaction.isLiked { genres[genre]!.liked += 1 }
            }
            distribution[String(format: "%.1f", interaction.rating), default: 0] += 1
            months[month.string(from: Date(timeIntervalSince1970: TimeInterval(interaction.timestamp))), default: 0] += 1
        }
        let favourites = genres.sorted { ($0.value.liked, $0.value.count, -$0.key.id) > ($1.value.liked, $1.value.count, -$1.key.id) }
            .prefix(5).map { genre, stats in
                UserBehavior.GenreTaste(id: genre.id, name: genre.name, count: stats.count, liked: stats.liked,
                                        averageRating: (stats.sum / Double(stats.count) * 100).rounded() / 100)
            }
        let times = history.map(\.timestamp)
        let average = history.map { Double($0.rating) }.reduce(0, +) / Double(history.count)
        return UserBehavior(
            userID: user, interactions: history.count, averageRating: (average * 100).rounded() / 100, favoriteGenres: favourites,
            ratingDistribution: distribution, activity: months.sorted { $0.key < $1.key }.map { .init(month: $0.key, count: $0.value) },
            firstActivity: Date(timeIntervalSince1970: TimeInterval(times.min()!)),
            lastActivity: Date(timeIntervalSince1970: TimeInterval(times.max()!)))
    }
}
