import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One write transaction of ``PostgresStorage``, run on the store's writer thread: each
/// statement waits for its answer there.
///
/// It begins by locking the sequence counter's row, held to the commit, so writers of every
/// process take turns and sequence order is commit order. The push path's writes (records
/// and the audit trail) are kept in memory and sent at the end as one statement each; a
/// batch's stored answers are read in one statement (``prepare(changeIDs:)``). So a push of
/// 1,000 changes is a handful of round trips, not thousands. Any other read first sends
/// what is kept, so every read sees the transaction's own writes.
final class PostgresTransaction: StorageTransaction {
    private let connection: PostgresConnection
    private let logger: Logger
    private(set) var sequence: Int64
    private let startSequence: Int64
    private var conflictID: Int64?

    /// Records saved and not yet sent, by address, with their JSON and sequence number.
    private var savedRecords: [ActionAddress: (record: Action, json: String, seq: Int64)] = [:]
    /// Audit rows appended and not yet sent, and their answers by change id.
    private var appended: [StoredChange] = []
    private var appendedResults: [UUID: (agency: AgencyID, json: String)] = [:]
    /// Stored answers read ahead for a batch; ids absent from it have none.
    private var preparedResults: [UUID: (agency: AgencyID, json: String)]?
    private var preparedIDs: Set<UUID> = []
    /// Records read ahead for a batch; addresses absent from it have none.
    private var preparedRecords: [ActionAddress: Action] = [:]
    private var preparedActions: Set<ActionAddress> = []
    /// Tokens were revoked: the other processes are told at the commit.
    private var revoked = false
    /// This process's decoded records, checked against their sequence numbers.
    private let recordCache: SequencedRecords
    /// Records read or written here, for that cache once the transaction has committed.
    private(set) var fresh: [(address: ActionAddress, seq: Int64, record: Action)] = []
    /// Each plan's partners as this transaction has them (read once, then kept up to date:
    /// the sequence lock keeps every other writer out).
    private var partners: [PlanID: Set<AgencyID>] = [:]

    /// This process's name in its notifications, so that it does not hear itself.
    private let origin: String

    private init(
        connection: PostgresConnection, origin: String, records: SequencedRecords, logger: Logger
    ) throws {
        self.connection = connection
        self.origin = origin
        recordCache = records
        self.logger = logger
        try connection.query("BEGIN", logger: logger).wait()
        let seq = try connection.query("SELECT value FROM meta WHERE key = 'seq' FOR UPDATE", logger: logger).wait()
        // Never start from 0 again: a missing counter is a broken database, not a new one.
        guard let current = try seq.rows.first?.decode(Int64.self) else {
            throw ConfigError(
                "the database has no sequence counter (meta 'seq'): it is not a Concord hub's, or is being copied into")
        }
        sequence = current
        startSequence = current
    }

    /// Runs `body` in a transaction on `connection`: committed (with a NOTIFY of the sequence
    /// reached) when it returns, rolled back when it throws.
    static func run<T>(
        on connection: PostgresConnection, origin: String, records: SequencedRecords, logger: Logger,
        _ body: (any StorageTransaction) throws -> T
    ) throws -> T {
        do {
            let transaction = try PostgresTransaction(
                connection: connection, origin: origin, records: records, logger: logger)
            let value = try body(transaction)
            try transaction.commit()
            // Only now: a rolled-back transaction's numbers are handed out again.
            records.put(transaction.fresh)
            return value
        } catch {
            // A connection left inside a failed transaction would fail every later query of
            // whoever the pool lends it to: closed instead, the pool makes a new one.
            if (try? connection.query("ROLLBACK", logger: logger).wait()) == nil {
                let closing: EventLoopFuture<Void> = connection.close()
                _ = closing
            }
            throw error
        }
    }

    private func commit() throws {
        try flush()
        if sequence != startSequence {
            try execute("UPDATE meta SET value = \(sequence) WHERE key = 'seq'")
            try execute("SELECT pg_notify(\(PostgresStorage.channel), \("\(sequence) \(origin)"))")
        }
        if revoked { try execute("SELECT pg_notify(\(PostgresStorage.channel), \("tokens \(origin)"))") }
        try execute("COMMIT")
    }

    @discardableResult
    private func execute(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try connection.query(query, logger: logger).wait()
    }

    /// Sends the records and audit rows kept so far.
    private func flush() throws {
        if !savedRecords.isEmpty {
            let rows = savedRecords.values.sorted { $0.seq < $1.seq }
            try execute(
                """
                INSERT INTO actions (plan_id, ref, revision, seq, record)
                SELECT * FROM unnest(\(rows.map(\.record.plan.rawValue)), \(rows.map(\.record.ref.rawValue)),
                    \(rows.map(\.record.revision)), \(rows.map(\.seq)), \(rows.map(\.json)))
                ON CONFLICT (plan_id, ref) DO UPDATE SET revision = excluded.revision, seq = excluded.seq,
                    record = excluded.record
                """)
            // Sent: now they are what the database holds.
            for row in rows {
                preparedRecords[row.record.address] = row.record
                preparedActions.insert(row.record.address)
                fresh.append((row.record.address, row.seq, row.record))
            }
            savedRecords = [:]
        }
        if !appended.isEmpty {
            let rows = appended
            try execute(
                """
                INSERT INTO changes (seq, id, agency_id, plan_id, ref, received_at, outcome, body, result)
                SELECT * FROM unnest(\(rows.map(\.seq)), \(rows.map(\.id.canonicalString)),
                    \(rows.map(\.agency.rawValue)), \(rows.map(\.action.plan.rawValue)), \(rows.map(\.action.ref.rawValue)),
                    \(rows.map(\.receivedAt.millisecondsSinceEpoch)), \(rows.map(\.outcome.rawValue)), \(rows.map(\.body)),
                    \(rows.map(\.result)))
                """)
            appended = []
        }
    }

    func nextSequence() -> Int64 {
        sequence += 1
        return sequence
    }

    func nextConflictID() throws -> Int64 {
        let id =
            try conflictID
            ?? (execute("SELECT COALESCE(MAX(id), 0) FROM conflicts").rows.first?.decode(Int64.self) ?? 0) + 1
        conflictID = id + 1
        return id
    }

    func prepare(changeIDs: [UUID], actions: [ActionAddress]) throws {
        let unique = Array(Set(actions))
        var records: [ActionAddress: Action] = [:]
        // The decoded records this process kept, each with the sequence number it was stored
        // at: the database sends a record only where its number differs (another process
        // changed it), so a batch decodes only what is new to this process.
        let kept = recordCache.get(unique)
        let knownSeqs = unique.map { kept[$0]?.seq ?? -1 }
        for row in try execute(
            """
            SELECT a.plan_id, a.ref, a.seq, CASE WHEN a.seq = k.seq THEN NULL ELSE a.record END
            FROM unnest(\(unique.map(\.plan.rawValue)), \(unique.map(\.ref.rawValue)), \(knownSeqs))
                AS k(plan_id, ref, seq)
            CROSS JOIN LATERAL (SELECT * FROM actions WHERE plan_id = k.plan_id AND ref = k.ref) a
            """
        ).rows {
            let (plan, ref, seq, json) = try row.decode((String, String, Int64, String?).self)
            let address = ActionAddress(plan: try PlanID(plan), ref: try ActionRef(ref))
            if let json {
                let record = try Action.decode(json: json.utf8)
                records[address] = record
                fresh.append((address, seq, record))
            } else if let known = kept[address] {
                records[address] = known.record
            }
        }
        preparedRecords = records
        preparedActions = Set(unique)
        let ids = changeIDs.map(\.canonicalString)
        var found: [UUID: (agency: AgencyID, json: String)] = [:]
        for row in try execute("SELECT id, agency_id, result FROM changes WHERE id = ANY(\(ids))").rows {
            let (id, agency, json) = try row.decode((String, String, String).self)
            if let id = UUID(uuidString: id) { found[id] = (try AgencyID(agency), json) }
        }
        preparedResults = found
        preparedIDs = Set(changeIDs)
    }

    func storedResult(of change: UUID) throws -> (agency: AgencyID, json: String)? {
        if let kept = appendedResults[change] { return kept }
        if let prepared = preparedResults, preparedIDs.contains(change) { return prepared[change] }
        guard
            let row = try execute("SELECT agency_id, result FROM changes WHERE id = \(change.canonicalString)").rows
                .first
        else { return nil }
        let (agency, json) = try row.decode((String, String).self)
        return (try AgencyID(agency), json)
    }

    func record(_ address: ActionAddress) throws -> Action? {
        if let kept = savedRecords[address] { return kept.record }
        if preparedActions.contains(address) { return preparedRecords[address] }
        return try execute(
            "SELECT record FROM actions WHERE plan_id = \(address.plan.rawValue) AND ref = \(address.ref.rawValue)"
        ).rows.first.map { try Action.decode(json: try $0.decode(String.self).utf8) }
    }

    func records(of plan: PlanID) throws -> [Action] {
        try flush()
        return try execute("SELECT record FROM actions WHERE plan_id = \(plan.rawValue) ORDER BY seq").rows.map {
            try Action.decode(json: try $0.decode(String.self).utf8)
        }
    }

    func save(_ record: Action, json: String, seq: Int64) throws {
        savedRecords[record.address] = (record, json, seq)
    }

    func resequence(_ address: ActionAddress, seq: Int64) throws {
        try flush()
        try execute(
            "UPDATE actions SET seq = \(seq) WHERE plan_id = \(address.plan.rawValue) AND ref = \(address.ref.rawValue)"
        )
    }

    func append(_ change: StoredChange) throws {
        appended.append(change)
        appendedResults[change.id] = (change.agency, change.result)
    }

    func insert(_ conflict: ConflictRecord, json: String, seq: Int64) throws {
        try execute(
            """
            INSERT INTO conflicts (id, agency_id, plan_id, ref, status, seq, record)
            VALUES (\(conflict.id), \(conflict.agency.rawValue), \(conflict.action.plan.rawValue),
                \(conflict.action.ref.rawValue), \(conflict.status.rawValue), \(seq), \(json))
            """)
    }

    func update(_ conflict: ConflictRecord, json: String, seq: Int64) throws {
        try execute(
            "UPDATE conflicts SET status = \(conflict.status.rawValue), seq = \(seq), record = \(json) WHERE id = \(conflict.id)"
        )
    }

    func conflict(_ id: Int64) throws -> ConflictRecord? {
        try execute("SELECT record FROM conflicts WHERE id = \(id)").rows.first.map {
            try ConflictRecord.decode(json: try $0.decode(String.self).utf8)
        }
    }

    func conflicts(of address: ActionAddress) throws -> [ConflictRecord] {
        try execute(
            "SELECT record FROM conflicts WHERE plan_id = \(address.plan.rawValue) AND ref = \(address.ref.rawValue) ORDER BY id"
        ).rows.map { try ConflictRecord.decode(json: try $0.decode(String.self).utf8) }
    }

    func changes(of address: ActionAddress) throws -> [(seq: Int64, body: String, result: String)] {
        try flush()
        return try execute(
            "SELECT seq, body, result FROM changes WHERE plan_id = \(address.plan.rawValue) AND ref = \(address.ref.rawValue) ORDER BY seq"
        ).rows.map { try $0.decode((Int64, String, String).self) }
    }

    func rewriteChange(seq: Int64, body: String, result: String) throws {
        try execute("UPDATE changes SET body = \(body), result = \(result) WHERE seq = \(seq)")
    }

    func agencyIDs() throws -> Set<AgencyID> {
        Set(try execute("SELECT id FROM agencies").rows.compactMap { try? AgencyID(try $0.decode(String.self)) })
    }

    func partners(of plan: PlanID) throws -> Set<AgencyID> {
        if let known = partners[plan] { return known }
        let found = Set(
            try execute("SELECT agency_id FROM plan_partners WHERE plan_id = \(plan.rawValue)").rows.compactMap {
                try? AgencyID(try $0.decode(String.self))
            })
        partners[plan] = found
        return found
    }

    func addPartner(_ agency: AgencyID, of plan: PlanID) throws -> Bool {
        // Most creates are by agencies that are partners already: no trip for them.
        guard try !partners(of: plan).contains(agency) else { return false }
        try execute("INSERT INTO plan_partners (plan_id, agency_id) VALUES (\(plan.rawValue), \(agency.rawValue))")
        try execute("DELETE FROM plan_removals WHERE plan_id = \(plan.rawValue) AND agency_id = \(agency.rawValue)")
        partners[plan, default: []].insert(agency)
        return true
    }

    func removePartner(_ agency: AgencyID, of plan: PlanID, seq: Int64) throws {
        try execute("DELETE FROM plan_partners WHERE plan_id = \(plan.rawValue) AND agency_id = \(agency.rawValue)")
        try execute(
            """
            INSERT INTO plan_removals (plan_id, agency_id, seq) VALUES (\(plan.rawValue), \(agency.rawValue), \(seq))
            ON CONFLICT (plan_id, agency_id) DO UPDATE SET seq = excluded.seq
            """)
        partners[plan]?.remove(agency)
    }

    func scheme(of plan: PlanID) throws -> String? {
        try execute("SELECT scheme FROM plans WHERE id = \(plan.rawValue)").rows.first?.decode(String.self)
    }

    func protectedNames(of plan: PlanID) throws -> [ProtectedDigest] {
        try execute("SELECT digest, first_word FROM protected_names WHERE plan_id = \(plan.rawValue)").rows.map {
            let (name, first) = try $0.decode((String, String).self)
            return ProtectedDigest(name: name, firstWord: first)
        }
    }

    func insertPlan(_ id: PlanID, title: String, scheme: String, at time: Timestamp) throws {
        try execute(
            """
            INSERT INTO plans (id, title, scheme, created_at)
            VALUES (\(id.rawValue), \(title), \(scheme), \(time.millisecondsSinceEpoch))
            """)
    }

    func insertAgency(_ request: AgencyRequest, at time: Timestamp) throws -> Bool {
        let inserted =
            try execute(
                """
                INSERT INTO agencies (id, name, role, created_at)
                VALUES (\(request.id.rawValue), \(request.name), \(request.role.rawValue), \(time.millisecondsSinceEpoch))
                ON CONFLICT DO NOTHING
                """
            ).metadata.rows ?? 0
        return inserted > 0
    }

    func agencyExists(_ id: AgencyID) throws -> Bool {
        try !execute("SELECT 1 FROM agencies WHERE id = \(id.rawValue)").rows.isEmpty
    }

    func insertToken(hash: Data, agency: AgencyID, at time: Timestamp) throws {
        try execute(
            """
            INSERT INTO tokens (agency_id, hash, created_at)
            VALUES (\(agency.rawValue), \(hash), \(time.millisecondsSinceEpoch))
            """)
    }

    func revokeTokens(of agency: AgencyID, at time: Timestamp) throws -> Int {
        revoked = true
        return try execute(
            """
            UPDATE tokens SET revoked_at = \(time.millisecondsSinceEpoch)
            WHERE agency_id = \(agency.rawValue) AND revoked_at IS NULL
            """
        ).metadata.rows ?? 0
    }
}
