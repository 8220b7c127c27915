import ConcordCodec

/// The value of one scalar field of an action, as it travels in a change: JSON `null`, a
/// string (text, a date `YYYY-MM-DD`, an agency id, a rating id), a boolean, or a list of
/// strings (supporting agencies).
public enum FieldValue: Hashable, Sendable, JSONValue, CustomStringConvertible {
    /// No value: the field is cleared or was never set.
    case null
    /// Text, a date `YYYY-MM-DD`, an agency id or a rating id.
    case text(String)
    /// True or false (`archived`).
    case flag(Bool)
    /// A list of strings: supporting agencies' ids.
    case list([String])

    /// Decodes JSON `null`, a boolean, a string or a list of strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .flag(b)
        } else if let s = try? c.decode(String.self) {
            self = .text(s)
        } else if let l = try? c.decode([String].self) {
            self = .list(l)
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "a field value must be null, a string, true/false or a list of strings")
        }
    }

    /// Encodes the matching JSON value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .text(let s): try c.encode(s)
        case .flag(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        }
    }

    /// Writes the matching JSON value with the fast writer.
    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.raw("null")
        case .text(let s): w.string(s)
        case .flag(let b): w.bool(b)
        case .list(let l): l.write(to: &w)
        }
    }

    /// Reads a value with the fast reader.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        switch try r.peekByte() {
        case UInt8(ascii: "n"):
            _ = try r.null()
            self = .null
        case UInt8(ascii: "\""): self = .text(try r.string())
        case UInt8(ascii: "["): self = .list(try [String](reading: &r))
        default: self = .flag(try r.bool())
        }
    }

    /// A short, text-free rendering for messages and logs: never the content of free text.
    public var shape: String {
        switch self {
        case .null: "null"
        case .text(let s): "text (\(s.count) characters)"
        case .flag(let b): b ? "true" : "false"
        case .list(let l): "list of \(l.count)"
        }
    }

    /// The value itself, a list joined by `;`: may hold free text, so not for logs (see `shape`).
    public var description: String {
        switch self {
        case .null: "null"
        case .text(let s): s
        case .flag(let b): b ? "true" : "false"
        case .list(let l): l.joined(separator: ";")
        }
    }
}

/// The scalar fields of an action. Each is merged on its own.
public enum Field: String, CaseIterable, JSONStringValue, Sendable, Comparable, CustomStringConvertible {
    /// The action as agreed: "Escalation policy included in all multi-agency training". Required.
    case title
    /// The finding or recommendation of the review the action answers.
    case recommendation
    /// More detail on what the action involves.
    case description
    /// The agency that leads the action. Required.
    case ownerAgency
    /// Agencies that support the action; they may update it too.
    case supportingAgencies
    /// The lead officer, as a role: "Head of Service Assessment".
    case leadOfficer
    /// When the action is due; a move needs a reason and is kept in its history.
    case targetDate
    /// The outcome that shows the action worked.
    case successMeasure
    /// The action's rating id in its plan's RAG scheme.
    case rag
    /// A summary of progress so far.
    case progress
    /// The date the action was completed.
    case completedOn
    /// The partnership's sign-off: who signed it off and where ("Partnership Board, 12 March 2026").
    case signOff
    /// The action is archived: kept, but no longer current.
    case archived

    /// What values the field holds.
    public enum Kind: Hashable, Sendable {
        /// Free text of at most `maxLength` characters.
        case text(maxLength: Int)
        /// A date, `YYYY-MM-DD`.
        case date
        /// One agency id.
        case agency
        /// A list of agency ids.
        case agencyList
        /// A rating id of the plan's scheme.
        case rating
        /// True or false.
        case flag
    }

    /// What values the field holds, with the longest text it takes.
    public var kind: Kind {
        switch self {
        case .title: .text(maxLength: 1000)
        case .recommendation: .text(maxLength: 2000)
        case .description, .progress: .text(maxLength: 8000)
        case .successMeasure: .text(maxLength: 2000)
        case .leadOfficer: .text(maxLength: 200)
        case .signOff: .text(maxLength: 500)
        case .ownerAgency: .agency
        case .supportingAgencies: .agencyList
        case .targetDate, .completedOn: .date
        case .rag: .rating
        case .archived: .flag
        }
    }

    /// Fields that may never be null: every action has a title and a lead agency.
    public var isRequired: Bool { self == .title || self == .ownerAgency }

    /// Fields only the partnership's business unit (an admin) may change: the wording agreed
    /// by the partnership, re-assignment, sign-off and archiving.
    public var isAdminOnly: Bool {
        switch self {
        case .title, .recommendation, .ownerAgency, .supportingAgencies, .signOff, .archived: true
        default: false
        }
    }

    /// The value that means "not set".
    public var emptyValue: FieldValue {
        switch kind {
        case .flag: .flag(false)
        case .agencyList: .list([])
        default: .null
        }
    }

    /// The canonical form of a value, so equal meanings compare equal: empty text is null,
    /// a null list or flag is empty, agency lists are sorted and without repeats.
    public func normalize(_ value: FieldValue) -> FieldValue {
        switch (kind, value) {
        case (_, .null): return emptyValue
        case (.text, .text(let s)) where s.isEmpty: return .null
        case (.date, .text(let s)) where s.isEmpty: return .null
        case (.rating, .text(let s)) where s.isEmpty: return .null
        case (.agencyList, .list(let l)): return .list(Array(Set(l)).sorted())
        default: return value
        }
    }

    /// The field's name as in JSON, e.g. `targetDate`.
    public var description: String { rawValue }

    /// Declaration order: `title` first, `archived` last.
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
