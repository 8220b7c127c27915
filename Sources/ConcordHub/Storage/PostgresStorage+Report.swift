import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordWire
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStorage {
    /// Every plan's id, title, scheme id and hub time of creation, by id.
    public func planList() async throws -> [StoredPlan] {
        try await all(
            (String, String, String, Int64).self, "SELECT id, title, scheme, created_at FROM plans ORDER BY id"
        )
        .compactMap { id, title, scheme, created in
            guard let id = try? PlanID(id) else { return nil }
            return StoredPlan(
                id: id, title: title, scheme: scheme, createdAt: Timestamp(millisecondsSinceEpoch: created))
        }
    }

    /// The changes the hub took for `plans`, received by `through`, plan by plan in sequence
    /// order, read in one statement and decoded on every core.
    public func trail(of plans: [PlanID], through: Timestamp) async throws -> [TrailEntry] {
        guard !plans.isEmpty else { return [] }
        let rows = try await client.query(
            """
            SELECT seq, agency_id, received_at, body FROM changes
            WHERE plan_id = ANY(\(plans.map(\.rawValue))) AND outcome <> 'rejected'
                AND received_at <= \(through.millisecondsSinceEpoch)
            ORDER BY plan_id, seq
            """, logger: logger
        ).collect().map { row in
            let (seq, agency, at, body) = try row.decode((Int64, String, Int64, String).self)
            return (seq: seq, agency: agency, at: at, body: Array(body.utf8))
        }
        return try await offThePool { try StoredTrail.decode(rows) }
    }

    /// Every committee meeting, by date.
    public func meetings() async throws -> [Meeting] {
        try await all((String, Int64, String).self, "SELECT id, date, title FROM meetings ORDER BY date, id").map {
            Meeting(id: $0, date: Timestamp(millisecondsSinceEpoch: $1), title: $2)
        }
    }

    /// Adds a meeting; `false` when one with its id exists.
    public func add(_ meeting: Meeting, at time: Timestamp) async throws -> Bool {
        try await changed(
            """
            INSERT INTO meetings (id, date, title, created_at)
            VALUES (\(meeting.id), \(meeting.date.millisecondsSinceEpoch), \(meeting.title), \(time.millisecondsSinceEpoch))
            ON CONFLICT DO NOTHING
            """) == 1
    }

    /// Removes a meeting; `false` when there was none.
    public func removeMeeting(_ id: String) async throws -> Bool {
        try await changed("DELETE FROM meetings WHERE id = \(id)") == 1
    }

    /// Runs a statement outside the write path (no sequence number); returns the rows it changed.
    func changed(_ query: PostgresQuery) async throws -> Int {
        let logger = logger
        return try await client.withConnection { connection in
            let answer: EventLoopFuture<PostgresQueryResult> = connection.query(query, logger: logger)
            return try await answer.get().metadata.rows ?? 0
        }
    }
}
