import ConcordCodec
import ConcordCore
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything an agent knows, as one value: the last pulled record of each action, the
/// local changes not yet answered by the hub, what the hub said about the others, the
/// pull cursor and this agency's conflicts. The store makes it durable.
public struct AgentState: Sendable, Equatable {
    /// The agency this agent works for.
    public var agency: AgencyID
    /// Pull from here next time.
    public var cursor: Int64 = 0
    /// The hub's timeline the cursor belongs to (sent with it; `nil` before the first pull
    /// from a hub that has one).
    public var timeline: Int64?
    /// The last pulled record of each action.
    public var records: [ActionAddress: Action] = [:]
    /// Local changes in the order they were made, not yet answered by the hub.
    public var pending: [Change] = []
    /// Changes the hub has taken whose record has not been pulled yet, in answer order: laid
    /// on the pulled record until a pull at or past the answer's revision arrives, so the
    /// local view never falls back to a value the agency has already changed (and its next
    /// edit's `from` is never stale: no conflict with itself).
    public var acknowledged: [AcknowledgedChange] = []
    /// The hub's answers to this agency's changes: every rejection and conflict is kept
    /// (never dropped silently); applied and merged ones only the latest `keptAnswers`.
    public var answers: [ChangeResult] = []
    /// This agency's conflicts, open and resolved, by id.
    public var conflicts: [Int64: ConflictRecord] = [:]
    /// Plans and their schemes, as last listed by the hub.
    public var plans: [PlanID: PlanSummary] = [:]
    /// When the hub last answered a push, by the agent's clock; `nil` before the first.
    public var lastPush: Timestamp?
    /// When the last pull answer arrived, by the agent's clock; `nil` before the first.
    public var lastPull: Timestamp?

    /// How many applied and merged answers are kept; rejections and conflicts are always kept.
    public static let keptAnswers = 500

    /// The empty state of a new agent: nothing pulled, nothing pending, cursor 0.
    public init(agency: AgencyID) {
        self.agency = agency
    }

    /// The local view: the pulled record with the changes the hub took but has not sent
    /// back yet, then this agency's pending changes, laid on top.
    public func view(_ address: ActionAddress) -> Action? {
        let taken = acknowledged.reduce(records[address]) { record, acked in
            acked.change.action == address ? Action.overlay(acked.taken, on: record, author: agency) : record
        }
        return pending.reduce(taken) { record, change in
            change.action == address ? Action.overlay(change, on: record, author: agency) : record
        }
    }

    /// Every action the agency can see, in its local view, sorted by address.
    public func allViews() -> [Action] {
        let addresses = Set(records.keys).union(pending.map(\.action)).union(acknowledged.map(\.change.action))
        return addresses.sorted().compactMap(view)
    }

    /// This agency's conflicts still waiting for an admin, by id.
    public var openConflicts: [ConflictRecord] {
        conflicts.values.filter { $0.status == .open }.sorted { $0.id < $1.id }
    }

    // MARK: Transitions (the journal replays exactly these)

    mutating func apply(_ entry: JournalEntry) {
        switch entry {
        case .edit(let change):
            if !pending.contains(where: { $0.id == change.id }) { pending.append(change) }
        case .answered(let results, let at):
            let ids = Set(results.map(\.id))
            for result in results {
                guard let change = pending.first(where: { $0.id == result.id }) else { continue }
                acknowledge(change, result)
            }
            pending.removeAll { ids.contains($0.id) }
            answers.removeAll { ids.contains($0.id) }
            answers.append(contentsOf: results)
            // A conflict already pulled (redacted at the hub since) tells its values as they are now.
            for conflict in results.flatMap(\.conflicts).compactMap({ conflicts[$0.id] }) { noteAnswers(of: conflict) }
            trimAnswers()
            lastPush = at
        case .pulled(let response, let at):
            if response.reset == true {
                // The hub was restored to an earlier state: take its records as they are now,
                // and send again what it had taken but may have lost with the restore (a
                // change it still has is answered with its stored result).
                records = [:]
                cursor = response.cursor
                let resend = acknowledged.map(\.change).filter { c in !pending.contains { $0.id == c.id } }
                pending.insert(contentsOf: resend, at: 0)
                acknowledged = []
            } else {
                cursor = max(cursor, response.cursor)
            }
            if let timeline = response.timeline { self.timeline = timeline }
            for action in response.actions where Self.isNewer(action, than: records[action.address]) {
                records[action.address] = action
            }
            for conflict in response.conflicts {
                conflicts[conflict.id] = conflict
                noteAnswers(of: conflict)
            }
            acknowledged.removeAll { acked in (records[acked.change.action]?.revision ?? -1) >= acked.revision }
            // Last, so nothing of a dropped plan in the same answer stays. (A plan the agency
            // is added back to never comes with its removal: the hub forgets the removal.)
            for plan in response.removedPlans ?? [] { drop(plan) }
            lastPull = at
        case .plans(let list):
            plans = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        }
    }

    /// Whether a pulled record replaces the one kept. Two pulls may overlap (a long-poll and
    /// a sync-now): never go back a revision, and at the same revision never back to a copy
    /// with fewer redaction markers (a redaction keeps the revision).
    static func isNewer(_ pulled: Action, than kept: Action?) -> Bool {
        guard let kept else { return true }
        if kept.revision != pulled.revision { return kept.revision < pulled.revision }
        return kept == pulled || Screener.redactionMarkers(in: pulled) >= Screener.redactionMarkers(in: kept)
    }

    /// The answers that told of `conflict` tell its values as the hub holds them now (a
    /// redaction rewrites them at the hub, which sends the conflict again).
    private mutating func noteAnswers(of conflict: ConflictRecord) {
        for i in answers.indices where answers[i].action == conflict.action {
            for j in answers[i].conflicts.indices where answers[i].conflicts[j].id == conflict.id {
                answers[i].conflicts[j].base = conflict.base
                answers[i].conflicts[j].hub = conflict.hub
                answers[i].conflicts[j].incoming = conflict.incoming
            }
        }
    }

    /// The agency is no longer a partner in `plan`: its copy goes, and edits of it not yet
    /// sent end `rejected` with the reason, kept and shown like any rejection.
    private mutating func drop(_ plan: PlanID) {
        records = records.filter { $0.key.plan != plan }
        acknowledged.removeAll { $0.change.action.plan == plan }
        conflicts = conflicts.filter { $0.value.action.plan != plan }
        plans[plan] = nil
        let unsent = pending.filter { $0.action.plan == plan }
        guard !unsent.isEmpty else { return }
        pending.removeAll { $0.action.plan == plan }
        answers.append(
            contentsOf: unsent.map { change in
                ChangeResult(
                    id: change.id, action: change.action, outcome: .rejected, revision: nil, seq: 0,
                    violations: [
                        Violation(
                            action: change.action, field: nil, rule: .notPartner,
                            message:
                                "agency \(agency) is no longer a partner in plan \(plan) (it leads or supports none of its actions), so this edit was not sent; ask the business unit if that is wrong"
                        )
                    ])
            })
    }

    /// Keeps what the hub took of `change` on the view until its record is pulled: the
    /// fields it applied or found already set, and the hub's value for those in conflict.
    private mutating func acknowledge(_ change: Change, _ result: ChangeResult) {
        guard result.outcome != .rejected, let revision = result.revision,
            (records[change.action]?.revision ?? -1) < revision
        else { return }
        let hubValues = Dictionary(result.conflicts.map { ($0.field.rawValue, $0.hub) }, uniquingKeysWith: { $1 })
        acknowledged.append(AcknowledgedChange(change: change, revision: revision, hubValues: hubValues))
    }

    private mutating func trimAnswers() {
        let routine = answers.filter { $0.outcome == .applied || $0.outcome == .merged }
        guard routine.count > Self.keptAnswers else { return }
        let drop = Set(routine.prefix(routine.count - Self.keptAnswers).map(\.id))
        answers.removeAll { drop.contains($0.id) }
    }
}

/// A change the hub took, with the revision of the action after it.
public struct AcknowledgedChange: Sendable, Equatable, JSONRecord {
    /// The change as it was sent.
    public var change: Change
    /// The action's revision once the change was taken.
    public var revision: Int64
    /// The fields the hub kept its own value for (conflicts), with that value.
    public var hubValues: [String: FieldValue]

    /// The change as the hub took it: conflicting fields keep the hub's value.
    var taken: Change {
        var taken = change
        for (field, value) in hubValues {
            taken.set[field] = FieldChange(from: taken.set[field]?.to ?? .null, to: value)
        }
        return taken
    }

    /// The journal and snapshot form: every member required.
    public static let shape = Shape<Self>(
        blank: AcknowledgedChange(change: Change.shape.blank, revision: 0, hubValues: [:]),
        [Member("change", \.change), Member("revision", \.revision), Member("hubValues", \.hubValues)])
}
