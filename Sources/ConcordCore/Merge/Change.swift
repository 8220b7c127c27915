import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One field edit: the value the agency saw when it made the edit, and the value it wants.
public struct FieldChange: Hashable, JSONRecord, Sendable {
    public var from: FieldValue
    public var to: FieldValue

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
    public var item: UUID
    public var reason: String

    public init(item: UUID, reason: String) {
        self.item = item
        self.reason = reason
    }

    public static let shape = Shape<Self>(
        blank: RetractItem(item: .zero, reason: ""), [Member("item", \.item), Member("reason", \.reason)])
}

/// An addition to an action's append-only collections.
///
/// JSON: `{"evidence": {...}}`, `{"note": {...}}` or `{"retract": {"item": ..., "reason": ...}}`.
public enum Append: Hashable, JSONValue, Sendable {
    case evidence(EvidenceItem)
    case note(ProgressNote)
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

    public func write(to w: inout JSONWriter) { form.write(to: &w) }

    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        guard let append = Append(try Form(reading: &r)) else { throw FastJSONUnsupported() }
        self = append
    }

    public init(from decoder: any Decoder) throws {
        guard try Form.membersPresent(in: decoder) == 1, let append = Append(try Form(from: decoder)) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "an append has exactly one of the keys evidence, note or retract"))
        }
        self = append
    }

    public func encode(to encoder: any Encoder) throws { try form.encode(to: encoder) }
}

/// A local edit as an agent records it and the hub applies it: atomically, once.
///
/// `set` is keyed by field name (see ``Field``); a name the hub does not know rejects the
/// change with a reason rather than failing the whole batch.
public struct Change: Hashable, JSONRecord, Sendable, Identifiable {
    /// Chosen by the agent; the hub answers a repeated id with its stored result.
    public var id: UUID
    public var action: ActionAddress
    /// The hub revision the agent's view was based on (informational; the merge compares
    /// each field's `from` with the hub's value).
    public var baseRevision: Int64
    /// Creates the action (admins only). `set` holds its initial fields.
    public var create: Bool
    public var set: [String: FieldChange]
    public var append: [Append]
    /// Why: required when a target date moves; the rationale of a conflict resolution.
    public var reason: String?
    /// The agency's clock when the edit was made: informational only.
    public var madeAt: Timestamp?

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
