#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RecLabCore

/// What EASE^R's X holds for one interaction, computed the same way when the model is fitted
/// (each user's row of X) and when it answers (the request's history), so a user's query is
/// exactly their row of the fitted X:
///
///     x_ui = v(r_ui) · w(t_ui)
///     v(r) = r − offset if r > offset, else 0     (rating-valued input; offset 0 keeps r)
///          = 1          if r > offset, else 0     (binary input; offset 0 keeps every interaction)
///     w(t) = 2^(−(t_last − t) / halfLife)          (1 when recency weighting is off)
///
/// with t_last the user's latest interaction (of the whole history, whether the model knows
/// the movie or not). An interaction whose value is 0 still marks the movie as the user's
/// (it is counted, and never recommended back); it just says nothing of their taste.
struct EASEInput: Sendable, Equatable {
    var binary: Bool
    /// Ratings at or below it count 0 (0: every rating counts as given).
    var ratingOffset: Float
    /// In seconds; nil turns recency weighting off.
    var recencyHalfLife: Double?

    init(binary: Bool, ratingOffset: Double, recencyHalfLifeDays: Double) {
        self.binary = binary
        self.ratingOffset = Float(ratingOffset)
        self.recencyHalfLife = recencyHalfLifeDays > 0 ? recencyHalfLifeDays * 86_400 : nil
    }

    /// The untransformed input: X = rating (or 1), no offset, no recency weighting.
    static func plain(binary: Bool) -> EASEInput {
        EASEInput(binary: binary, ratingOffset: 0, recencyHalfLifeDays: 0)
    }

    /// Whether the value depends on the user's latest interaction.
    var needsLatest: Bool { recencyHalfLife != nil }

    /// x for an interaction of `rating` at `timestamp` by a user whose latest interaction is at `latest`.
    @inline(__always)
    func value(rating: Float, timestamp: Int64, latest: Int64) -> Float {
        let kept = ratingOffset == 0 || rating > ratingOffset
        guard kept else { return 0 }
        let base = binary ? 1 : rating - ratingOffset
        guard let halfLife = recencyHalfLife else { return base }
        // Ages are never negative: `latest` is the user's latest timestamp.
        let age = Double(max(0, latest - timestamp))
        return base * Float(exp2(-age / halfLife))
    }
}
