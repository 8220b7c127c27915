import ConcordCodec
import ConcordCore

// The JSON bodies of the agent's control API (a Unix socket; see docs/control-api.md).
// Shared by concord-agent and concordctl.

/// What `concordctl status` shows.
public struct AgentStatus: Codable, Sendable, Equatable {
    public var agency: AgencyID
    public var hub: String
    public var online: Bool
    /// The last reason the hub could not be reached or refused, if any.
    public var problem: String?
    public var lastPush: Timestamp?
    public var lastPull: Timestamp?
    public var pending: Int
    public var openConflicts: Int
    /// Changes the hub rejected, kept so the agency sees them (never dropped); `concordctl problems` lists them.
    public var rejected: Int
    public var actions: Int
    public var cursor: Int64
    /// `pending == 0`: everything typed here has reached the hub.
    public var everythingUploaded: Bool
    /// When the hub last answered anything (absent before the first answer): while offline,
    /// the hub has been silent since then.
    public var lastContact: Timestamp?

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
    public var pending: [Change]
    /// The hub's answers to this agency's changes to the action that were rejected or conflicted.
    public var problems: [ChangeResult]
    public var conflicts: [ConflictRecord]

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
    public var change: Change
    public var action: Action

    public init(change: Change, action: Action) {
        self.change = change
        self.action = action
    }
}

/// What a sync did, or why it could not.
public struct SyncReport: Codable, Sendable, Equatable {
    public var online: Bool
    public var pushed: Int
    public var pulled: Int
    public var pending: Int
    public var problem: String?

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
    public var set: [String: FieldValue]
    /// Required when the target date moves.
    public var reason: String?

    public init(set: [String: FieldValue], reason: String? = nil) {
        self.set = set
        self.reason = reason
    }
}

/// `POST /v1/actions/{plan}/{ref}/evidence` body.
public struct EvidenceRequest: Codable, Sendable, Equatable {
    public var summary: String
    public var kind: EvidenceKind?
    public var reference: String?

    public init(summary: String, kind: EvidenceKind? = nil, reference: String? = nil) {
        self.summary = summary
        self.kind = kind
        self.reference = reference
    }
}

/// `POST /v1/actions/{plan}/{ref}/notes` body.
public struct NoteRequest: Codable, Sendable, Equatable {
    public var text: String
    public var reference: String?

    public init(text: String, reference: String? = nil) {
        self.text = text
        self.reference = reference
    }
}

/// `GET /v1/problems` answer: changes the hub rejected or found in conflict, newest first.
public struct ProblemList: Codable, Sendable, Equatable {
    public var problems: [ChangeResult]
    public init(problems: [ChangeResult]) { self.problems = problems }
}

/// `GET /v1/actions` answer.
public struct ActionList: Codable, Sendable, Equatable {
    public var actions: [Action]
    public init(actions: [Action]) { self.actions = actions }
}
