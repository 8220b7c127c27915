import ConcordCodec

/// An identifier that failed its format check, with the rule it broke.
public struct IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of identifier it was meant to be: `agency id`, `plan id`, `action ref`, `action address`.
    public var kind: String
    /// The rejected text (identifiers are never sensitive; truncated to 80 characters).
    public var value: String
    /// The rule, in words a person can act on.
    public var rule: String

    /// One line naming the kind, the value and the rule it broke.
    public var description: String {
        "\(kind) '\(value.prefix(80))' is not valid: \(rule)"
    }
}

/// ASCII character classes used by the identifier rules (no locale, no Unicode surprises).
enum ASCII {
    static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlnum(_ c: UInt8) -> Bool { isLower(c) || isUpper(c) || isDigit(c) }
}

/// A slug: lower-case ASCII letters, digits and single hyphens, starting with a letter or digit.
func checkSlug(_ raw: String, kind: String, maxLength: Int, mustStartWithLetter: Bool) throws(IdentifierError) {
    // Read in place (ids are checked for every record a pull brings): no copy of the bytes.
    let bytes = raw.utf8
    let count = bytes.count
    func fail(_ rule: String) -> IdentifierError { IdentifierError(kind: kind, value: raw, rule: rule) }
    guard count > 0 else { throw fail("it is empty") }
    guard count <= maxLength else { throw fail("it is longer than \(maxLength) characters") }
    if mustStartWithLetter {
        guard ASCII.isLower(bytes.first!) else { throw fail("it must start with a lower-case letter a-z") }
    }
    var i = 0
    var previous: UInt8 = 0
    for c in bytes {
        defer {
            previous = c
            i += 1
        }
        if ASCII.isLower(c) || ASCII.isDigit(c) { continue }
        if c == 0x2D, i > 0, i < count - 1, previous != 0x2D { continue }
        throw fail("use lower-case letters a-z, digits and single hyphens inside (e.g. nhs-trust)")
    }
}

/// An agency's id: `police`, `csc`, `nhs-trust`. 1–32 characters, lower-case letters, digits
/// and inner hyphens, starting with a letter.
public struct AgencyID: StringIdentifier, Comparable {
    /// The checked text, e.g. `police`.
    public let rawValue: String

    /// Checks `raw` against the rules above, throwing the rule it breaks.
    public init(_ raw: String) throws(IdentifierError) {
        try checkSlug(raw, kind: "agency id", maxLength: 32, mustStartWithLetter: true)
        rawValue = raw
    }

    /// The id as written.
    public var description: String { rawValue }
    /// Alphabetical order of the text.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension AgencyID {
    /// A placeholder (in a shape's blank value, always read over).
    public static let unset = try! AgencyID("unset")
}

/// A plan's slug: `child-m`, `children-r-s`, `improvement-2025`. 1–64 characters, lower-case
/// letters, digits and inner hyphens.
public struct PlanID: StringIdentifier, Comparable {
    /// The checked text, e.g. `child-m`.
    public let rawValue: String

    /// Checks `raw` against the rules above, throwing the rule it breaks.
    public init(_ raw: String) throws(IdentifierError) {
        try checkSlug(raw, kind: "plan id", maxLength: 64, mustStartWithLetter: false)
        rawValue = raw
    }

    /// The id as written.
    public var description: String { rawValue }
    /// Alphabetical order of the text.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension PlanID {
    /// A placeholder (in a shape's blank value, always read over).
    public static let unset = try! PlanID("unset")
}

/// An action's plan-scoped number as the review wrote it: `1.1`, `3.2`, `A5`. Never reused.
/// 1–16 characters: letters and digits in groups joined by single `.` or `-`.
/// Ordered naturally, so `1.2` < `1.10` and `A2` < `A10`.
public struct ActionRef: StringIdentifier, Comparable {
    /// The checked text, e.g. `1.1`.
    public let rawValue: String

    /// Checks `raw` against the rules above, throwing the rule it breaks.
    public init(_ raw: String) throws(IdentifierError) {
        let bytes = raw.utf8
        let count = bytes.count
        func fail(_ rule: String) -> IdentifierError { IdentifierError(kind: "action ref", value: raw, rule: rule) }
        guard count > 0 else { throw fail("it is empty") }
        guard count <= 16 else { throw fail("it is longer than 16 characters") }
        var i = 0
        var previous: UInt8 = 0
        for c in bytes {
            defer {
                previous = c
                i += 1
            }
            if ASCII.isAlnum(c) { continue }
            if c == 0x2E || c == 0x2D, i > 0, i < count - 1, ASCII.isAlnum(previous) { continue }
            throw fail("use letters and digits joined by single dots or hyphens (e.g. 1.1, 3.2, A5)")
        }
        rawValue = raw
    }

    /// The ref as written.
    public var description: String { rawValue }

    /// Natural order: runs of digits compare as numbers, everything else as text.
    public static func < (a: Self, b: Self) -> Bool {
        var i = a.rawValue.utf8.makeIterator(), j = b.rawValue.utf8.makeIterator()
        var x = i.next(), y = j.next()
        while let cx = x, let cy = y {
            if ASCII.isDigit(cx) && ASCII.isDigit(cy) {
                var nx = 0, ny = 0, lx = 0, ly = 0
                while let d = x, ASCII.isDigit(d) { nx = nx &* 10 &+ Int(d - 0x30); lx += 1; x = i.next() }
                while let d = y, ASCII.isDigit(d) { ny = ny &* 10 &+ Int(d - 0x30); ly += 1; y = j.next() }
                if nx != ny { return nx < ny }
                if lx != ly { return lx < ly }
                continue
            }
            if cx != cy { return cx < cy }
            x = i.next()
            y = j.next()
        }
        return x == nil && y != nil
    }
}

extension ActionRef {
    /// A placeholder (in a shape's blank value, always read over).
    public static let unset = try! ActionRef("0")
}

/// Where an action lives: `PLAN/REF`, e.g. `child-m/1.1`. Encoded in JSON as that string.
public struct ActionAddress: StringIdentifier, Comparable {
    /// The plan the action belongs to.
    public var plan: PlanID
    /// The action's ref within the plan.
    public var ref: ActionRef

    /// The address of action `ref` in `plan`.
    public init(plan: PlanID, ref: ActionRef) {
        self.plan = plan
        self.ref = ref
    }

    /// Parses `PLAN/REF`.
    public init(_ raw: String) throws(IdentifierError) {
        guard let slash = raw.firstIndex(of: "/") else {
            throw IdentifierError(kind: "action address", value: raw, rule: "write it as PLAN/REF, e.g. child-m/1.1")
        }
        plan = try PlanID(String(raw[..<slash]))
        ref = try ActionRef(String(raw[raw.index(after: slash)...]))
    }

    /// `PLAN/REF`, e.g. `child-m/1.1`.
    public var description: String { "\(plan.rawValue)/\(ref.rawValue)" }

    /// By plan, then by ref in natural order.
    public static func < (a: Self, b: Self) -> Bool {
        a.plan != b.plan ? a.plan < b.plan : a.ref < b.ref
    }
}

/// An identifier written in JSON as one string, checked when decoded.
public protocol StringIdentifier: JSONStringValue, Hashable, Sendable, CustomStringConvertible {
    /// Parses and checks the text form.
    init(_ raw: String) throws(IdentifierError)
}

extension StringIdentifier {
    /// The text form, as written in JSON.
    public var jsonString: String { description }
    /// Parses and checks the text form; `nil` when it breaks a rule.
    public init?(jsonString: String) { try? self.init(jsonString) }

    /// Decodes the string and checks it, failing with the rule it breaks.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(raw) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Encodes the text form as one JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
