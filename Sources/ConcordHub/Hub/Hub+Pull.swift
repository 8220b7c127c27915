import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import GRDB

extension HubStore {
    /// A page of the pull feed as stored JSON: records and conflicts are spliced into the
    /// answer as they were written, never decoded and re-encoded.
    public struct PullPage: Sendable {
        public var records: [String]
        public var conflicts: [String]
        public var cursor: Int64
        public var more: Bool
        /// The caller's cursor was ahead of the hub: this page starts again from the beginning.
        public var reset = false
        /// Plans the caller stopped being a partner in, in this page's range.
        public var removedPlans: [String] = []
        /// The hub's timeline: the caller sends it back with its cursor.
        public var timeline: Int64 = 0

        public var isEmpty: Bool { records.isEmpty && conflicts.isEmpty && removedPlans.isEmpty }

        /// The `PullResponse` JSON: `{"actions":[…],"conflicts":[…],"cursor":N,"more":B}`.
        public var json: [UInt8] {
            var w = JSONWriter(capacity: records.reduce(64) { $0 + $1.utf8.count + 1 })
            w.object { o in
                o.key("actions") { $0.array(records) { w, r in w.append(encoded: r.utf8) } }
                o.key("conflicts") { $0.array(conflicts) { w, c in w.append(encoded: c.utf8) } }
                o.key("cursor", int: cursor)
                o.key("more", bool: more)
                if reset { o.key("reset", bool: true) }
                if !removedPlans.isEmpty { o.key("removedPlans") { $0.array(removedPlans) { w, p in w.string(p) } } }
                if timeline != 0 { o.key("timeline", int: timeline) }
            }
            return w.bytes
        }

        public var response: PullResponse {
            get throws { try ConcordJSON.decode(PullResponse.self, from: Data(json)) }
        }
    }

    /// About the most record bytes one pull page holds (16 MiB).
    static let maxPageBytes = 16 << 20

    /// The records the principal may read that changed after `since` (at most `limit`, in
    /// change order), the next cursor, and the principal's conflict news in the same range.
    /// A cursor of another timeline (`timeline`, when the caller sends it) or ahead of the
    /// hub means the hub was restored from a backup: the answer starts again from the
    /// beginning, marked `reset`, rather than silently skip what the hub numbers anew.
    public func pull(
        since requested: Int64, limit: Int, timeline: Int64? = nil, for principal: Principal
    ) async throws -> PullPage {
        let otherTimeline = timeline.map { $0 != self.timeline } ?? false
        var page = try await pool.read { db in
            let latest = try Self.sequence(db)
            let restart = otherTimeline || requested > latest
            let since = restart ? 0 : requested
            let rows: [Row]
            if principal.role == .agency {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT seq, record, length(CAST(record AS BLOB)) AS bytes FROM actions
                            WHERE seq > ? AND plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = ?)
                            ORDER BY seq LIMIT ?
                            """), arguments: [since, principal.agency.rawValue, limit + 1])
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql:
                            "SELECT seq, record, length(CAST(record AS BLOB)) AS bytes FROM actions WHERE seq > ? ORDER BY seq LIMIT ?"
                    ),
                    arguments: [since, limit + 1])
            }
            // A page holds at most `limit` records and about `maxPageBytes` of them (at least
            // one record), so an agent's answer stays well within what it takes.
            var count = 0, bytes = 0
            for row in rows.prefix(limit) {
                let size: Int = row["bytes"]
                if count > 0 && bytes + size > Self.maxPageBytes { break }
                count += 1
                bytes += size
            }
            let more = rows.count > count
            let page = rows.prefix(count)
            let cursor: Int64 = more ? page.last!["seq"] : max(since, latest)
            let conflicts = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT record FROM conflicts WHERE agency_id = ? AND seq > ? AND seq <= ?
                        AND plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = ?) ORDER BY seq, id
                        """), arguments: [principal.agency.rawValue, since, cursor, principal.agency.rawValue])
            let removed =
                principal.role == .agency
                ? try String.fetchAll(
                    db.cachedStatement(
                        sql:
                            "SELECT plan_id FROM plan_removals WHERE agency_id = ? AND seq > ? AND seq <= ? ORDER BY plan_id"
                    ),
                    arguments: [principal.agency.rawValue, since, cursor]) : []
            return PullPage(
                records: page.map { $0["record"] }, conflicts: conflicts, cursor: cursor, more: more,
                reset: restart, removedPlans: removed)
        }
        page.timeline = self.timeline
        return page
    }

    /// Like ``pull(since:limit:for:)``, but when there is nothing new, waits up to `wait`
    /// for a change the principal can see.
    public func pull(
        since: Int64, limit: Int, wait: Duration, timeline: Int64? = nil, for principal: Principal
    ) async throws -> PullPage {
        if let timeline, timeline != self.timeline {
            return try await pull(since: since, limit: limit, timeline: timeline, for: principal)
        }
        let deadline = ContinuousClock.now.advanced(by: wait)
        let interruptions = await feed.interruptions
        // Nothing is newer than `since` (the usual re-poll right after an answer): wait
        // first instead of asking the database for what the feed already knows is nothing.
        if wait > .zero, await feed.isCaughtUp(since) {
            await feed.wait(beyond: since, timeout: ContinuousClock.now.duration(to: deadline))
        }
        var page = try await fresh(since: since, limit: limit, for: principal)
        // An interruption (a token revoked) ends the wait, so the caller is looked at again.
        while page.isEmpty, !Task.isCancelled, await feed.interruptions == interruptions {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            await feed.wait(beyond: page.cursor, timeout: left)
            let (closed, now) = await (feed.isClosed, feed.interruptions)
            if closed || now != interruptions { break }
            page = try await fresh(since: since, limit: limit, for: principal)
        }
        return page
    }

    /// A pull answered from the feed's last batches when they cover it, else from the database.
    func fresh(since: Int64, limit: Int, for principal: Principal) async throws -> PullPage {
        if var page = await feed.page(since: since, limit: limit, for: principal) {
            page.timeline = timeline
            return page
        }
        return try await pull(since: since, limit: limit, for: principal)
    }

    /// The current records of a plan the principal may read.
    public func plan(_ id: PlanID, for principal: Principal) async throws -> Plan {
        try await pool.read { db in
            try Self.requireReadable(db, plan: id, principal: principal)
            let row = try Row.fetchOne(
                db, sql: "SELECT title, scheme FROM plans WHERE id = ?", arguments: [id.rawValue])!
            let actions = try String.fetchAll(
                db, sql: "SELECT record FROM actions WHERE plan_id = ?", arguments: [id.rawValue]
            ).map { try Self.decode(Action.self, $0) }
            return Plan(id: id, title: row["title"], scheme: row["scheme"], actions: actions)
        }
    }

    /// The plans the principal may read, with counts by rating.
    public func plans(for principal: Principal) async throws -> [PlanSummary] {
        let ids = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM plans ORDER BY id").compactMap { try? PlanID($0) }.filter {
                try Self.canRead(db, plan: $0, principal: principal)
            }
        }
        var summaries: [PlanSummary] = []
        for id in ids { summaries.append(PlanSummary(plan: try await plan(id, for: principal))) }
        return summaries
    }

    /// Every change ever received for an action, oldest first.
    public func history(of address: ActionAddress, for principal: Principal) async throws -> History {
        try await pool.read { db in
            try Self.requireReadable(db, plan: address.plan, principal: principal)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, agency_id, received_at, outcome, body, result FROM changes
                    WHERE plan_id = ? AND ref = ? ORDER BY seq
                    """, arguments: [address.plan.rawValue, address.ref.rawValue])
            guard !rows.isEmpty else {
                throw HubError(.notFound, "action \(address.ref) not found in plan \(address.plan)")
            }
            let entries = try rows.map { row in
                HistoryEntry(
                    seq: row["seq"], agency: try AgencyID(row["agency_id"] as String),
                    at: Timestamp(millisecondsSinceEpoch: row["received_at"]),
                    outcome: Outcome(rawValue: row["outcome"]) ?? .rejected,
                    change: try Self.decode(Change.self, row["body"]),
                    result: try Self.decode(ChangeResult.self, row["result"]))
            }
            return History(action: address, entries: entries)
        }
    }
}
