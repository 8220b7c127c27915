import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One field edit: the value the agency saw when it made the edit, and the value it wants.
public struct FieldChange: Hashable, JSONRecord, Sendable {
    /// The value the agency saw; the hub takes `to` only if it still holds this. `null` means not set.
    public var from: FieldValue
    /// The value the agency wants; `null` clears the field.
    public var to: FieldValue

    /// An edit from `from` to `to`.
    public init(from: FieldValue, to: FieldValue) {
        self.from = from
        self.to = to
    }

    /// Absent means `null`.
    public static let shape = Shape<Self>(
        blank: FieldChange(from: .null, to: .null),
        [Member("from", \.from, defaulted: true), Member("to", \.to, defaulted: true)])
}

/// Withdraws an evidence item or a note, with a reason. The item stays, marked retracted.
public struct RetractItem: Hashable, JSONRecord, Sendable {
    /// The id of the evidence item or note to withdraw.
    public var item: UUID
    /// Why it is withdrawn; kept on the item's retraction.
    public var reason: String

    /// A retraction of `item` for `reason`.
    public init(item: UUID, reason: String) {
        self.item = item
        self.reason = reason
    }

    /// The JSON form: `item` and `reason`, both required.
    public static let shape = Shape<Self>(
        blank: RetractItem(item: .zero, reason: ""), [Member("item", \.item), Member("reason", \.reason)])
}

/// An addition to an action's append-only collections.
///
/// JSON: `{"evidence": {...}}`, `{"note": {...}}` or `{"retract": {"item": ..., "reason": ...}}`.
public enum Append: Hashable, JSONValue, Sendable {
    /// Adds an evidence item, once by its id.
    case evidence(EvidenceItem)
    /// Adds a progress note, once by its id.
    case note(ProgressNote)
    /// Withdraws an existing item; only its author or an admin may.
    case retract(RetractItem)

    /// The id of the item this append adds or retracts.
    public var itemID: UUID {
        switch self {
        case .evidence(let e): e.id
        case .note(let n): n.id
        case .retract(let r): r.item
        }
    }

    /// The JSON form: an object with exactly one of these members.
    struct Form: JSONRecord {
        var evidence: EvidenceItem?
        var note: ProgressNote?
        var retract: RetractItem?

        static let shape = Shape<Self>(
            blank: Form(), [Member("evidence", \.evidence), Member("note", \.note), Member("retract", \.retract)])
    }

    init?(_ form: Form) {
        switch (form.evidence, form.note, form.retract) {
        case (let e?, nil, nil): self = .evidence(e)
        case (nil, let n?, nil): self = .note(n)
        case (nil, nil, let r?): self = .retract(r)
        default: return nil
        }
    }

    var form: Form {
        switch self {
        case .evidence(let e): Form(evidence: e)
        case .note(let n): Form(note: n)
        case .retract(let r): Form(retract: r)
        }
    }

    /// Writes the one-member object form.
    public func write(to w: inout JSONWriter) { form.write(to: &w) }

    /// Reads the one-member object form; none or several members go to Codable.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        guard let append = Append(try Form(reading: &r)) else { throw FastJSONUnsupported() }
        self = append
    }

    /// Reads the one-member object form; throws unless exactly one of the keys is present.
    public init(from decoder: any Decoder) throws {
        guard try Form.membersPresent(in: decoder) == 1, let append = Append(try Form(from: decoder)) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "an append has exactly one of the keys evidence, note or retract"))
        }
        self = append
    }

    /// Writes the one-member object form with Codable.
    public func encode(to encoder: any Encoder) throws { try form.encode(to: encoder) }
}

/// A local edit as an agent records it and the hub applies it: atomically, once.
///
/// `set` is keyed by field name (see ``Field``); a name the hub does not know rejects the
/// change with a reason rather than failing the whole batch.
public struct Change: Hashable, JSONRecord, Sendable, Identifiable {
    /// Chosen by the agent; the hub answers a repeated id with its stored result.
    public var id: UUID
    /// The action the change edits, or creates when `create` is set.
    public var action: ActionAddress
    /// The hub revision the agent's view was based on (informational; the merge compares
    /// each field's `from` with the hub's value).
    public var baseRevision: Int64
    /// Creates the action (admins only). `set` holds its initial fields.
    public var create: Bool
    /// Field edits by field name; empty when the change only appends.
    public var set: [String: FieldChange]
    /// Evidence, notes and retractions to add, in order.
    public var append: [Append]
    /// Why: required when a target date moves; the rationale of a conflict resolution.
    public var reason: String?
    /// The agency's clock when the edit was made: informational only.
    public var madeAt: Timestamp?

    /// A change with a new random id unless one is given; `set` may name fields the hub does not know.
    public init(
        id: UUID = UUID(), action: ActionAddress, baseRevision: Int64, create: Bool = false,
        set: [String: FieldChange] = [:], append: [Append] = [], reason: String? = nil, madeAt: Timestamp? = nil
    ) {
        self.id = id
        self.action = action
        self.baseRevision = baseRevision
        self.create = create
        self.set = set
        self.append = append
        self.reason = reason
        self.madeAt = madeAt
    }

    /// A change of known fields.
    public init(
        id: UUID = UUID(), action: ActionAddress, baseRevision: Int64, create: Bool = false,
        fields: [Field: FieldChange], append: [Append] = [], reason: String? = nil, madeAt: Timestamp? = nil
    ) {
        self.init(
            id: id, action: action, baseRevision: baseRevision, create: create,
            set: Dictionary(uniqueKeysWithValues: fields.map { ($0.key.rawValue, $0.value) }), append: append,
            reason: reason, madeAt: madeAt)
    }

    /// `baseRevision`, `create`, `set` and `append` may be left out (0, false, none).
    public static let shape = Shape<Self>(
        blank: Change(id: .zero, action: ActionAddress(plan: .unset, ref: .unset), baseRevision: 0),
        [
            Member("id", \.id),
            Member("action", \.action),
            Member("baseRevision", \.baseRevision, defaulted: true),
            Member("create", \.create, defaulted: true),
            Member("set", \.set, defaulted: true),
            Member("append", \.append, defaulted: true),
            Member("reason", \.reason),
            Member("madeAt", \.madeAt),
        ])
}
