import ConcordCodec
import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The JSON bodies of the hub's API v1 (see docs/openapi.yaml and docs/protocol.md).
// Shared by the hub, the agent and the CLI so the two ends cannot drift apart.

/// `POST /v1/sync/push` body: changes in the order the agency made them.
public struct PushRequest: JSONRecord, Sendable, Hashable {
    /// The agency's pending changes, oldest first; the hub applies them in this order.
    public var changes: [Change]
    /// A push of these changes.
    public init(changes: [Change]) { self.changes = changes }

    /// The JSON form: `changes`, required.
    public static let shape = Shape<Self>(blank: PushRequest(changes: []), [Member("changes", \.changes)])
}

/// A field conflict as the hub recorded it, with the id an admin resolves it by.
public struct ConflictNotice: JSONRecord, Sendable, Hashable {
    /// The hub's id of the conflict, used to resolve it.
    public var id: Int64
    /// The field in dispute.
    public var field: Field
    /// The value the agency saw when it made the edit.
    public var base: FieldValue
    /// The hub's value, which stays until an admin resolves the conflict.
    public var hub: FieldValue
    /// The agency's value, not taken.
    public var incoming: FieldValue

    /// The notice of `conflict`, recorded by the hub under `id`.
    public init(id: Int64, conflict: FieldConflict) {
        self.id = id
        field = conflict.field
        base = conflict.base
        hub = conflict.hub
        incoming = conflict.incoming
    }

    /// The JSON form: every member required.
    public static let shape = Shape<Self>(
        blank: ConflictNotice(id: 0, conflict: FieldConflict(field: .title, base: .null, hub: .null, incoming: .null)),
        [
            Member("id", \.id), Member("field", \.field), Member("base", \.base), Member("hub", \.hub),
            Member("incoming", \.incoming),
        ])
}

/// How one change ended at the hub. Stored, and returned again for a resent change id.
public struct ChangeResult: JSONRecord, Sendable, Hashable {
    /// The id of the change, as the agent chose it.
    public var id: UUID
    /// The action the change named.
    public var action: ActionAddress
    /// Applied, merged, conflict or rejected.
    public var outcome: Outcome
    /// The action's revision after the change (absent when the action does not exist).
    public var revision: Int64?
    /// The hub's change sequence number given to this change.
    public var seq: Int64
    /// The conflicts the hub recorded for this change; empty unless the outcome is conflict.
    public var conflicts: [ConflictNotice]
    /// Why the change was rejected; empty unless the outcome is rejected.
    public var violations: [Violation]
    /// Rules the record breaks that did not block the change (an imported green with no evidence).
    public var flags: [Violation]

    /// A result; `revision` is `nil` when the action does not exist.
    public init(
        id: UUID, action: ActionAddress, outcome: Outcome, revision: Int64?, seq: Int64,
        conflicts: [ConflictNotice] = [], violations: [Violation] = [], flags: [Violation] = []
    ) {
        self.id = id
        self.action = action
        self.outcome = outcome
        self.revision = revision
        self.seq = seq
        self.conflicts = conflicts
        self.violations = violations
        self.flags = flags
    }

    /// The JSON form: `revision` optional; `conflicts`, `violations` and `flags` written even when empty.
    public static let shape = Shape<Self>(
        blank: ChangeResult(
            id: .zero, action: ActionAddress(plan: .unset, ref: .unset), outcome: .rejected, revision: nil, seq: 0),
        [
            Member("id", \.id), Member("action", \.action), Member("outcome", \.outcome),
            Member("revision", \.revision), Member("seq", \.seq), Member("conflicts", \.conflicts),
            Member("violations", \.violations), Member("flags", \.flags),
        ])

    /// The reasons of a rejection in one line, or `nil`.
    public var reason: String? {
        violations.isEmpty ? nil : violations.map(\.description).joined(separator: "; ")
    }
}

/// `POST /v1/sync/push` answer: one result per change, in the order sent.
public typealias PushResponse = PushBody<ChangeResult>

/// The push answer's one form: ``PushResponse`` as agents read it, and with its results as
/// stored JSON (``RawJSON``) as the hub writes it.
public struct PushBody<Result: JSONValue & Hashable & Sendable>: JSONRecord, Sendable, Hashable {
    /// The results, one per change sent, in the same order.
    public var results: [Result]
    /// An answer with these results.
    public init(results: [Result]) { self.results = results }

    /// The JSON form: `results`, required; built once per result type.
    public static var shape: Shape<Self> {
        ShapeCache.shape(of: Self.self) { Shape<Self>(blank: PushBody(results: []), [Member("results", \.results)]) }
    }
}

/// `GET /v1/sync/pull` answer.
public typealias PullResponse = PullBody<Action, ConflictRecord>

/// The pull answer's one form: ``PullResponse`` as agents read it, and with its records and
/// conflicts as stored JSON (``RawJSON``) as the hub writes it without decoding them.
public struct PullBody<Record: JSONValue & Hashable & Sendable, Conflict: JSONValue & Hashable & Sendable>: JSONRecord,
    Sendable, Hashable
{
    /// Whole records changed after `since`, in change order.
    public var actions: [Record]
    /// Ask with `since=cursor` next time.
    public var cursor: Int64
    /// More records are waiting: pull again at once.
    public var more: Bool
    /// This agency's conflicts that were recorded or resolved after `since`.
    public var conflicts: [Conflict]
    /// `since` was ahead of the hub (the hub was restored from a backup): this answer starts
    /// again from the beginning, and the agent replaces what it had. Absent means false.
    public var reset: Bool?
    /// Plans the caller is no longer a partner in (it leads or supports none of their
    /// actions any more): the agent drops its copy. Absent means none.
    public var removedPlans: [PlanID]?
    /// The hub's timeline: send it back with the cursor (`timeline=`), so a hub restored
    /// from a backup can tell a cursor of the lost timeline. Absent from older hubs.
    public var timeline: Int64?

    /// An answer; `reset`, `removedPlans` and `timeline` are left out when `nil`.
    public init(
        actions: [Record], cursor: Int64, more: Bool, conflicts: [Conflict], reset: Bool? = nil,
        removedPlans: [PlanID]? = nil, timeline: Int64? = nil
    ) {
        self.actions = actions
        self.cursor = cursor
        self.more = more
        self.conflicts = conflicts
        self.reset = reset
        self.removedPlans = removedPlans
        self.timeline = timeline
    }

    /// The JSON form: `reset`, `removedPlans` and `timeline` optional; built once per pair of types.
    public static var shape: Shape<Self> {
        ShapeCache.shape(of: Self.self) {
            Shape<Self>(
                blank: PullBody(actions: [], cursor: 0, more: false, conflicts: []),
                [
                    Member("actions", \.actions), Member("cursor", \.cursor), Member("more", \.more),
                    Member("conflicts", \.conflicts), Member("reset", \.reset),
                    Member("removedPlans", \.removedPlans), Member("timeline", \.timeline),
                ])
        }
    }
}

/// How an admin settles a conflict.
public enum ResolutionChoice: String, JSONStringValue, Sendable, CaseIterable {
    /// The hub's value stays.
    case keepHub = "keep-hub"
    /// The agency's value is taken.
    case takeAgency = "take-agency"
    /// A new value, given with the resolution.
    case newValue = "value"
}

/// `POST /v1/conflicts/{id}/resolve` body.
public struct ResolveRequest: Codable, Sendable, Hashable {
    /// Keep the hub's value, take the agency's, or set a new value.
    public var choice: ResolutionChoice
    /// Required when `choice` is `value`.
    public var value: FieldValue?
    /// Why: kept in the audit trail and shown to the agency.
    public var rationale: String
    /// The field's value the admin knowingly replaces, when the field has moved on since the
    /// conflict was recorded. Absent: the resolution replaces only the value the conflict
    /// recorded, and a later edit is never overwritten unseen.
    public var replaces: FieldValue?

    /// A resolution; `value` is needed only for `.newValue`.
    public init(choice: ResolutionChoice, value: FieldValue? = nil, rationale: String, replaces: FieldValue? = nil) {
        self.choice = choice
        self.value = value
        self.rationale = rationale
        self.replaces = replaces
    }
}

/// A conflict's settlement.
public struct ConflictResolution: JSONRecord, Sendable, Hashable {
    /// How the admin settled it.
    public var choice: ResolutionChoice
    /// The value the field holds after the resolution.
    public var value: FieldValue
    /// Why, as the admin gave it; kept in the audit trail and shown to the agency.
    public var rationale: String
    /// The admin who resolved it.
    public var by: AgencyID
    /// Hub time of the resolution.
    public var at: Timestamp
    /// The change that carried the resolution (it is in the action's history).
    public var changeId: UUID

    /// A settlement with these parts.
    public init(
        choice: ResolutionChoice, value: FieldValue, rationale: String, by: AgencyID, at: Timestamp, changeId: UUID
    ) {
        self.choice = choice
        self.value = value
        self.rationale = rationale
        self.by = by
        self.at = at
        self.changeId = changeId
    }

    /// The JSON form: every member required.
    public static let shape = Shape<Self>(
        blank: ConflictResolution(
            choice: .keepHub, value: .null, rationale: "", by: .unset, at: Timestamp(millisecondsSinceEpoch: 0),
            changeId: .zero),
        [
            Member("choice", \.choice), Member("value", \.value), Member("rationale", \.rationale),
            Member("by", \.by), Member("at", \.at), Member("changeId", \.changeId),
        ])
}

/// A conflict, open or resolved, as agencies and admins see it.
public struct ConflictRecord: JSONRecord, Sendable, Hashable, Identifiable {
    /// Whether the conflict still waits for an admin.
    public enum Status: String, JSONStringValue, Sendable, CaseIterable {
        /// Waiting for an admin; the hub's value stands meanwhile.
        case open
        /// Settled; `resolution` says how.
        case resolved
    }

    /// The hub's id of the conflict, used to resolve it.
    public var id: Int64
    /// The agency change that met the conflict.
    public var changeId: UUID
    /// The agency whose change met the conflict.
    public var agency: AgencyID
    /// The action in dispute.
    public var action: ActionAddress
    /// The field in dispute.
    public var field: Field
    /// The value the agency saw when it made the edit.
    public var base: FieldValue
    /// The hub's value when the conflict was recorded.
    public var hub: FieldValue
    /// The agency's value, not taken.
    public var incoming: FieldValue
    /// Hub time the conflict was recorded.
    public var createdAt: Timestamp
    /// Open or resolved.
    public var status: Status
    /// How it was settled; `nil` while open.
    public var resolution: ConflictResolution?

    /// A conflict of `agency`'s change `changeId`; open unless a resolution is given.
    public init(
        id: Int64, changeId: UUID, agency: AgencyID, action: ActionAddress, conflict: FieldConflict,
        createdAt: Timestamp, status: Status = .open, resolution: ConflictResolution? = nil
    ) {
        self.id = id
        self.changeId = changeId
        self.agency = agency
        self.action = action
        field = conflict.field
        base = conflict.base
        hub = conflict.hub
        incoming = conflict.incoming
        self.createdAt = createdAt
        self.status = status
        self.resolution = resolution
    }

    /// The JSON form: `resolution` optional, the rest required.
    public static let shape = Shape<Self>(
        blank: ConflictRecord(
            id: 0, changeId: .zero, agency: .unset, action: ActionAddress(plan: .unset, ref: .unset),
            conflict: FieldConflict(field: .title, base: .null, hub: .null, incoming: .null),
            createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        [
            Member("id", \.id), Member("changeId", \.changeId), Member("agency", \.agency), Member("action", \.action),
            Member("field", \.field), Member("base", \.base), Member("hub", \.hub), Member("incoming", \.incoming),
            Member("createdAt", \.createdAt), Member("status", \.status), Member("resolution", \.resolution),
        ])
}

/// `GET /v1/conflicts` answer.
public struct ConflictList: Codable, Sendable, Hashable {
    /// The conflicts the caller may see, newest first.
    public var conflicts: [ConflictRecord]
    /// A list of these conflicts.
    public init(conflicts: [ConflictRecord]) { self.conflicts = conflicts }
}

/// `POST /v1/conflicts/{id}/resolve` answer: the settled conflict and the resolving change.
public struct ResolveResponse: Codable, Sendable, Hashable {
    /// The conflict, now resolved.
    public var conflict: ConflictRecord
    /// The result of the change that carried the resolution.
    public var result: ChangeResult
    /// An answer with these parts.
    public init(conflict: ConflictRecord, result: ChangeResult) {
        self.conflict = conflict
        self.result = result
    }
}
