import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation

extension Hub {
    /// A page of the pull feed as stored JSON: records and conflicts are spliced into the
    /// answer as they were written, never decoded and re-encoded.
    public struct PullPage: Sendable {
        /// The records' JSON as stored, in change order.
        public var records: [String]
        /// The caller's conflict news as stored JSON, in change order.
        public var conflicts: [String]
        /// The sequence number to ask from next time.
        public var cursor: Int64
        /// More records are waiting: the caller should pull again at once.
        public var more: Bool
        /// The caller's cursor was ahead of the hub: this page starts again from the beginning.
        public var reset = false
        /// Plans the caller stopped being a partner in, in this page's range.
        public var removedPlans: [String] = []
        /// The hub's timeline: the caller sends it back with its cursor.
        public var timeline: Int64 = 0

        /// Nothing for the caller in this page: no records, conflicts or removed plans.
        public var isEmpty: Bool { records.isEmpty && conflicts.isEmpty && removedPlans.isEmpty }

        /// The `PullResponse` JSON, its records and conflicts spliced as stored.
        public var json: [UInt8] {
            PullBody<RawJSON, RawJSON>(
                actions: records.map(RawJSON.init), cursor: cursor, more: more, conflicts: conflicts.map(RawJSON.init),
                reset: reset ? true : nil,
                removedPlans: removedPlans.isEmpty ? nil : removedPlans.compactMap { try? PlanID($0) },
                timeline: timeline == 0 ? nil : timeline
            ).json
        }

        /// The page decoded as a ``PullResponse``, as an agent reads it.
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
        let visibility = Visibility(principal)
        var restart = timeline.map { $0 != self.timeline } ?? false
        var stored = try await storage.page(
            after: restart ? 0 : requested, limit: limit, maxBytes: Self.maxPageBytes, visibility: visibility)
        if !restart, requested > stored.latest {
            restart = true
            stored = try await storage.page(after: 0, limit: limit, maxBytes: Self.maxPageBytes, visibility: visibility)
        }
        return PullPage(
            records: stored.records, conflicts: stored.conflicts, cursor: stored.cursor, more: stored.more,
            reset: restart, removedPlans: stored.removedPlans, timeline: self.timeline)
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
        let visibility = Visibility(principal)
        // Nothing is newer than `since` (the usual re-poll right after an answer): wait
        // first instead of asking the database for what the feed already knows is nothing.
        if wait > .zero, await feed.isCaughtUp(since) {
            await feed.wait(beyond: since, timeout: ContinuousClock.now.duration(to: deadline), for: visibility)
        }
        var page = try await fresh(since: since, limit: limit, for: principal)
        // An interruption (a token revoked) ends the wait, so the caller is looked at again.
        while page.isEmpty, !Task.isCancelled, await feed.interruptions == interruptions {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            // Nothing the caller reads changed up to the empty page's cursor: look from
            // there next (the feed keeps what is recent; `since` may be long gone from it).
            // Not after a reset, which the answer must still say.
            await feed.wait(beyond: page.cursor, timeout: left, for: visibility)
            let (closed, now) = await (feed.isClosed, feed.interruptions)
            if closed || now != interruptions { break }
            page = try await fresh(since: page.reset ? since : page.cursor, limit: limit, for: principal)
        }
        return page
    }

    /// A pull answered from the feed's last batches when they cover it, else from the database.
    func fresh(since: Int64, limit: Int, for principal: Principal) async throws -> PullPage {
        if var page = await feed.page(since: since, limit: limit, for: Visibility(principal)) {
            page.timeline = timeline
            return page
        }
        return try await pull(since: since, limit: limit, for: principal)
    }

    /// The current records of a plan the principal may read.
    public func plan(_ id: PlanID, for principal: Principal) async throws -> Plan {
        try await requireReadable(id, by: principal)
        guard let plan = try await storage.plan(id) else { throw HubError(.notFound, "plan \(id) not found") }
        return plan
    }

    /// The plans the principal may read, with counts by rating.
    public func plans(for principal: Principal) async throws -> [PlanSummary] {
        let visibility = Visibility(principal)
        let names = try await storage.protectedNames(of: nil)
        var summaries: [PlanSummary] = []
        for (id, partners) in try await storage.plansAndPartners() where visibility.readsPlan(partners: partners) {
            guard let plan = try await storage.plan(id) else { continue }
            var summary = PlanSummary(plan: plan)
            // Digests go to those who edit: a viewer edits nothing and is not sent them.
            summary.screening = planScreening(id, principal.role == .viewer ? [] : names[id] ?? [])
            summaries.append(summary)
        }
        return summaries
    }

    /// Every change ever received for an action, oldest first.
    public func history(of address: ActionAddress, for principal: Principal) async throws -> History {
        try await requireReadable(address.plan, by: principal)
        let entries = try await storage.history(of: address)
        guard !entries.isEmpty else {
            throw HubError(.notFound, "action \(address.ref) not found in plan \(address.plan)")
        }
        return History(action: address, entries: entries)
    }
}
