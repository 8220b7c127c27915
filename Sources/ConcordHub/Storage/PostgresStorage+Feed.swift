import ConcordCore
import Foundation
import PostgresNIO

extension PostgresStorage {
    /// What the other processes commit, heard on a `LISTEN` connection of its own: ``StoreNews``
    /// `.listening` each time it (re)starts listening, then a `.sequence` per commit and
    /// `.tokensChanged` per revocation (this process's own are left out: it knows them). A
    /// lost connection is opened again after a second.
    public func news() -> AsyncStream<StoreNews>? {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreNews.self, bufferingPolicy: .unbounded)
        let client = client
        let logger = logger
        let origin = origin
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            continuation.yield(.listening)
                            for try await notification in notifications {
                                let parts = notification.payload.split(separator: " ")
                                guard parts.count == 2, parts[1] != origin else { continue }
                                if let seq = Int64(parts[0]) {
                                    continuation.yield(.sequence(seq))
                                } else if parts[0] == "tokens" {
                                    continuation.yield(.tokensChanged)
                                }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled || listeners.withLock({ $0.closed }) { break }
                    logger.warning(
                        "not hearing the other hub processes' commits; listening again in 1 s",
                        metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        let closed = listeners.withLock { state in
            state.tasks.append(task)
            return state.closed
        }
        if closed { task.cancel() }
        return stream
    }

    /// Everything committed after `after`, as one ``FeedBatch`` through the latest sequence
    /// number, read in one snapshot: what another process committed, so that this process
    /// answers its waiting pulls and streams from memory, as it does its own commits, instead
    /// of each of them asking the database. `nil` when a plan lost a partner in that range
    /// (the feed cannot describe a removal) or there are too many records to keep.
    public func committed(after: Int64) async throws -> FeedBatch? {
        // One statement, so one snapshot and one round trip: this is on the path of every
        // change from one process to the agents waiting on another.
        let rows = try await client.query(
            """
            WITH touched AS (
                SELECT plan_id FROM actions WHERE seq > \(after)
                UNION SELECT plan_id FROM conflicts WHERE seq > \(after))
            (SELECT 'r', seq, 0::int8, plan_id, ref, record FROM actions WHERE seq > \(after)
                ORDER BY seq LIMIT \(Int64(FeedBatch.maxRecords + 1)))
            UNION ALL (SELECT 'c', seq, id, agency_id, plan_id, record FROM conflicts WHERE seq > \(after)
                ORDER BY seq, id LIMIT \(Int64(FeedBatch.maxRecords + 1)))
            UNION ALL SELECT 'p', 0, 0, plan_id, agency_id, '' FROM plan_partners
                WHERE plan_id IN (SELECT plan_id FROM touched)
            UNION ALL SELECT 'x', COUNT(*), 0, '', '', '' FROM plan_removals WHERE seq > \(after)
            UNION ALL SELECT 's', value, 0, '', '', '' FROM meta WHERE key = 'seq'
            """, logger: logger
        ).collect()
        var latest: Int64 = 0
        var records: [FeedBatch.Record] = []
        var conflicts: [(id: Int64, conflict: FeedBatch.Conflict)] = []
        var readers: [PlanID: Set<AgencyID>] = [:]
        for row in rows {
            let (kind, number, id, first, second, json) = try row.decode(
                (String, Int64, Int64, String, String, String).self)
            switch kind {
            case "r":
                records.append(
                    FeedBatch.Record(
                        seq: number, address: ActionAddress(plan: try PlanID(first), ref: try ActionRef(second)),
                        json: json))
                guard records.count <= FeedBatch.maxRecords else { return nil }
            case "c":
                guard conflicts.count < FeedBatch.maxRecords else { return nil }
                conflicts.append(
                    (
                        id,
                        FeedBatch.Conflict(
                            id: id, seq: number, agency: try AgencyID(first), plan: try PlanID(second), json: json)
                    ))
            case "p": readers[try PlanID(first), default: []].insert(try AgencyID(second))
            case "x": guard number == 0 else { return nil }  // a partner removed: not for the feed
            default: latest = number
            }
        }
        guard latest > after else { return nil }
        records.sort { $0.seq < $1.seq }
        conflicts.sort { ($0.conflict.seq, $0.id) < ($1.conflict.seq, $1.id) }
        return FeedBatch(
            after: after, through: latest, records: records, conflicts: conflicts.map(\.conflict), readers: readers)
    }
}
