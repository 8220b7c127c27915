import ConcordCodec
import ConcordCore

// The JSON bodies of the agent's control API (a Unix socket; see docs/control-api.md).
// Shared by concord-agent and concordctl.

/// What `concordctl status` shows.
public struct AgentStatus: Codable, Sendable, Equatable {
    /// The agency this agent works for.
    public var agency: AgencyID
    /// The hub's URL, from the agent's config.
    public var hub: String
    /// The hub answered within `offlineAfterSeconds` and no attempt has failed since.
    public var online: Bool
    /// The last reason the hub could not be reached or refused, if any.
    public var problem: String?
    /// When the hub last answered a push, by this machine's clock; absent: never.
    public var lastPush: Timestamp?
    /// When a pull last brought something (empty heartbeats do not count), by this machine's clock; absent: never.
    public var lastPull: Timestamp?
    /// Local changes the hub has not yet answered.
    public var pending: Int
    /// This agency's conflicts that an admin has not yet resolved.
    public var openConflicts: Int
    /// Changes the hub rejected, kept so the agency sees them (never dropped); `concordctl problems` lists them.
    public var rejected: Int
    /// Actions known here: those pulled, plus any named only by pending changes.
    public var actions: Int
    /// How far pulls have got in the hub's change sequence; the next pull starts after it.
    public var cursor: Int64
    /// `pending == 0`: everything typed here has reached the hub.
    public var everythingUploaded: Bool
    /// When the hub last answered anything (absent before the first answer): while offline,
    /// the hub has been silent since then.
    public var lastContact: Timestamp?

    /// A status with these values; `lastContact` is set separately.
    public init(
        agency: AgencyID, hub: String, online: Bool, problem: String?, lastPush: Timestamp?, lastPull: Timestamp?,
        pending: Int, openConflicts: Int, rejected: Int, actions: Int, cursor: Int64, everythingUploaded: Bool
    ) {
        self.agency = agency
        self.hub = hub
        self.online = online
        self.problem = problem
        self.lastPush = lastPush
        self.lastPull = lastPull
        self.pending = pending
        self.openConflicts = openConflicts
        self.rejected = rejected
        self.actions = actions
        self.cursor = cursor
        self.everythingUploaded = everythingUploaded
    }
}

/// One action as the agency sees it, with what is waiting and what went wrong.
public struct ActionDetail: Codable, Sendable, Equatable {
    /// The local view: the pulled record with pending changes laid on top.
    public var action: Action
    /// The record as the hub last sent it.
    public var hubRecord: Action?
    /// This agency's changes to the action that the hub has not yet answered, oldest first.
    public var pending: [Change]
    /// The hub's answers to this agency's changes to the action that were rejected or conflicted.
    public var problems: [ChangeResult]
    /// This agency's conflicts on the action, open and resolved, oldest first.
    public var conflicts: [ConflictRecord]

    /// A detail with these parts.
    public init(
        action: Action, hubRecord: Action?, pending: [Change], problems: [ChangeResult], conflicts: [ConflictRecord]
    ) {
        self.action = action
        self.hubRecord = hubRecord
        self.pending = pending
        self.problems = problems
        self.conflicts = conflicts
    }
}

/// The answer to an edit: the change as queued, and the local view after it.
public struct EditReceipt: Codable, Sendable, Equatable {
    /// The change as queued for the hub, its `from` values taken from the local view.
    public var change: Change
    /// The local view of the action with the change laid on top.
    public var action: Action
    /// What the change was taken with but the author should look at: identifying details
    /// the partnership flags (rule `identifyingDetail`) and rating rules a new action breaks.
    public var flags: [Violation]

    /// A receipt for `change`.
    public init(change: Change, action: Action, flags: [Violation] = []) {
        self.change = change
        self.action = action
        self.flags = flags
    }

    private enum CodingKeys: String, CodingKey { case change, action, flags }

    /// Decodes a receipt; `flags` may be absent (an agent from before screening).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        change = try c.decode(Change.self, forKey: .change)
        action = try c.decode(Action.self, forKey: .action)
        flags = try c.decodeIfPresent([Violation].self, forKey: .flags) ?? []
    }
}

/// What a sync did, or why it could not.
public struct SyncReport: Codable, Sendable, Equatable {
    /// Whether the hub was reachable when the sync ended.
    public var online: Bool
    /// Changes the hub answered during the sync.
    public var pushed: Int
    /// Action records pulled during the sync.
    public var pulled: Int
    /// Local changes still waiting for the hub's answer afterwards.
    public var pending: Int
    /// Why the hub could not be reached or refused; absent when nothing went wrong.
    public var problem: String?

    /// A report with these counts.
    public init(online: Bool, pushed: Int, pulled: Int, pending: Int, problem: String?) {
        self.online = online
        self.pushed = pushed
        self.pulled = pulled
        self.pending = pending
        self.problem = problem
    }
}

/// `POST /v1/actions/{plan}/{ref}` body: new values by field name; the agent fills in
/// each `from` from its local view.
public struct UpdateRequest: Codable, Sendable, Equatable {
    /// New values by field name, e.g. `rag` or `targetDate`; `null` clears an optional field.
    public var set: [String: FieldValue]
    /// Required when the target date moves.
    public var reason: String?

    /// A request to set these fields by name (a name the agent does not know is refused
    /// with the list of fields), with a reason when the target date moves.
    public init(set: [String: FieldValue], reason: String? = nil) {
        self.set = set
        self.reason = reason
    }

    /// A request to set these fields, with a reason when the target date moves.
    public init(fields: [Field: FieldValue], reason: String? = nil) {
        self.init(set: Dictionary(uniqueKeysWithValues: fields.map { ($0.key.rawValue, $0.value) }), reason: reason)
    }

    /// The fields `set` names; throws ``UnknownField`` for the first name no field has.
    public func fields() throws(UnknownField) -> [Field: FieldValue] {
        var fields: [Field: FieldValue] = [:]
        for (name, value) in set {
            guard let field = Field(rawValue: name) else { throw UnknownField(name: name) }
            fields[field] = value
        }
        return fields
    }
}

/// A field name that no ``Field`` has.
public struct UnknownField: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name as given.
    public var name: String
    /// The name no field has.
    public init(name: String) { self.name = name }
    /// "unknown field 'ragg'; fields are: title, recommendation, …"
    public var description: String {
        "unknown field '\(name.prefix(40))'; fields are: \(Field.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

/// `POST /v1/actions/{plan}/{ref}/evidence` body.
public struct EvidenceRequest: Codable, Sendable, Equatable {
    /// What the evidence is: "Audit of 20 cases, March 2026".
    public var summary: String
    /// Whether it shows an output or an impact; absent: output.
    public var kind: EvidenceKind?
    /// Where to find it: a document reference or URL; absent: none.
    public var reference: String?

    /// A request to add this evidence.
    public init(summary: String, kind: EvidenceKind? = nil, reference: String? = nil) {
        self.summary = summary
        self.kind = kind
        self.reference = reference
    }
}

/// `POST /v1/actions/{plan}/{ref}/notes` body.
public struct NoteRequest: Codable, Sendable, Equatable {
    /// The note: "Venue booked; invitations sent".
    public var text: String
    /// A document reference or URL the note points to; absent: none.
    public var reference: String?

    /// A request to add this note.
    public init(text: String, reference: String? = nil) {
        self.text = text
        self.reference = reference
    }
}

/// `GET /v1/problems` answer: changes the hub rejected or found in conflict, newest first.
public struct ProblemList: Codable, Sendable, Equatable {
    /// The hub's answers to those changes, newest first.
    public var problems: [ChangeResult]
    /// A list of these answers.
    public init(problems: [ChangeResult]) { self.problems = problems }
}

/// `GET /v1/actions` answer.
public struct ActionList: Codable, Sendable, Equatable {
    /// Every action the agency can see, in its local view (pending changes laid on top).
    public var actions: [Action]
    /// A list of these actions.
    public init(actions: [Action]) { self.actions = actions }
}
