import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation

extension Hub {
    /// Applies a batch of changes from one agency, each atomically, in one durable
    /// transaction, and returns one result per change in the order sent, with the
    /// `PushResponse` JSON spliced from the stored results and the transaction's time. A
    /// change id seen before is answered from its stored result.
    public func push(
        _ changes: [Change], by principal: Principal
    ) async throws -> (
        results: [ChangeResult], json: [UInt8], database: Duration
    ) {
        guard principal.role != .viewer else {
            throw HubError(.forbidden, "\(principal.agency) has a viewer token, which is read-only")
        }
        let now = clock()
        let started = ContinuousClock.now
        let (results, stored, seq, published) = try await write { tx in
            try tx.prepare(changeIDs: changes.map(\.id), actions: changes.map(\.action))
            var batch = try PushBatch(tx, hub: self, principal: principal, now: now)
            var results: [ChangeResult] = []
            var stored: [RawJSON] = []
            results.reserveCapacity(changes.count)
            stored.reserveCapacity(changes.count)
            for change in changes {
                let (result, json) = try batch.applyEncoded(change)
                results.append(result)
                stored.append(RawJSON(json))
            }
            let published = try batch.finish()
            return (results, stored, batch.seq, published)
        }
        // The answer, spliced from the results as stored.
        let json = PushBody(results: stored).json
        let database = ContinuousClock.now - started
        await committed(seq, batch: published)
        var counts: [Outcome: Int] = [:]
        for r in results {
            counts[r.outcome, default: 0] += 1
            logger.debug(
                "change",
                metadata: [
                    "change": "\(r.id)", "action": "\(r.action)", "outcome": "\(r.outcome.rawValue)", "seq": "\(r.seq)",
                ])
        }
        let outcomes = Outcome.allCases.compactMap { o in counts[o].map { "\(o.rawValue)=\($0)" } }
        logger.info(
            "push",
            metadata: [
                "agency": "\(principal.agency)", "changes": "\(results.count)",
                "outcomes": "\(outcomes.joined(separator: ","))",
            ])
        return (results, json, database)
    }
}

/// The merge of one batch of changes inside one write transaction, with the caches of the
/// batch: each record is decoded and written once however many of its changes the batch holds.
struct PushBatch {
    let tx: any StorageTransaction
    let hub: Hub
    let principal: Principal
    let now: Timestamp
    let knownAgencies: Set<AgencyID>
    private let startSeq: Int64
    private var planSchemes: [PlanID: RAGScheme?] = [:]
    /// Each plan's screening: the partnership's policy and the plan's protected names.
    private var planScreening: [PlanID: ScreeningRules] = [:]
    /// Records read or changed in this batch.
    private var records: [ActionAddress: Action?] = [:]
    /// Changed records and the sequence number of the last change that changed them.
    private var dirty: [ActionAddress: Int64] = [:]
    /// Conflicts recorded, as pulls send them.
    private var conflicts: [FeedBatch.Conflict] = []
    /// Records were re-sequenced for a new partner: the feed cannot describe this batch.
    private var resequenced = false

    init(_ tx: any StorageTransaction, hub: Hub, principal: Principal, now: Timestamp) throws {
        self.tx = tx
        self.hub = hub
        self.principal = principal
        self.now = now
        knownAgencies = try tx.agencyIDs()
        startSeq = tx.sequence
    }

    /// The last sequence number the batch used.
    var seq: Int64 { tx.sequence }

    /// Writes the changed records, tells the record cache, and returns what the batch
    /// committed for the change feed (`nil` when it cannot say).
    @discardableResult
    func finish() throws -> FeedBatch? {
        if hub.cachesRecords { hub.records.put(dirty.keys.compactMap { records[$0] ?? nil }) }
        var published: [FeedBatch.Record] = []
        published.reserveCapacity(dirty.count)
        for (address, seq) in dirty {
            guard let record = records[address] ?? nil else { continue }
            let json = String(decoding: record.json, as: UTF8.self)
            published.append(FeedBatch.Record(seq: seq, address: address, json: json))
            try tx.save(record, json: json, seq: seq)
        }
        guard !resequenced, published.count <= FeedBatch.maxRecords else { return nil }
        var readers: [PlanID: Set<AgencyID>] = [:]
        for plan in Set(published.map(\.address.plan) + conflicts.map(\.plan)) {
            readers[plan] = try tx.partners(of: plan)
        }
        return FeedBatch(
            after: startSeq, through: seq, records: published.sorted { $0.seq < $1.seq }, conflicts: conflicts,
            readers: readers)
    }

    mutating func scheme(for plan: PlanID) throws -> RAGScheme? {
        if let cached = planSchemes[plan] { return cached }
        let scheme = try tx.scheme(of: plan).map { hub.scheme($0) ?? hub.defaultScheme }
        planSchemes[plan] = scheme
        return scheme
    }

    mutating func screening(for plan: PlanID) throws -> ScreeningRules {
        if let cached = planScreening[plan] { return cached }
        let rules = hub.screeningRules(for: plan, digests: try tx.protectedNames(of: plan))
        planScreening[plan] = rules
        return rules
    }

    /// Applies one change (or answers from its stored result).
    mutating func apply(_ change: Change) throws -> ChangeResult {
        try applyEncoded(change).result
    }

    /// Like `apply`, also returning the result's JSON as stored.
    // Long: one change's whole effect (stored answer, merge, record, partners, conflicts, audit row), written together so a change is all or nothing.
    mutating func applyEncoded(_ change: Change) throws -> (result: ChangeResult, json: String) {
        if let stored = try tx.storedResult(of: change.id) {
            if stored.agency == principal.agency {
                return (try ChangeResult.decode(json: stored.json.utf8), stored.json)
            }
            // Another agency's id: refuse without storing, so the owner's result stays intact.
            let refusal = ChangeResult(
                id: change.id, action: change.action, outcome: .rejected, revision: nil, seq: 0,
                violations: [
                    Violation(
                        action: change.action, field: nil, rule: .alreadyExists,
                        message: "change id \(change.id) was already used by another agency; send a new id")
                ])
            return (refusal, String(decoding: refusal.json, as: UTF8.self))
        }
        var outcome: MergeResult
        let current = try record(change.action)
        // What the agency says it saw is kept (the trail, a conflict's base) without what
        // the policy blocks.
        let change = try screening(for: change.action.plan).redactingFrom(change, against: current)
        if let scheme = try scheme(for: change.action.plan) {
            let context = MergeContext(
                actor: principal.agency, role: principal.role, scheme: scheme, now: now, knownAgencies: knownAgencies,
                screening: try screening(for: change.action.plan))
            outcome = merge(change, into: current, context: context)
        } else {
            outcome = MergeResult.rejection([
                Violation(
                    action: change.action, field: nil, rule: .notFound,
                    message: "plan \(change.action.plan) not found; the business unit creates plans")
            ])
        }
        let changeSeq = tx.nextSequence()
        var result = ChangeResult(
            id: change.id, action: change.action, outcome: outcome.outcome, revision: outcome.record?.revision,
            seq: changeSeq, violations: outcome.violations, flags: outcome.flags)
        // The change's effects were computed in memory by the merge; they are written here
        // together. A write error aborts the whole batch's transaction and nothing of it is
        // answered, so each change is all or nothing without a savepoint of its own.
        var resultJSON = ""
        do {
            if outcome.changed, let record = outcome.record {
                records[change.action] = record
                dirty[change.action] = changeSeq
                if current == nil || outcome.applied.contains(.ownerAgency)
                    || outcome.applied.contains(.supportingAgencies)
                {
                    try addPartners(of: record)
                    if let current { try removePartners(leaving: current, for: record, at: changeSeq) }
                }
            }
            for conflict in outcome.conflicts {
                let record = ConflictRecord(
                    id: try tx.nextConflictID(), changeId: change.id, agency: principal.agency, action: change.action,
                    conflict: conflict, createdAt: now)
                let json = String(decoding: record.json, as: UTF8.self)
                try tx.insert(record, json: json, seq: changeSeq)
                conflicts.append(
                    FeedBatch.Conflict(
                        id: record.id, seq: changeSeq, agency: principal.agency, plan: change.action.plan, json: json))
                result.conflicts.append(ConflictNotice(id: record.id, conflict: conflict))
            }
            resultJSON = String(decoding: result.json, as: UTF8.self)
            try tx.append(
                StoredChange(
                    seq: changeSeq, id: change.id, agency: principal.agency, action: change.action, receivedAt: now,
                    outcome: result.outcome,
                    body: Self.auditBody(
                        of: change, outcome: result.outcome, screening: try screening(for: change.action.plan)),
                    result: resultJSON))
        }
        return (result, resultJSON)
    }

    /// The most of a rejected change's body the audit trail keeps. A change that is taken is
    /// bounded by the field limits; a rejected one could be as large as a request.
    static let maxRejectedBodyBytes = 64 << 10

    /// The change's JSON as the audit trail keeps it: whole, unless it was rejected and is
    /// larger than ``maxRejectedBodyBytes``, or holds an identifying detail the policy blocks
    /// (whatever it was rejected for), when only its id, action and why are kept: the hub
    /// must not keep what it refused to take.
    static func auditBody(of change: Change, outcome: Outcome, screening: ScreeningRules) -> String {
        let json = change.json
        guard outcome == .rejected else { return String(decoding: json, as: UTF8.self) }
        let reason: String
        if json.count > maxRejectedBodyBytes {
            reason = "(a rejected change of \(json.count) bytes: only its id is kept)"
        } else if !screening.screen(change).blocked.isEmpty || Self.blocksAnywhere(json, screening) {
            reason = "(a rejected change holding identifying details: only its id is kept)"
        } else {
            return String(decoding: json, as: UTF8.self)
        }
        let stub = Change(
            id: change.id, action: change.action, baseRevision: change.baseRevision, reason: reason,
            madeAt: change.madeAt)
        return String(decoding: stub.json, as: UTF8.self)
    }

    /// Whether the policy blocks anything anywhere in a change's JSON (a value of a field
    /// that holds no text, an unknown field's name), its escapes read as spaces so that a
    /// detail at the start of a line is seen.
    static func blocksAnywhere(_ json: [UInt8], _ screening: ScreeningRules) -> Bool {
        var text = json
        for i in text.indices.dropLast() where text[i] == UInt8(ascii: "\\") {
            text[i] = UInt8(ascii: " ")
            if "ntr\"\\/bf".utf8.contains(text[i + 1]) { text[i + 1] = UInt8(ascii: " ") }
        }
        return screening.screener.findings(in: String(decoding: text, as: UTF8.self), field: "").contains {
            screening.policy.action(for: $0.kind) == .block
        }
    }

    mutating func record(_ address: ActionAddress) throws -> Action? {
        if let cached = records[address] { return cached }
        let loaded = try (hub.cachesRecords ? hub.records.get(address) : nil) ?? tx.record(address)
        records[address] = loaded
        return loaded
    }

    /// Agencies that were partners through `before` and, after `record`, lead or support no
    /// action of the plan: they stop reading it at once, and their next pull tells them to
    /// drop it (`removedPlans`).
    mutating func removePartners(leaving before: Action, for record: Action, at changeSeq: Int64) throws {
        var gone = Set([before.ownerAgency] + before.supportingAgencies).filter { !record.isPartner($0) }
        guard !gone.isEmpty else { return }
        var seen: Set<ActionAddress> = [record.address]
        func stillPartners(_ other: Action) { gone = gone.filter { !other.isPartner($0) } }
        for stored in try tx.records(of: record.plan) {
            guard seen.insert(stored.address).inserted else { continue }
            // This batch's version, when it has one.
            if let current = records[stored.address] ?? stored { stillPartners(current) }
            if gone.isEmpty { return }
        }
        // Actions created in this batch are not stored yet.
        for case let (address, other?) in records where address.plan == record.plan && !seen.contains(address) {
            stillPartners(other)
        }
        for agency in gone { try tx.removePartner(agency, of: record.plan, seq: changeSeq) }
        // The feed cannot describe a removal: pulls covering it read the database.
        if !gone.isEmpty { resequenced = true }
    }

    /// Makes the action's agencies partners of its plan. A new partner has never been sent
    /// the plan's other actions, so they are stamped with fresh sequence numbers and its
    /// next pull brings the whole plan.
    mutating func addPartners(of record: Action) throws {
        var added = false
        for agency in [record.ownerAgency] + record.supportingAgencies {
            if try tx.addPartner(agency, of: record.plan) { added = true }
        }
        guard added else { return }
        resequenced = true
        for other in try tx.records(of: record.plan) where other.address != record.address {
            if dirty[other.address] != nil {
                dirty[other.address] = tx.nextSequence()
            } else {
                try tx.resequence(other.address, seq: tx.nextSequence())
            }
        }
    }
}
