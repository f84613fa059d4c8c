import Foundation
import GRDB
import RecLabStore

extension SQLiteStore: EvaluationRepository {
    public func save(_ evaluation: StoredEvaluation) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO evaluations (id, name, protocol_version, created_at, report_json, report_html)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [evaluation.id, evaluation.name, evaluation.protocolVersion, evaluation.createdAt, evaluation.json, evaluation.html])
        }
    }

    public func evaluations() async throws -> [StoredEvaluation] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM evaluations ORDER BY created_at DESC, id DESC").map(Self.evaluation) }
    }

    public func evaluationIDs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM evaluations ORDER BY created_at DESC, id DESC") }
    }

    public func evaluation(id: String) async throws -> StoredEvaluation? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM evaluations WHERE id = ?", arguments: [id]).map(Self.evaluation) }
    }

    static func evaluation(_ row: Row) -> StoredEvaluation {
        StoredEvaluation(
            id: row["id"], name: row["name"], protocolVersion: row["protocol_version"], createdAt: row["created_at"],
            json: row["report_json"], html: row["report_html"])
    }
}
