import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `POST /v1/plans/{plan}/protected-names` body: names to protect and names to stop
/// protecting. The names travel once, to be hashed; the hub keeps only their digests.
public struct ProtectedNamesRequest: Codable, Sendable, Hashable {
    /// Names to protect (one to three words each: "Child M", "Liam Smith").
    public var add: [String]
    /// Names to stop protecting.
    public var remove: [String]

    /// A request to add and remove these names.
    public init(add: [String] = [], remove: [String] = []) {
        self.add = add
        self.remove = remove
    }

    /// Decodes the body: both lists optional.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        add = try c.decodeIfPresent([String].self, forKey: .add) ?? []
        remove = try c.decodeIfPresent([String].self, forKey: .remove) ?? []
    }
}

/// The answer about a plan's protected names: how many it has (the names cannot be read back).
public struct ProtectedNamesResponse: Codable, Sendable, Hashable {
    /// The plan.
    public var plan: PlanID
    /// How many names the plan protects now.
    public var count: Int
    /// How many of the request's names were new.
    public var added: Int
    /// How many of the request's names were removed.
    public var removed: Int

    /// An answer with these counts.
    public init(plan: PlanID, count: Int, added: Int = 0, removed: Int = 0) {
        self.plan = plan
        self.count = count
        self.added = added
        self.removed = removed
    }
}

/// Where a stored identifying detail is: in a record as it stands, or in a change of the trail.
public enum StoredFindingPlace: String, Codable, Sendable, Hashable {
    /// The action's current record.
    case record
    /// A change of the action's history (the audit trail).
    case history
}

/// An identifying detail found in what the hub stores (`concordctl hub screen`). It says
/// where, never what.
public struct StoredFinding: Codable, Sendable, Hashable {
    /// The action.
    public var action: ActionAddress
    /// In the record or in the history.
    public var place: StoredFindingPlace
    /// The change's sequence number, for a finding in the history.
    public var seq: Int64?
    /// The kind of detail.
    public var kind: IdentifierKind
    /// The text it is in, as a redaction names it: `progress`, `note`, `evidence.summary`, `reason`.
    public var field: String
    /// The first character (from 0) and how many.
    public var start: Int
    /// How many characters.
    public var length: Int
    /// What the partnership's policy does with the kind now: block, flag or off.
    public var policy: ScreeningAction

    /// A finding at this place.
    public init(
        action: ActionAddress, place: StoredFindingPlace, seq: Int64? = nil, finding: Finding, policy: ScreeningAction
    ) {
        self.action = action
        self.place = place
        self.seq = seq
        kind = finding.kind
        field = finding.field
        start = finding.start
        length = finding.length
        self.policy = policy
    }
}

/// `GET /v1/screening?plan=…` answer.
public struct ScreeningReport: Codable, Sendable, Hashable {
    /// The plans screened.
    public var plans: [PlanID]
    /// What was found, by plan, action, place and position.
    public var findings: [StoredFinding]

    /// A report of these findings.
    public init(plans: [PlanID], findings: [StoredFinding]) {
        self.plans = plans
        self.findings = findings
    }
}

/// `POST /v1/actions/{plan}/{ref}/redact` body: redact one kind of detail from one text of
/// an action, in every copy the hub keeps.
public struct RedactionRequest: Codable, Sendable, Hashable {
    /// The text, as a finding names it: `progress`, `note`, `evidence.summary`, `reason`.
    public var field: String
    /// The kind of detail to redact.
    public var kind: IdentifierKind
    /// Why: kept in the audit trail (it is screened like any text).
    public var reason: String

    /// A redaction of `kind` in `field`, for `reason`.
    public init(field: String, kind: IdentifierKind, reason: String) {
        self.field = field
        self.kind = kind
        self.reason = reason
    }
}

/// What a redaction changed.
public struct RedactionResponse: Codable, Sendable, Hashable {
    /// The action.
    public var action: ActionAddress
    /// The change that records the redaction in the audit trail.
    public var changeId: UUID
    /// The record's revision: a redaction keeps it (it changes what the record says, not
    /// what was decided), and sends the record again with a new sequence number.
    public var revision: Int64
    /// How many stored copies were rewritten: the record, changes of the trail, conflicts.
    public var copies: Int
    /// The database's old pages were rewritten too, so no copy is left in its files (SQLite:
    /// `VACUUM` and a WAL checkpoint); `false` when that could not be finished now.
    public var scrubbed: Bool

    /// An answer with these parts.
    public init(action: ActionAddress, changeId: UUID, revision: Int64, copies: Int, scrubbed: Bool) {
        self.action = action
        self.changeId = changeId
        self.revision = revision
        self.copies = copies
        self.scrubbed = scrubbed
    }
}
