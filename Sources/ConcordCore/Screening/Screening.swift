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

/// Finds identifying details in free text. Pure and deterministic; it never returns the text
/// it found, only where it is, so a finding can be logged and shown without spreading it.
public struct Screener: Sendable {
    /// Whether a word or run of words (as ``nameKey(_:)`` writes it) is a protected name;
    /// the names are kept hashed and answer through this. `nil`: the plan protects none.
    public var isProtected: (@Sendable (String) -> Bool)?

    /// A screener; with no protected names by default.
    public init(isProtected: (@Sendable (String) -> Bool)? = nil) {
        self.isProtected = isProtected
    }

    /// Every finding in `text`, in order of where it starts.
    public func findings(in text: String, field: String) -> [Finding] {
        let chars = Array(text)
        var found: [Finding] = []
        func add(_ kind: IdentifierKind, _ range: Range<Int>) {
            found.append(Finding(kind: kind, field: field, start: range.lowerBound, length: range.count))
        }
        let numbers = Self.digitRuns(chars)
        var nhsRanges: [Range<Int>] = []
        for run in numbers {
            for range in run.nhsNumbers {
                nhsRanges.append(range)
                add(.nhsNumber, range)
            }
        }
        for run in numbers where !nhsRanges.contains(where: { $0.overlaps(run.range) }) {
            if Self.isPhone(run, in: chars) { add(.phone, Self.phoneRange(run, in: chars)) }
        }
        for range in Self.postcodes(chars) { add(.postcode, range) }
        for range in Self.emails(chars) { add(.email, range) }
        for range in Self.datesOfBirth(chars) { add(.dateOfBirth, range) }
        if let isProtected {
            for range in Self.names(chars, isProtected) { add(.protectedName, range) }
        }
        return found.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
    }
}
