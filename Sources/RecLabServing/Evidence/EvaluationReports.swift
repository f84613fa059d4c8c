import Foundation
import RecLabEvaluation
import RecLabStore
import Synchronization

/// The stored offline evaluation reports, decoded once each.
///
/// A stored report never changes, and the experiment report and the offline-score gauges
/// read them all (the gauges on every refresh): asking the store for the ids only and
/// decoding just the new reports keeps that to one small query.
public final class EvaluationReports: Sendable {
    let store: any EvaluationRepository
    private let decoded = Mutex<[String: EvaluationReport]>([:])

    init(store: any EvaluationRepository) {
        self.store = store
    }

    /// Every stored report that decodes, newest first.
    public func newestFirst() async throws -> [EvaluationReport] {
        let ids = try await store.evaluationIDs()
        let known = decoded.withLock { Set($0.keys) }
        for id in ids where !known.contains(id) {
            guard let stored = try await store.evaluation(id: id),
                  let report = try? JSONCoding.decoder.decode(EvaluationReport.self, from: stored.json) else { continue }
            decoded.withLock { $0[id] = report }
        }
        return decoded.withLock { reports in ids.compactMap { reports[$0] } }
    }
}
