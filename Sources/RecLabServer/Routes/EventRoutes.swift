import Foundation
import Hummingbird
import Metrics
import RecLabCore
import RecLabObservability
import RecLabServing
import RecLabStore

/// `POST /events`: batches of feedback on recommended movies, stored durably, once each: an
/// `event_id` names one event of its user, so another user's event with the same id is a
/// different event.
struct EventRoutes {
    let events: any EventRepository
    /// Events per client a minute (`EVENT_QUOTA_PER_MINUTE`), a batch costing its size; nil: none.
    let quota: RateLimiter?
    let clients: ClientIdentity
    static let maximumBatch = 1_000
    /// The earliest event time taken: MovieLens's first ratings are from 1996.
    static let earliest = Date(timeIntervalSince1970: 788_918_400)  // 1995-01-01T00:00:00Z
    /// How far ahead of the server's clock an event may be (a device's clock may be wrong).
    static let clockSkew: TimeInterval = 86_400

    /// One event as posted; `timestamp` is ISO 8601 or seconds since 1970.
    struct EventBody: Decodable {
        let eventID: String
        let type: String
        let userID: String
        let movieID: Int
        let requestID: String?
        let rating: Double?
        let timestamp: Timestamp
    }

    /// An event time in either form clients send, and as it was sent (for messages).
    struct Timestamp: Decodable {
        let date: Date
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) {
                date = Date(timeIntervalSince1970: seconds)
                text = seconds.formatted(.number.grouping(.never))
            } else if let text = try? container.decode(String.self), let parsed = ISO8601DateFormatter().date(from: text) {
                date = parsed
                self.text = "'\(text)'"
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected ISO 8601 or seconds since 1970")
            }
        }
    }

    struct Batch: Decodable {
        let events: [EventBody]
    }

    func register(on router: Router<RecLabRequestContext>) {
        for kind in FeedbackEvent.Kind.allCases {
            _ = Counter(label: Metric.eventsIngested.name, dimensions: [("type", kind.rawValue)])
        }
        router.post("events") { request, context in
            let batch = try await request.decodeJSON(Batch.self, context: context)
            let parsed = try Self.validate(batch.events)
            if let quota {
                let decision = quota.admit(clients.of(request, context: context), cost: parsed.count)
                guard decision.allowed else {
                    throw APIError(.tooManyRequests, code: "event_quota",
                                   message: "this client may post \(quota.policy.limit) events a minute; a batch of \(parsed.count) does not fit now, nothing was stored")
                        .retrying(after: decision.retryAfterSeconds)
                }
            }
            do {
                let receipt = try await events.record(parsed)
                for (kind, count) in receipt.storedByKind {
                    Counter(label: Metric.eventsIngested.name, dimensions: [("type", kind.rawValue)]).increment(by: count)
                }
                return receipt
            } catch StoreError.unknownMovies(let ids) {
                throw APIError(.unprocessableContent, code: "invalid_event", message: "unknown movie_id \(ids.map(String.init).joined(separator: ", ")); nothing was stored")
            }
        }
    }

    /// Checks the whole batch before anything is stored; the message names the event.
    static func validate(_ bodies: [EventBody]) throws -> [FeedbackEvent] {
        guard (1...maximumBatch).contains(bodies.count) else {
            throw APIError(.unprocessableContent, code: "invalid_event", message: "a batch holds 1 to \(maximumBatch) events, got \(bodies.count)")
        }
        let now = Date()
        return try bodies.enumerated().map { index, body in
            func fail(_ field: String, _ problem: String) -> APIError {
                APIError(.unprocessableContent, code: "invalid_event", message: "events[\(index)].\(field): \(problem); nothing was stored")
            }
            guard (1...128).contains(body.eventID.utf8.count) else { throw fail("event_id", "must be 1–128 bytes") }
            guard let kind = FeedbackEvent.Kind(rawValue: body.type) else {
                throw fail("type", "unknown type '\(body.type)' (known: \(FeedbackEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard isValidUserID(body.userID) else { throw fail("user_id", "must be \(userIDRule)") }
            if let requestID = body.requestID, !(1...64).contains(requestID.utf8.count) { throw fail("request_id", "must be 1–64 bytes") }
            guard body.movieID > 0 else { throw fail("movie_id", "must be a positive TMDB id, got \(body.movieID)") }
            if kind == .rating {
                guard let rating = body.rating, isHalfStarRating(rating) else { throw fail("rating", "a rating event needs a rating of 0.5 to 5.0 in half steps") }
            } else if body.rating != nil {
                throw fail("rating", "only rating events carry a rating")
            }
            guard body.timestamp.date >= Self.earliest, body.timestamp.date <= now.addingTimeInterval(Self.clockSkew) else {
                throw fail("timestamp", "must be from 1995-01-01T00:00:00Z to a day past the server's clock, got \(body.timestamp.text)")
            }
            return FeedbackEvent(
                eventID: body.eventID, kind: kind, userID: body.userID, tmdbID: body.movieID, requestID: body.requestID,
                rating: body.rating, occurredAt: body.timestamp.date)
        }
    }
}

extension EventReceipt: ResponseEncodable {}
