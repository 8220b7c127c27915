import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Whether a piece of evidence shows that something was done (an output: a policy
/// published, a course held) or that it made a difference (an impact: an audit result).
public enum EvidenceKind: String, JSONStringValue, Sendable, CaseIterable {
    case output
    case impact
}

/// Why and by whom an item was withdrawn. Items are never deleted.
public struct Retraction: Hashable, JSONRecord, Sendable {
    public var reason: String
    /// The agency that retracted it, set by the hub from the authenticated token.
    public var by: AgencyID
    /// Hub time of the retraction; `nil` until the hub has accepted it.
    public var at: Timestamp?

    public init(reason: String, by: AgencyID, at: Timestamp? = nil) {
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// An append-only item of an action: evidence or a progress note.
public protocol ActionItem: Hashable, JSONRecord, Sendable {
    var id: UUID { get }
    /// The agency that added it, set by the hub from the authenticated token.
    var author: AgencyID { get set }
    /// Hub time; `nil` while the item waits in an agent's queue.
    var recordedAt: Timestamp? { get set }
    var retraction: Retraction? { get set }
}

extension ActionItem {
    /// Not retracted.
    public var isLive: Bool { retraction == nil }
}

/// Evidence that an action was done or made a difference.
public struct EvidenceItem: ActionItem {
    public var id: UUID
    public var kind: EvidenceKind
    /// What the evidence is: "Audit of 20 cases, March 2026".
    public var summary: String
    /// Where to find it: a document reference or URL.
    public var reference: String?
    public var author: AgencyID
    public var recordedAt: Timestamp?
    public var retraction: Retraction?

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
    public var id: UUID
    public var text: String
    public var reference: String?
    public var author: AgencyID
    public var recordedAt: Timestamp?
    public var retraction: Retraction?

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
    public var id: UUID
    public var from: LocalDate?
    public var to: LocalDate?
    public var reason: String
    public var by: AgencyID
    public var at: Timestamp?

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
    public static let shape = Shape<Retraction>(
        blank: Retraction(reason: "", by: .unset),
        [Member("reason", \.reason), Member("by", \.by), Member("at", \.at)])
}

extension EvidenceItem {
    public static let shape = Shape<EvidenceItem>(
        blank: EvidenceItem(id: .zero, kind: .output, summary: "", author: .unset),
        [
            Member("id", \.id), Member("kind", \.kind), Member("summary", \.summary), Member("reference", \.reference),
            Member("author", \.author), Member("recordedAt", \.recordedAt), Member("retraction", \.retraction),
        ])
}

extension ProgressNote {
    public static let shape = Shape<ProgressNote>(
        blank: ProgressNote(id: .zero, text: "", author: .unset),
        [
            Member("id", \.id), Member("text", \.text), Member("reference", \.reference), Member("author", \.author),
            Member("recordedAt", \.recordedAt), Member("retraction", \.retraction),
        ])
}

extension TargetDateChange {
    public static let shape = Shape<TargetDateChange>(
        blank: TargetDateChange(id: .zero, from: nil, to: nil, reason: "", by: .unset, at: nil),
        [
            Member("id", \.id), Member("from", \.from), Member("to", \.to), Member("reason", \.reason),
            Member("by", \.by), Member("at", \.at),
        ])
}
