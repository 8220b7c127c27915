/// The kinds of identifying detail that must not be typed into a plan (issue 14): a plan is
/// published and emailed, so children's identities stay out of it.
public enum IdentifierKind: String, CaseIterable, Sendable, Hashable, Codable {
    /// A valid NHS number: 10 digits (3-3-4 or run together) passing the modulus 11 check.
    case nhsNumber = "nhs-number"
    /// A date next to "DOB", "d.o.b.", "born" or "date of birth".
    case dateOfBirth = "date-of-birth"
    /// A full UK unit postcode ("LS1 4AP").
    case postcode
    /// A UK telephone number ("07700 900123", "+44 20 7946 0018").
    case phone
    /// An e-mail address.
    case email
    /// A name the plan lists as protected (a child's name).
    case protectedName = "protected-name"

    /// How a person says it: "an NHS number".
    public var words: String {
        switch self {
        case .nhsNumber: "an NHS number"
        case .dateOfBirth: "a date of birth"
        case .postcode: "a postcode"
        case .phone: "a phone number"
        case .email: "an e-mail address"
        case .protectedName: "a protected name"
        }
    }
}

/// One identifying detail found in a text: what, where (the field), and which characters.
public struct Finding: Hashable, Sendable, CustomStringConvertible {
    /// What was found.
    public var kind: IdentifierKind
    /// The field or item it is in: `progress`, `evidence.summary`, `note`, `reason`.
    public var field: String
    /// The first character's offset in the text (in characters, as a person counts them).
    public var start: Int
    /// How many characters.
    public var length: Int

    /// A finding.
    public init(kind: IdentifierKind, field: String, start: Int, length: Int) {
        self.kind = kind
        self.field = field
        self.start = start
        self.length = length
    }

    /// "an NHS number in progress at characters 22–33".
    public var description: String {
        "\(kind.words) in \(field) at characters \(start + 1)–\(start + length)"
    }
}

/// How a screener asks whether words are a protected name, without knowing the names: the
/// plan's names are kept as digests (``ProtectedNames`` in ConcordScreening answers these).
/// Both are given a name's key as UTF-8: its words lower-cased, one space apart.
public struct NameMatcher: Sendable {
    /// Whether a word can begin a protected name: asked of every word, so it must be cheap;
    /// it may say yes wrongly, never no wrongly.
    public var mayBegin: @Sendable (ArraySlice<UInt8>) -> Bool
    /// Whether one to three words are a protected name.
    public var isProtected: @Sendable (ArraySlice<UInt8>) -> Bool

    /// A matcher with these answers.
    public init(
        mayBegin: @escaping @Sendable (ArraySlice<UInt8>) -> Bool,
        isProtected: @escaping @Sendable (ArraySlice<UInt8>) -> Bool
    ) {
        self.mayBegin = mayBegin
        self.isProtected = isProtected
    }
}

/// Finds identifying details in free text. Pure and deterministic; it never returns the text
/// it found, only where it is, so a finding can be logged and shown without spreading it.
public struct Screener: Sendable {
    /// How protected names are recognised; `nil`: the plan protects none.
    public var names: NameMatcher?
    /// This year, for "an age-like past date next to a name": a date in one of the 18 years
    /// before it, right beside a protected name, is a date of birth. `nil`: not looked for
    /// (the merge sets it from its hub or agent time).
    public var year: Int?

    /// A screener; with no protected names by default.
    public init(names: NameMatcher? = nil, year: Int? = nil) {
        self.names = names
        self.year = year
    }

    /// A screener whose protected names are the keys `isProtected` accepts (for tests and
    /// tools: every word is a candidate).
    public init(isProtected: @escaping @Sendable (String) -> Bool) {
        names = NameMatcher(
            mayBegin: { _ in true }, isProtected: { isProtected(String(decoding: $0, as: UTF8.self)) })
    }

    /// Every finding in `text`, in order of where it starts.
    public func findings(in text: String, field: String) -> [Finding] {
        // Most text holds nothing to look at twice: no digit, no "@", no birth word, no name.
        let scanned = Scanned(text)
        var found: [Finding] = []
        func add(_ kind: IdentifierKind, _ range: Range<Int>) {
            found.append(Finding(kind: kind, field: field, start: range.lowerBound, length: range.count))
        }
        let c = scanned.c
        if scanned.hasDigit {
            let numbers = Self.digitRuns(c)
            var nhsRanges: [Range<Int>] = []
            for run in numbers {
                for range in run.nhsNumbers {
                    nhsRanges.append(range)
                    add(.nhsNumber, range)
                }
            }
            for run in numbers where !nhsRanges.contains(where: { $0.overlaps(run.range) }) {
                if Self.isPhone(run, in: c) { add(.phone, Self.phoneRange(run, in: c)) }
            }
            for range in Self.postcodes(c) { add(.postcode, range) }
            for range in Self.datesOfBirth(c) { add(.dateOfBirth, range) }
        }
        if scanned.hasAt {
            for range in Self.emails(c) { add(.email, range) }
        }
        if let names {
            let named = Self.names(scanned, names)
            for range in named { add(.protectedName, range) }
            if let year, scanned.hasDigit, !named.isEmpty {
                for range in Self.agesNear(named, c, year: year)
                where !found.contains(where: { $0.kind == .dateOfBirth && $0.start == range.lowerBound }) {
                    add(.dateOfBirth, range)
                }
            }
        }
        return found.count < 2
            ? found : found.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
    }
}

/// A text as the detectors read it: one byte per character (as a person counts them), so
/// that a finding's offsets are characters and the scans are cheap.
struct Scanned {
    /// A character that is not ASCII and is a letter.
    static let letter: UInt8 = 0x80
    /// A character that is not ASCII and is a number.
    static let number: UInt8 = 0x81
    /// Any other character that is not ASCII.
    static let other: UInt8 = 0x82
    /// A right single quotation mark (’), an apostrophe inside a word.
    static let apostrophe: UInt8 = 0x83

    /// The text.
    let text: String
    /// Each character: its ASCII byte lower-cased, or one of the classes above.
    let c: [UInt8]
    /// The characters, when the text is not all ASCII (`nil`: each byte is a character).
    let chars: [Character]?
    /// Whether any character is an ASCII digit, or an `@`.
    let hasDigit: Bool
    let hasAt: Bool

    init(_ text: String) {
        self.text = text
        var digit = false
        var at = false
        // Most text is ASCII without a CRLF (one character of two bytes): a byte each.
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> [UInt8]? in
            var high: UInt8 = 0
            for a in bytes { high |= a }
            // Not ASCII, or it may hold a CRLF (one character of two bytes).
            guard high < 0x80, !bytes.contains(13) else { return nil }
            return [UInt8](unsafeUninitializedCapacity: bytes.count) { out, count in
                for i in 0..<bytes.count {
                    let a = bytes[i]
                    out[i] = a &- 65 < 26 ? a | 0x20 : a
                    digit = digit || a &- 48 < 10
                    at = at || a == 64
                }
                count = bytes.count
            }
        }
        if let ascii = ascii ?? nil {
            c = ascii
            chars = nil
            hasDigit = digit
            hasAt = at
            return
        }
        digit = false
        at = false
        let chars = Array(text)
        var c = [UInt8](repeating: 0, count: chars.count)
        for (i, ch) in chars.enumerated() {
            if ch.isASCII, let a = ch.asciiValue {
                c[i] = a >= 65 && a <= 90 ? a | 0x20 : a
                digit = digit || (a >= 48 && a <= 57)
                at = at || a == 64
            } else if ch == "’" {
                c[i] = Self.apostrophe
            } else {
                c[i] = ch.isLetter ? Self.letter : ch.isNumber ? Self.number : Self.other
            }
        }
        self.c = c
        self.chars = chars
        hasDigit = digit
        hasAt = at
    }

    /// The characters of `range`, as written.
    func string(_ range: Range<Int>) -> String {
        if let chars { return String(chars[range]) }
        return String(decoding: text.utf8.dropFirst(range.lowerBound).prefix(range.count), as: UTF8.self)
    }
}

/// Byte classes of ``Scanned``'s characters.
extension UInt8 {
    var isDigit: Bool { self >= 48 && self <= 57 }
    var isASCIILetter: Bool { self >= 97 && self <= 122 }
    /// A letter of any script.
    var isLetterChar: Bool { isASCIILetter || self == Scanned.letter }
    /// A letter or number of any script.
    var isAlphanumeric: Bool { isLetterChar || isDigit || self == Scanned.number }
}
