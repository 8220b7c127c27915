import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordWire
import GRDB

extension SQLiteStorage {
    /// Every plan's id, title and scheme id, by id.
    public func planList() async throws -> [(id: PlanID, title: String, scheme: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, title, scheme FROM plans ORDER BY id").compactMap { row in
                guard let id = try? PlanID(row["id"] as String) else { return nil }
                return (id, row["title"], row["scheme"])
            }
        }
    }

    /// The changes the hub took for `plans`, received by `through`, in sequence order; read
    /// in one snapshot.
    public func trail(of plans: [PlanID], through: Timestamp) async throws -> [TrailEntry] {
        guard !plans.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: plans.count).joined(separator: ", ")
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, agency_id, received_at, body FROM changes
                    WHERE plan_id IN (\(marks)) AND outcome != 'rejected' AND received_at <= ?
                    ORDER BY seq
                    """,
                arguments: StatementArguments(plans.map(\.rawValue) + [through.millisecondsSinceEpoch]))
            var entries: [TrailEntry] = []
            while let row = try cursor.next() {
                let body: String = row["body"]
                entries.append(
                    TrailEntry(
                        seq: row["seq"], agency: try AgencyID(row["agency_id"] as String),
                        at: Timestamp(millisecondsSinceEpoch: row["received_at"]),
                        change: try Change.decode(json: body.utf8)))
            }
            return entries
        }
    }

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
