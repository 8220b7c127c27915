import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a change ended at the hub. Nothing an agency typed is dropped silently: every
/// change ends in one of these, and the agency sees it.
public enum Outcome: String, JSONStringValue, Sendable, CaseIterable {
    /// Every field and item was new and taken.
    case applied
    /// Taken, and some of it (or all of it) was already there.
    case merged
    /// At least one field had moved on at the hub; the hub value stays and both are kept.
    case conflict
    /// Nothing was taken; the reasons say why.
    case rejected
}

/// A field both sides changed differently. The hub value stays until an admin resolves it.
public struct FieldConflict: Hashable, Codable, Sendable {
    /// The field in dispute.
    public var field: Field
    /// The value the agency saw when it made the edit.
    public var base: FieldValue
    /// The hub's value, which stays.
    public var hub: FieldValue
    /// The agency's value.
    public var incoming: FieldValue

    /// A conflict over `field`, values in canonical form.
    public init(field: Field, base: FieldValue, hub: FieldValue, incoming: FieldValue) {
        self.field = field
        self.base = base
        self.hub = hub
        self.incoming = incoming
    }
}

/// Who is making a change, under which scheme, at what hub time.
public struct MergeContext: Sendable {
    /// The authenticated agency (never a field of the change body).
    public var actor: AgencyID
    /// What the actor may do: admin, agency or viewer.
    public var role: Role
    /// The RAG scheme of the action's plan.
    public var scheme: RAGScheme
    /// Hub time, stamped on new items.
    public var now: Timestamp
    /// The partnership's agencies; `nil` skips the membership check of agency ids.
    public var knownAgencies: Set<AgencyID>?
    /// Replaying a change the hub once took, to see a record as it was (the committee
    /// report's "as at"): the checks that guarded the door are skipped, so that rules
    /// tightened since cannot rewrite what happened. Never set for a change being received.
    package var replaying = false
    /// The partnership's identifier screening (issue 14): what it looks for and what it does
    /// with each kind. `nil` screens nothing (a unit test of other rules); the hub and the
    /// agent always set it.
    public var screening: ScreeningRules?

    /// A context; `scheme` defaults to the standard RAG scheme and `knownAgencies` to no membership check.
    public init(
        actor: AgencyID, role: Role, scheme: RAGScheme = .standard, now: Timestamp,
        knownAgencies: Set<AgencyID>? = nil, screening: ScreeningRules? = nil
    ) {
        self.actor = actor
        self.role = role
        self.scheme = scheme
        self.now = now
        self.knownAgencies = knownAgencies
        self.screening = screening
    }
}

/// What applying one change did, as a value.
public struct MergeResult: Hashable, Sendable {
    /// Applied, merged, conflict or rejected.
    public var outcome: Outcome
    /// The hub record after the change: the unchanged record when rejected, `nil` only when
    /// a rejected change named an action that does not exist.
    public var record: Action?
    /// The record differs from before (its revision was bumped).
    public var changed: Bool
    /// Fields that took the incoming value.
    public var applied: [Field]
    /// Fields that already had the incoming value.
    public var alreadySet: [Field]
    /// Fields the hub had moved on from the agency's `from`: the hub values stay. Empty unless the outcome is conflict.
    public var conflicts: [FieldConflict]
    /// Items added or retracted by this change.
    public var added: [UUID]
    /// Items (or retractions) that were already there.
    public var alreadyPresent: [UUID]
    /// Why the change was rejected; empty unless `outcome == .rejected`.
    public var violations: [Violation]
    /// Rules the resulting record breaks that do not block it (a created action rated green
    /// without evidence), and identifying details the policy flags: committees and the
    /// author need to see them.
    public var flags: [Violation]

    /// A rejection for reasons found outside the merge (e.g. the plan does not exist).
    public static func rejection(_ violations: [Violation], record: Action? = nil) -> MergeResult {
        MergeResult(
            outcome: .rejected, record: record, changed: false, applied: [], alreadySet: [], conflicts: [], added: [],
            alreadyPresent: [], violations: violations, flags: [])
    }

    /// The reasons of a rejection, in one line.
    public var reason: String? {
        violations.isEmpty ? nil : violations.map(\.description).joined(separator: "; ")
    }
}
