import Foundation
import RecLabServer
import RecLabServing
import RecLabSQLite
import RecLabStore
import TestSupport
import Testing

@Suite struct EvidenceRetentionTests {
    @Test func evidenceOlderThanTheRetentionPeriodIsDeletedAndNewerEvidenceKept() async throws {
        let folder = try makeTemporaryDirectory("reclab-retention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: try await TemplateDatabase.copy(into: folder))
        let now = Date()
        func exposure(_ name: String, daysAgo: Double) -> Exposure {
            Exposure(requestID: name, experiment: "retention", variant: "a", userID: "u", surface: "personalized",
                     exposedAt: now.addingTimeInterval(-daysAgo * 86_400), movies: [27205])
        }
        try await store.record([exposure("old", daysAgo: 200), exposure("recent", daysAgo: 10)])
        _ = try await store.record([
            FeedbackEvent(eventID: "retention-impression", kind: .impression, userID: "u", tmdbID: 27205, requestID: "recent", rating: nil, occurredAt: now),
            FeedbackEvent(eventID: "retention-event", kind: .click, userID: "u", tmdbID: 27205, requestID: "recent", rating: nil, occurredAt: now),
        ])

        let retention = EvidenceRetention(store: store, days: 180, logger: testLogger)
        try await retention.purge(now: now)
        let kept = try await store.activity(experiment: "retention", attributionWindow: nil).users
        #expect(kept.map(\.exposures) == [1], "the 200-day-old exposure went, the 10-day-old one stayed")
        #expect(kept.first?.clicks == 1, "the events received just now stayed")

        // Half a year on, everything recorded today is past retention.
        try await retention.purge(now: now.addingTimeInterval(181 * 86_400))
        #expect(try await store.activity(experiment: "retention", attributionWindow: nil).users.isEmpty)
        let unattributed = try await store.activity(experiment: "retention", attributionWindow: nil).unattributedEvents
        #expect(unattributed == 0)
        // Posting the event again stores it: it had been deleted.
        let again = try await store.record([FeedbackEvent(
            eventID: "retention-event", kind: .click, userID: "u", tmdbID: 27205, requestID: "recent", rating: nil, occurredAt: now)])
        #expect(again.stored == 1)
    }
}
