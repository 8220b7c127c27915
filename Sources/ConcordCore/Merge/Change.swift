#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One field edit: the value the agency saw when it made the edit, and the value it wants.
public struct FieldChange: Hashable, Codable, Sendable {
    public var from: FieldValue
    public var to: FieldValue

    public init(from: FieldValue, to: FieldValue) {
        self.from = from
        self.to = to
    }

    private enum CodingKeys: String, CodingKey { case from, to }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decodeIfPresent(FieldValue.self, forKey: .from) ?? .null
        to = try c.decodeIfPresent(FieldValue.self, forKey: .to) ?? .null
    }
}

/// Withdraws an evidence item or a note, with a reason. The item stays, marked retracted.
public struct RetractItem: Hashable, Codable, Sendable {
    public var item: UUID
    public var reason: String

    public init(item: UUID, reason: String) {
        self.item = item
        self.reason = reason
    }
}

/// An addition to an action's append-only collections.
///
/// JSON: `{"evidence": {...}}`, `{"note": {...}}` or `{"retract": {"item": ..., "reason": ...}}`.
public enum Append: Hashable, Codable, Sendable {
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

    private enum CodingKeys: String, CodingKey { case evidence, note, retract }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "an append has exactly one of the keys evidence, note or retract"))
        }
        switch key {
        case .evidence: self = .evidence(try c.decode(EvidenceItem.self, forKey: .evidence))
        case .note: self = .note(try c.decode(ProgressNote.self, forKey: .note))
        case .retract: self = .retract(try c.decode(RetractItem.self, forKey: .retract))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .evidence(let e): try c.encode(e, forKey: .evidence)
        case .note(let n): try c.encode(n, forKey: .note)
        case .retract(let r): try c.encode(r, forKey: .retract)
        }
    }
}

/// A local edit as an agent records it and the hub applies it: atomically, once.
///
/// `set` is keyed by field name (see ``Field``); a name the hub does not know rejects the
/// change with a reason rather than failing the whole batch.
public struct Change: Hashable, Codable, Sendable, Identifiable {
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

    private enum CodingKeys: String, CodingKey { case id, action, baseRevision, create, set, append, reason, madeAt }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let idText = try c.decode(String.self, forKey: .id)
        guard let id = UUID(fast: idText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c, debugDescription: "'\(idText.prefix(40))' is not a UUID (8-4-4-4-12 hex digits)")
        }
        self.id = id
        action = try c.decode(ActionAddress.self, forKey: .action)
        baseRevision = try c.decodeIfPresent(Int64.self, forKey: .baseRevision) ?? 0
        create = try c.decodeIfPresent(Bool.self, forKey: .create) ?? false
        set = try c.decodeIfPresent([String: FieldChange].self, forKey: .set) ?? [:]
        append = try c.decodeIfPresent([Append].self, forKey: .append) ?? []
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        madeAt = try c.decodeIfPresent(Timestamp.self, forKey: .madeAt)
    }
}
