import Foundation
import Hummingbird
import RecLabCore
import RecLabServing
import RecLabStore

/// `/users/{user_id}/preferences`: a user's ratings, favourites, watchlist and watched movies;
/// and the deletion of one preference or of everything a user gave or was shown.
struct UserRoutes {
    let preferences: any PreferenceRepository
    let users: UserMemory
    let exposures: ExposureLog

    /// The body of a posted preference (the seed's fields).
    struct PreferenceBody: Decodable {
        let movieID: Int
        let rating: Double?
        let favorite: Bool?
        let watchlist: Bool?
        let watched: Bool?
    }

    struct PreferenceList: ResponseEncodable {
        let userID: String
        let preferences: [UserPreference]
        let totalCount: Int
    }

    /// What `DELETE /users/{user_id}` removed.
    struct Deleted: ResponseEncodable {
        let userID: String
        let deleted: DeletedUserData
    }

    func register(on router: Router<RecLabRequestContext>) {
        router.post("users/:user_id/preferences") { request, context in
            let user = try context.parameters.userID()
            let body = try await request.decodeJSON(PreferenceBody.self, context: context)
            let input = try Self.validate(body, user: user)
            let stored: UserPreference
            do {
                stored = try await preferences.upsert(input)
            } catch StoreError.unknownMovie(let tmdbID) {
                throw APIError(.unprocessableContent, code: "movie_not_found", message: "movie_id \(tmdbID) is not in the catalogue")
            }
            users.forget(user: user)
            return EditedResponse(status: .created, response: stored)
        }
        router.get("users/:user_id/preferences") { _, context in
            let user = try context.parameters.userID()
            let list = try await preferences.preferences(of: user)
            return PreferenceList(userID: user, preferences: list, totalCount: list.count)
        }
        router.delete("users/:user_id/preferences/:movie_id") { _, context in
            let user = try context.parameters.userID()
            let movie = try context.parameters.positiveInteger("movie_id")
            guard try await preferences.deletePreference(user: user, tmdbID: movie) else {
                throw APIError.notFound("user \(user) has no preference for movie_id \(movie)", code: "preference_not_found")
            }
            users.forget(user: user)
            return Response(status: .noContent)
        }
        router.delete("users/:user_id") { _, context in
            let user = try context.parameters.userID()
            // Unwritten exposures first, or the log would write them back after the deletion.
            await exposures.forget(user: user)
            let deleted = try await preferences.deleteData(of: user)
            users.forget(user: user)
            return Deleted(userID: user, deleted: deleted)
        }
    }

    static func validate(_ body: PreferenceBody, user: String) throws -> PreferenceInput {
        guard body.movieID > 0 else {
            throw APIError(.unprocessableContent, code: "invalid_preference", message: "movie_id must be a positive TMDB id, got \(body.movieID)")
        }
        if let rating = body.rating, !isHalfStarRating(rating) {
            throw APIError(.unprocessableContent, code: "invalid_preference", message: "rating must be 0.5 to 5.0 in half steps, got \(rating)")
        }
        let input = PreferenceInput(
            userID: user, tmdbID: body.movieID, rating: body.rating, favorite: body.favorite ?? false,
            watchlist: body.watchlist ?? false, watched: body.watched ?? false)
        guard UserPreference.interactionRating(rating: input.rating, favorite: input.favorite, watchlist: input.watchlist, watched: input.watched) != nil else {
            throw APIError(.unprocessableContent, code: "invalid_preference", message: "give a rating or set favorite, watchlist or watched")
        }
        return input
    }
}

extension UserPreference: ResponseEncodable {}
