import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Whether a piece of evidence shows that something was done (an output: a policy
/// published, a course held) or that it made a difference (an impact: an audit result).
public enum EvidenceKind: String, JSONStringValue, Sendable, CaseIterable {
    /// It shows something was done: a policy published, a course held.
    case output
    /// It shows the work made a difference: an audit result.
    case impact
}

/// Why and by whom an item was withdrawn. Items are never deleted.
public struct Retraction: Hashable, JSONRecord, Sendable {
    /// Why the item was withdrawn: "Attached to the wrong action".
    public var reason: String
    /// The agency that retracted it, set by the hub from the authenticated token.
    public var by: AgencyID
    /// Hub time of the retraction; `nil` until the hub has accepted it.
    public var at: Timestamp?

    /// A retraction; `at` stays `nil` until the hub accepts it.
    public init(reason: String, by: AgencyID, at: Timestamp? = nil) {
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// An append-only item of an action: evidence or a progress note.
public protocol ActionItem: Hashable, JSONRecord, Sendable {
    /// Chosen when the item is made; merges add an item once, by this id.
    var id: UUID { get }
    /// The agency that added it, set by the hub from the authenticated token.
    var author: AgencyID { get set }
    /// Hub time; `nil` while the item waits in an agent's queue.
    var recordedAt: Timestamp? { get set }
    /// The withdrawal, if the item has been retracted; `nil` while it is live.
    var retraction: Retraction? { get set }
}

extension ActionItem {
    /// Not retracted.
    public var isLive: Bool { retraction == nil }
}

/// Evidence that an action was done or made a difference.
public struct EvidenceItem: ActionItem {
    /// Chosen when the item is made; merges add an item once, by this id.
    public var id: UUID
    /// Whether it shows an output or an impact.
    public var kind: EvidenceKind
    /// What the evidence is: "Audit of 20 cases, March 2026".
    public var summary: String
    /// Where to find it: a document reference or URL.
    public var reference: String?
    /// The agency that added it, set by the hub from the authenticated token.
    public var author: AgencyID
    /// Hub time; `nil` while the item waits in an agent's queue.
    public var recordedAt: Timestamp?
    /// The withdrawal, if the item has been retracted; `nil` while it is live.
    public var retraction: Retraction?

    /// An evidence item with a new random id unless one is given.
    public init(
        id: UUID = UUID(), kind: EvidenceKind, summary: String, reference: String? = nil, author: AgencyID,
        recordedAt: Timestamp? = nil, retraction: Retraction? = nil
    ) {
        self.id = id
        self.kind = kind
        self.summary = summary
        self.reference = reference
        self.author = author
        self.recordedAt = recordedAt
        self.retraction = retraction
    }
}

/// A dated note of progress: "Venue booked; invitations sent".
public struct ProgressNote: ActionItem {
    /// Chosen when the note is made; merges add a note once, by this id.
    public var id: UUID
    /// What was done or found.
    public var text: String
    /// A document reference or URL the note points to, if any.
    public var reference: String?
    /// The agency that added it, set by the hub from the authenticated token.
    public var author: AgencyID
    /// Hub time; `nil` while the note waits in an agent's queue.
    public var recordedAt: Timestamp?
    /// The withdrawal, if the note has been retracted; `nil` while it is live.
    public var retraction: Retraction?

    /// A note with a new random id unless one is given.
    public init(
        id: UUID = UUID(), text: String, reference: String? = nil, author: AgencyID, recordedAt: Timestamp? = nil,
        retraction: Retraction? = nil
    ) {
        self.id = id
        self.text = text
        self.reference = reference
        self.author = author
        self.recordedAt = recordedAt
        self.retraction = retraction
    }
}

/// A move of an action's target date, kept with its reason so a committee can see why
/// the date slipped. Its id is the id of the change that moved the date.
public struct TargetDateChange: Hashable, JSONRecord, Sendable {
    /// The id of the change that moved the date.
    public var id: UUID
    /// The target date before the move; `nil` when none was set.
    public var from: LocalDate?
    /// The new target date; `nil` when the date was cleared.
    public var to: LocalDate?
    /// Why the date moved: every move must give one.
    public var reason: String
    /// The agency whose change moved the date.
    public var by: AgencyID
    /// Hub time of the move; `nil` until the hub has taken the change.
    public var at: Timestamp?

    /// A move with these parts.
    public init(id: UUID, from: LocalDate?, to: LocalDate?, reason: String, by: AgencyID, at: Timestamp?) {
        self.id = id
        self.from = from
        self.to = to
        self.reason = reason
        self.by = by
        self.at = at
    }
}

// MARK: JSON forms

extension Retraction {
    /// The JSON form: `reason` and `by` required, `at` optional.
    public static let shape = Shape<Retraction>(
        blank: Retraction(reason: "", by: .unset),
        [Member("reason", \.reason), Member("by", \.by), Member("at", \.at)])
}

extension EvidenceItem {
    /// The JSON form: `reference`, `recordedAt` and `retraction` optional, the rest required.
    public static let shape = Shape<EvidenceItem>(
        blank: EvidenceItem(id: .zero, kind: .output, summary: "", author: .unset),
        [
            Member("id", \.id), Member("kind", \.kind), Member("summary", \.summary), Member("reference", \.reference),
            Member("author", \.author), Member("recordedAt", \.recordedAt), Member("retraction", \.retraction),
        ])
}

extension ProgressNote {
    /// The JSON form: `reference`, `recordedAt` and `retraction` optional, the rest required.
    public static let shape = Shape<ProgressNote>(
        blank: ProgressNote(id: .zero, text: "", author: .unset),
        [
            Member("id", \.id), Member("text", \.text), Member("reference", \.reference), Member("author", \.author),
            Member("recordedAt", \.recordedAt), Member("retraction", \.retraction),
        ])
}

extension TargetDateChange {
    /// The JSON form: `from`, `to` and `at` optional, the rest required.
    public static let shape = Shape<TargetDateChange>(
        blank: TargetDateChange(id: .zero, from: nil, to: nil, reason: "", by: .unset, at: nil),
        [
            Member("id", \.id), Member("from", \.from), Member("to", \.to), Member("reason", \.reason),
            Member("by", \.by), Member("at", \.at),
        ])
}
