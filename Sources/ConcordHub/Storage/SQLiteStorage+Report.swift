import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordWire
import Foundation
import GRDB
import Synchronization

extension SQLiteStorage {
    /// Every plan's id, title, scheme id and hub time of creation, by id.
    public func planList() async throws -> [StoredPlan] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, title, scheme, created_at FROM plans ORDER BY id").compactMap { row in
                guard let id = try? PlanID(row["id"] as String) else { return nil }
                return StoredPlan(
                    id: id, title: row["title"], scheme: row["scheme"],
                    createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]))
            }
        }
    }

    /// The changes the hub took for `plans`, received by `through`, plan by plan in sequence
    /// order (the index's order: no sort); read in one snapshot, then decoded on every core (a
    /// plan's trail may hold 100,000 changes).
    public func trail(of plans: [PlanID], through: Timestamp) async throws -> [TrailEntry] {
        guard !plans.isEmpty else { return [] }
        let rows = try await pool.read { db in
            let marks = Array(repeating: "?", count: plans.count).joined(separator: ", ")
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, agency_id, received_at, body FROM changes
                    WHERE plan_id IN (\(marks)) AND outcome != 'rejected' AND received_at <= ?
                    ORDER BY plan_id, seq
                    """,
                arguments: StatementArguments(plans.map(\.rawValue) + [through.millisecondsSinceEpoch]))
            var rows: [(seq: Int64, agency: String, at: Int64, body: [UInt8])] = []
            while let row = try cursor.next() {
                let body = row.dataNoCopy(atIndex: 3).map { [UInt8]($0) } ?? []
                rows.append((row[0], row[1], row[2], body))
            }
            return rows
        }
        // Decoding takes every core: on a thread of Dispatch's, not of Swift's cooperative pool.
        return try await offThePool { try StoredTrail.decode(rows) }
    }

}

/// The audit trail's rows as either store reads them.
enum StoredTrail {
    /// The rows as trail entries, decoded in as many slices as there are cores.
    static func decode(_ rows: [(seq: Int64, agency: String, at: Int64, body: [UInt8])]) throws -> [TrailEntry] {
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows.count / 2000))
        let decoded = Mutex<[Int: Result<[TrailEntry], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (rows.count * slice / slices)..<(rows.count * (slice + 1) / slices)
            var agencies: [String: AgencyID] = [:]
            let result = Result { () throws -> [TrailEntry] in
                var entries: [TrailEntry] = []
                entries.reserveCapacity(range.count)
                for row in rows[range] {
                    let agency: AgencyID
                    if let known = agencies[row.agency] {
                        agency = known
                    } else {
                        agency = try AgencyID(row.agency)
                        agencies[row.agency] = agency
                    }
                    entries.append(
                        TrailEntry(
                            seq: row.seq, agency: agency, at: Timestamp(millisecondsSinceEpoch: row.at),
                            change: try Change.decode(json: row.body)))
                }
                return entries
            }
            decoded.withLock { $0[slice] = result }
        }
        return try decoded.withLock { results in try (0..<slices).flatMap { try results[$0]!.get() } }
    }

}

extension SQLiteStorage {
    /// Every committee meeting, by date.
    public func meetings() async throws -> [Meeting] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, date, title FROM meetings ORDER BY date, id").map { row in
                Meeting(id: row["id"], date: Timestamp(millisecondsSinceEpoch: row["date"]), title: row["title"])
            }
        }
    }

    /// Adds a meeting; `false` when one with its id exists.
    public func add(_ meeting: Meeting, at time: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO meetings (id, date, title, created_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    meeting.id, meeting.date.millisecondsSinceEpoch, meeting.title, time.millisecondsSinceEpoch,
                ])
            return db.changesCount == 1
        }
    }

    /// Removes a meeting; `false` when there was none.
    public func removeMeeting(_ id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM meetings WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }
}
