import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import GRDB
import Logging

/// The hub's store on one SQLite file (GRDB, WAL, every commit durable), the embedded
/// default: agencies and tokens, plans and their partners, current records, the audit trail
/// of changes, and conflicts.
public final class SQLiteStorage: HubStorage {
    let pool: DatabasePool
    /// The database's timeline, stored in it; a fresh random one when it was found restored.
    public let timeline: Int64
    /// The sequence number reached, kept beside the database (restore detection).
    let mark: SequenceMark

    /// Opens (creating if needed) the database at `path`. A database found behind the mark
    /// beside it (`PATH.seq`) was restored from a backup: it gets a new timeline, so agents
    /// that pulled from the lost one start again instead of skipping what it numbers anew.
    public init(path: String, logger: Logger) throws {
        pool = try SQLiteSchema.open(path: path)
        mark = try SequenceMark(path: path + ".seq")
        let (seq, stored) = try pool.read { db in (try Self.sequence(db), try Self.storedTimeline(db)) }
        if let reached = mark.read(), reached.timeline != stored || reached.seq > seq {
            let fresh = Int64.random(in: 1...9_007_199_254_740_991)
            try pool.write { db in
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'timeline'", arguments: [fresh])
            }
            logger.notice(
                "the database is behind what this hub had reached (restored from a backup?): agents will pull it afresh",
                metadata: ["sequence": "\(seq)", "reached": "\(reached.seq)", "timeline": "\(fresh)"])
            timeline = fresh
        } else {
            timeline = stored
        }
        mark.write(timeline: timeline, seq: seq)
    }

    static func storedTimeline(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'timeline'") ?? 0
    }

    static func sequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'seq'")) ?? 0
    }

    /// Closes the database pool; call it after the last request.
    public func close() throws { try pool.close() }

    /// The last change sequence number committed; 0 for a new database.
    public func latestSequence() async throws -> Int64 {
        try await pool.read { try Self.sequence($0) }
    }

    /// Runs `body` in one SQLite write transaction, then records the sequence reached beside the database.
    public func write<T: Sendable>(
        _ body: @Sendable @escaping (any StorageTransaction) throws -> T
    ) async throws -> T {
        let (value, seq) = try await pool.write { db in
            let transaction = try SQLiteTransaction(db: db)
            let value = try body(transaction)
            try transaction.finish()
            return (value, transaction.sequence)
        }
        mark.write(timeline: timeline, seq: seq)
        return value
    }

    /// The SQL of ``Visibility/readsPlan(partners:)`` for a query over rows with a
    /// `plan_id`: nothing for admins and viewers, the partner test for an agency.
    static func planFilter(_ visibility: Visibility) -> (sql: String, arguments: StatementArguments) {
        visibility.allPlans
            ? ("", [])
            : (" AND plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = ?)", [visibility.agency.rawValue])
    }

    /// A pull page read in one snapshot; always at least one record when any is waiting, however large.
    public func page(after since: Int64, limit: Int, maxBytes: Int, visibility: Visibility) async throws -> StoredPage {
        try await pool.read { db in
            let latest = try Self.sequence(db)
            let plans = Self.planFilter(visibility)
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT seq, record, length(CAST(record AS BLOB)) AS bytes FROM actions
                        WHERE seq > ?\(plans.sql) ORDER BY seq LIMIT ?
                        """), arguments: [since] + plans.arguments + [limit + 1])
            // At most `limit` records and about `maxBytes` of them (at least one record), so
            // an agent's answer stays well within what it takes.
            var count = 0
            var bytes = 0
            for row in rows.prefix(limit) {
                let size: Int = row["bytes"]
                if count > 0 && bytes + size > maxBytes { break }
                count += 1
                bytes += size
            }
            let more = rows.count > count
            let page = rows.prefix(count)
            let cursor: Int64 = more ? page.last!["seq"] : max(since, latest)
            let conflicts = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT record FROM conflicts WHERE agency_id = ? AND seq > ? AND seq <= ?\(plans.sql)
                        ORDER BY seq, id
                        """), arguments: [visibility.agency.rawValue, since, cursor] + plans.arguments)
            let removed =
                visibility.allPlans
                ? []
                : try String.fetchAll(
                    db.cachedStatement(
                        sql:
                            "SELECT plan_id FROM plan_removals WHERE agency_id = ? AND seq > ? AND seq <= ? ORDER BY plan_id"
                    ), arguments: [visibility.agency.rawValue, since, cursor])
            return StoredPage(
                records: page.map { $0["record"] }, conflicts: conflicts, cursor: cursor, more: more,
                removedPlans: removed, latest: latest)
        }
    }

    /// Conflicts `visibility` lists, newest (highest id) first; `status` `nil` means both.
    public func conflicts(visibility: Visibility, status: ConflictRecord.Status?) async throws -> [ConflictRecord] {
        try await pool.read { db in
            var sql = "SELECT record FROM conflicts WHERE 1 = 1"
            var arguments: StatementArguments = []
            if !visibility.allPlans {
                let plans = Self.planFilter(visibility)
                sql += " AND agency_id = ?" + plans.sql
                arguments += [visibility.agency.rawValue] + plans.arguments
            }
            if let status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            sql += " ORDER BY id DESC"
            return try String.fetchAll(db, sql: sql, arguments: arguments).map {
                try ConflictRecord.decode(json: $0.utf8)
            }
        }
    }

    /// A conflict by id, whoever may see it; `nil` when there is none.
    public func conflict(_ id: Int64) async throws -> ConflictRecord? {
        try await pool.read { db in try Self.conflict(db, id) }
    }

    static func conflict(_ db: Database, _ id: Int64) throws -> ConflictRecord? {
        try String.fetchOne(db, sql: "SELECT record FROM conflicts WHERE id = ?", arguments: [id]).map {
            try ConflictRecord.decode(json: $0.utf8)
        }
    }

    /// How many conflicts are open, waiting for an admin.
    public func openConflictCount() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conflicts WHERE status = 'open'") ?? 0
        }
    }

    /// The plan with its current records sorted by ref; `nil` when there is no such plan.
    public func plan(_ id: PlanID) async throws -> Plan? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT title, scheme FROM plans WHERE id = ?", arguments: [id.rawValue])
            else { return nil }
            let actions = try String.fetchAll(
                db, sql: "SELECT record FROM actions WHERE plan_id = ?", arguments: [id.rawValue]
            )
            .map { try Action.decode(json: $0.utf8) }
            return Plan(id: id, title: row["title"], scheme: row["scheme"], actions: actions)
        }
    }

    /// Every plan, by id, with its partners.
    public func plansAndPartners() async throws -> [(plan: PlanID, partners: Set<AgencyID>)] {
        try await pool.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM plans ORDER BY id").compactMap { try? PlanID($0) }
            return try ids.map { ($0, try Self.partners(db, $0)) }
        }
    }

    /// The agencies that lead or support an action of the plan; `nil` for an unknown plan.
    public func partners(of plan: PlanID) async throws -> Set<AgencyID>? {
        try await pool.read { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM plans WHERE id = ?", arguments: [plan.rawValue]) != nil
            else { return nil }
            return try Self.partners(db, plan)
        }
    }

    static func partners(_ db: Database, _ plan: PlanID) throws -> Set<AgencyID> {
        Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT agency_id FROM plan_partners WHERE plan_id = ?"),
                arguments: [plan.rawValue]
            ).compactMap { try? AgencyID($0) })
    }

    /// Every change received for the action, in sequence order, with the hub's answer to each.
    public func history(of address: ActionAddress) async throws -> [HistoryEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, agency_id, received_at, outcome, body, result FROM changes
                    WHERE plan_id = ? AND ref = ? ORDER BY seq
                    """, arguments: [address.plan.rawValue, address.ref.rawValue]
            ).map { row in
                HistoryEntry(
                    seq: row["seq"], agency: try AgencyID(row["agency_id"] as String),
                    at: Timestamp(millisecondsSinceEpoch: row["received_at"]),
                    outcome: Outcome(rawValue: row["outcome"]) ?? .rejected,
                    change: try Change.decode(json: (row["body"] as String).utf8),
                    result: try ChangeResult.decode(json: (row["result"] as String).utf8))
            }
        }
    }

    /// The caller a token's SHA-256 belongs to; `nil` for an unknown or revoked token.
    public func principal(tokenHash: Data) async throws -> Principal? {
        try await pool.read { db -> Principal? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT a.id, a.role FROM tokens t JOIN agencies a ON a.id = t.agency_id
                        WHERE t.hash = ? AND t.revoked_at IS NULL
                        """, arguments: [tokenHash])
            else { return nil }
            guard let id = try? AgencyID(row["id"] as String), let role = Role(rawValue: row["role"]) else {
                return nil
            }
            return Principal(agency: id, role: role)
        }
    }

    /// Every agency, by id, with the contact times stored so far.
    public func agencies() async throws -> [AgencyInfo] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM agencies ORDER BY id").compactMap {
                try Self.agency(db, try AgencyID($0))
            }
        }
    }

    /// One agency as stored; `nil` when there is none.
    public func agency(_ id: AgencyID) async throws -> AgencyInfo? {
        try await pool.read { db in try Self.agency(db, id) }
    }

    static func agency(_ db: Database, _ id: AgencyID) throws -> AgencyInfo? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT name, role, created_at, last_seen_at, last_push_at,
                        (SELECT COUNT(*) FROM tokens WHERE agency_id = a.id AND revoked_at IS NULL) AS active
                    FROM agencies a WHERE id = ?
                    """, arguments: [id.rawValue])
        else { return nil }
        let seen: Int64? = row["last_seen_at"]
        let pushed: Int64? = row["last_push_at"]
        return AgencyInfo(
            id: id, name: row["name"], role: Role(rawValue: row["role"]) ?? .viewer, activeTokens: row["active"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            lastContact: seen.map(Timestamp.init(millisecondsSinceEpoch:)),
            lastPush: pushed.map(Timestamp.init(millisecondsSinceEpoch:)))
    }

    /// Writes contact times, never moving a stored time backwards; agencies not in the database are skipped.
    public func record(contacts: [AgencyID: AgencyContact]) async throws {
        try await pool.write { db in
            for (agency, contact) in contacts {
                try db.execute(
                    sql: """
                        UPDATE agencies SET
                            last_seen_at = CASE WHEN ?1 IS NULL THEN last_seen_at ELSE max(coalesce(last_seen_at, ?1), ?1) END,
                            last_push_at = CASE WHEN ?2 IS NULL THEN last_push_at ELSE max(coalesce(last_push_at, ?2), ?2) END
                        WHERE id = ?3
                        """,
                    arguments: [
                        contact.lastSeen?.millisecondsSinceEpoch, contact.lastPush?.millisecondsSinceEpoch,
                        agency.rawValue,
                    ])
            }
        }
    }
}

/// `hub.sqlite.seq` beside the database: the timeline and the last sequence number this hub
/// committed, rewritten (not fsynced) after every commit. A backup copies the database,
/// not this file, so a database put back from a backup is found to be behind it.
final class SequenceMark: Sendable {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw ConfigError("cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// What the file holds, or `nil` when it is new or unreadable.
    func read() -> (timeline: Int64, seq: Int64)? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let parts = String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 2, let timeline = Int64(parts[0]), let seq = Int64(parts[1]) else { return nil }
        return (timeline, seq)
    }

    func write(timeline: Int64, seq: Int64) {
        // Fixed width, so a shorter number never leaves digits of a longer one behind.
        let text = Array("\(timeline) \(seq)".utf8)
        let line = text + [UInt8](repeating: 0x20, count: max(0, 40 - text.count)) + [0x0A]
        _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
}

extension Hub {
    /// The SQLite database under this hub, when it is on SQLite (tests look inside it).
    var sqlitePool: DatabasePool? { (storage as? SQLiteStorage)?.pool }
}
