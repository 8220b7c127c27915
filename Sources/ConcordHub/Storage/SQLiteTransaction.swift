import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import GRDB

/// One write transaction of ``SQLiteStorage``: statements on the push path are cached, and
/// the sequence counter is written back once, when the body is done.
final class SQLiteTransaction: StorageTransaction {
    let db: Database
    private(set) var sequence: Int64
    private let startSequence: Int64
    private var conflictID: Int64?

    init(db: Database) throws {
        self.db = db
        sequence = try SQLiteStorage.sequence(db)
        startSequence = sequence
    }

    func finish() throws {
        if sequence != startSequence {
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'seq'", arguments: [sequence])
        }
    }

    func nextSequence() -> Int64 {
        sequence += 1
        return sequence
    }

    func nextConflictID() throws -> Int64 {
        let id = try conflictID ?? (Int64.fetchOne(db, sql: "SELECT MAX(id) FROM conflicts") ?? 0) + 1
        conflictID = id + 1
        return id
    }

    func storedResult(of change: UUID) throws -> (agency: AgencyID, json: String)? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT agency_id, result FROM changes WHERE id = ?"),
                arguments: [change.canonicalString])
        else { return nil }
        return (try AgencyID(row["agency_id"] as String), row["result"])
    }

    func record(_ address: ActionAddress) throws -> Action? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT record FROM actions WHERE plan_id = ? AND ref = ?"),
            arguments: [address.plan.rawValue, address.ref.rawValue]
        ).map { try Action.decode(json: $0.utf8) }
    }

    func records(of plan: PlanID) throws -> [Action] {
        try String.fetchAll(
            db, sql: "SELECT record FROM actions WHERE plan_id = ? ORDER BY seq", arguments: [plan.rawValue]
        ).map { try Action.decode(json: $0.utf8) }
    }

    func save(_ record: Action, json: String, seq: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO actions (plan_id, ref, revision, seq, record) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (plan_id, ref) DO UPDATE SET revision = excluded.revision, seq = excluded.seq,
                    record = excluded.record
                """
        ).execute(arguments: [record.plan.rawValue, record.ref.rawValue, record.revision, seq, json])
    }

    func resequence(_ address: ActionAddress, seq: Int64) throws {
        try db.execute(
            sql: "UPDATE actions SET seq = ? WHERE plan_id = ? AND ref = ?",
            arguments: [seq, address.plan.rawValue, address.ref.rawValue])
    }

    func append(_ change: StoredChange) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO changes (seq, id, agency_id, plan_id, ref, received_at, outcome, body, result)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            change.seq, change.id.canonicalString, change.agency.rawValue, change.action.plan.rawValue,
            change.action.ref.rawValue, change.receivedAt.millisecondsSinceEpoch, change.outcome.rawValue,
            change.body, change.result,
        ])
    }

    func insert(_ conflict: ConflictRecord, json: String, seq: Int64) throws {
        try db.execute(
            sql:
                "INSERT INTO conflicts (id, agency_id, plan_id, ref, status, seq, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                conflict.id, conflict.agency.rawValue, conflict.action.plan.rawValue, conflict.action.ref.rawValue,
                conflict.status.rawValue, seq, json,
            ])
    }

    func update(_ conflict: ConflictRecord, json: String, seq: Int64) throws {
        try db.execute(
            sql: "UPDATE conflicts SET status = ?, seq = ?, record = ? WHERE id = ?",
            arguments: [conflict.status.rawValue, seq, json, conflict.id])
    }

    func conflict(_ id: Int64) throws -> ConflictRecord? { try SQLiteStorage.conflict(db, id) }

    func conflicts(of address: ActionAddress) throws -> [ConflictRecord] {
        try String.fetchAll(
            db, sql: "SELECT record FROM conflicts WHERE plan_id = ? AND ref = ? ORDER BY id",
            arguments: [address.plan.rawValue, address.ref.rawValue]
        ).map { try ConflictRecord.decode(json: $0.utf8) }
    }

    func changes(of address: ActionAddress) throws -> [(seq: Int64, body: String, result: String)] {
        try Row.fetchAll(
            db, sql: "SELECT seq, body, result FROM changes WHERE plan_id = ? AND ref = ? ORDER BY seq",
            arguments: [address.plan.rawValue, address.ref.rawValue]
        ).map { ($0["seq"], $0["body"], $0["result"]) }
    }

    func rewriteChange(seq: Int64, body: String, result: String) throws {
        try db.execute(sql: "UPDATE changes SET body = ?, result = ? WHERE seq = ?", arguments: [body, result, seq])
    }

    func agencyIDs() throws -> Set<AgencyID> {
        Set(try String.fetchAll(db, sql: "SELECT id FROM agencies").compactMap { try? AgencyID($0) })
    }

    func partners(of plan: PlanID) throws -> Set<AgencyID> { try SQLiteStorage.partners(db, plan) }

    func addPartner(_ agency: AgencyID, of plan: PlanID) throws -> Bool {
        try db.execute(
            sql: "INSERT OR IGNORE INTO plan_partners (plan_id, agency_id) VALUES (?, ?)",
            arguments: [plan.rawValue, agency.rawValue])
        guard db.changesCount > 0 else { return false }
        try db.execute(
            sql: "DELETE FROM plan_removals WHERE plan_id = ? AND agency_id = ?",
            arguments: [plan.rawValue, agency.rawValue])
        return true
    }

    func removePartner(_ agency: AgencyID, of plan: PlanID, seq: Int64) throws {
        try db.execute(
            sql: "DELETE FROM plan_partners WHERE plan_id = ? AND agency_id = ?",
            arguments: [plan.rawValue, agency.rawValue])
        try db.execute(
            sql: "INSERT OR REPLACE INTO plan_removals (plan_id, agency_id, seq) VALUES (?, ?, ?)",
            arguments: [plan.rawValue, agency.rawValue, seq])
    }

    func scheme(of plan: PlanID) throws -> String? {
        try String.fetchOne(db, sql: "SELECT scheme FROM plans WHERE id = ?", arguments: [plan.rawValue])
    }

    func protectedNames(of plan: PlanID) throws -> [ProtectedDigest] {
        try Row.fetchAll(
            db, sql: "SELECT digest, first_word FROM protected_names WHERE plan_id = ?", arguments: [plan.rawValue]
        ).map { ProtectedDigest(name: $0["digest"], firstWord: $0["first_word"]) }
    }

    func insertPlan(_ id: PlanID, title: String, scheme: String, at time: Timestamp) throws {
        try db.execute(
            sql: "INSERT INTO plans (id, title, scheme, created_at) VALUES (?, ?, ?, ?)",
            arguments: [id.rawValue, title, scheme, time.millisecondsSinceEpoch])
    }

    func insertAgency(_ request: AgencyRequest, at time: Timestamp) throws -> Bool {
        guard try !agencyExists(request.id) else { return false }
        try db.execute(
            sql: "INSERT INTO agencies (id, name, role, created_at) VALUES (?, ?, ?, ?)",
            arguments: [request.id.rawValue, request.name, request.role.rawValue, time.millisecondsSinceEpoch])
        return true
    }

    func agencyExists(_ id: AgencyID) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM agencies WHERE id = ?", arguments: [id.rawValue]) != nil
    }

    func insertToken(hash: Data, agency: AgencyID, at time: Timestamp) throws {
        try db.execute(
            sql: "INSERT INTO tokens (agency_id, hash, created_at) VALUES (?, ?, ?)",
            arguments: [agency.rawValue, hash, time.millisecondsSinceEpoch])
    }

    func revokeTokens(of agency: AgencyID, at time: Timestamp) throws -> Int {
        try db.execute(
            sql: "UPDATE tokens SET revoked_at = ? WHERE agency_id = ? AND revoked_at IS NULL",
            arguments: [time.millisecondsSinceEpoch, agency.rawValue])
        return db.changesCount
    }
}
