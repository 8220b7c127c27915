import ConcordCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    /// Everything committed after `after`, as one ``FeedBatch`` through the latest sequence
    /// number, read in one snapshot: what another process committed, so that this process
    /// answers its waiting pulls and streams from memory, as it does its own commits, instead
    /// of each of them asking the database. `nil` when a plan lost a partner in that range
    /// (the feed cannot describe a removal) or there are too many records to keep.
    public func committed(after: Int64) async throws -> FeedBatch? {
        let logger = logger
        return try await snapshot { connection in
            let latest =
                try await connection.query("SELECT value FROM meta WHERE key = 'seq'", logger: logger)
                .collect().first.map { try $0.decode(Int64.self) } ?? 0
            guard latest > after else { return nil }
            let removals =
                try await connection.query(
                    "SELECT COUNT(*) FROM plan_removals WHERE seq > \(after)", logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            guard removals == 0 else { return nil }
            let rows = try await connection.query(
                """
                SELECT seq, plan_id, ref, record FROM actions WHERE seq > \(after)
                ORDER BY seq LIMIT \(Int64(FeedBatch.maxRecords + 1))
                """, logger: logger
            ).collect()
            guard rows.count <= FeedBatch.maxRecords else { return nil }
            let records = try rows.map { row in
                let (seq, plan, ref, json) = try row.decode((Int64, String, String, String).self)
                return FeedBatch.Record(
                    seq: seq, address: ActionAddress(plan: try PlanID(plan), ref: try ActionRef(ref)), json: json)
            }
            let conflicts = try await connection.query(
                "SELECT seq, agency_id, plan_id, record FROM conflicts WHERE seq > \(after) ORDER BY seq, id",
                logger: logger
            ).collect().map { row in
                let (seq, agency, plan, json) = try row.decode((Int64, String, String, String).self)
                return FeedBatch.Conflict(seq: seq, agency: try AgencyID(agency), plan: try PlanID(plan), json: json)
            }
            let plans = Set(records.map(\.address.plan) + conflicts.map(\.plan))
            var readers: [PlanID: Set<AgencyID>] = [:]
            for (plan, agency) in try await connection.query(
                "SELECT plan_id, agency_id FROM plan_partners WHERE plan_id = ANY(\(plans.map(\.rawValue)))",
                logger: logger
            ).collect().map({ try $0.decode((String, String).self) }) {
                readers[try PlanID(plan), default: []].insert(try AgencyID(agency))
            }
            return FeedBatch(
                after: after, through: latest, records: records, conflicts: conflicts, readers: readers)
        }
    }
}
