import ConcordCodec

/// A broken rule, naming the action, the field and the rule, with a message that says what
/// to do. Messages never quote the text of an action (they may be logged).
public struct Violation: Error, Hashable, JSONRecord, Sendable, CustomStringConvertible {
    /// The rules, with stable codes for scripts and tests.
    public enum Rule: String, JSONStringValue, Sendable, CaseIterable {
        /// The change sets no field and appends nothing.
        case emptyChange
        /// The change sets a field name the hub does not know.
        case unknownField
        /// A viewer tried to change something; viewers edit nothing.
        case readOnlyRole
        /// The agency neither leads nor supports the action (or no longer partners in the plan).
        case notPartner
        /// Only an admin (the business unit) may create actions or change this field.
        case adminOnly
        /// The action is archived; an agency may not edit it until an admin restores it.
        case archived
        /// The action, or its plan, does not exist.
        case notFound
        /// An action created again with other values (refs are never reused), or a change id another agency used.
        case alreadyExists
        /// A value of the wrong kind for its field, or a malformed agency id.
        case invalidValue
        /// A required field or text is empty.
        case required
        /// Text, a list, an action's items or a change is over its limit.
        case tooLong
        /// Text holds a control character or a bidirectional text control.
        case controlCharacters
        /// A date is not `YYYY-MM-DD`.
        case invalidDate
        /// A rating is not one of the plan's scheme.
        case unknownRating
        /// An agency id is not a member of the partnership.
        case unknownAgency
        /// The rating needs at least one live evidence item.
        case requiresEvidence
        /// The rating needs the partnership's sign-off.
        case requiresSignOff
        /// A set target date moves without a reason.
        case targetDateNeedsReason
        /// A retraction names no evidence item or note of the action.
        case itemNotFound
        /// Only the item's author or an admin may retract it.
        case notItemAuthor
        /// The hub refused the change as sent (too large, unreadable); said by the agent.
        case refusedByHub
        /// Free text holds an identifying detail (an NHS number, a date of birth, a protected
        /// name...) the partnership's screening policy blocks; as a flag, one it lets through
        /// but shows (issue 14). The message names the kind and the characters, never the text.
        case identifyingDetail
    }

    /// The action the change named.
    public var action: ActionAddress
    /// A field name, `evidence`, `notes`, `reason`, or `nil` for the action as a whole.
    public var field: String?
    /// Which rule broke: a stable code for scripts.
    public var rule: Rule
    /// What is wrong and what to do, safe to log (it never quotes the action's text).
    public var message: String

    /// A violation of `rule`; `field` is `nil` for the action as a whole.
    public init(action: ActionAddress, field: String?, rule: Rule, message: String) {
        self.action = action
        self.field = field
        self.rule = rule
        self.message = message
    }

    /// `action child-m/1.1, field rag: ... (rule requiresEvidence)`
    public var description: String {
        "action \(action)\(field.map { ", field \($0)" } ?? ""): \(message) (rule \(rule.rawValue))"
    }
}

extension Violation {
    /// The JSON form: `field` optional, the rest required.
    public static let shape = Shape<Violation>(
        blank: Violation(
            action: ActionAddress(plan: .unset, ref: .unset), field: nil, rule: .invalidValue, message: ""),
        [Member("action", \.action), Member("field", \.field), Member("rule", \.rule), Member("message", \.message)])
}

/// Checks of single values against their field, the plan's scheme and the partnership's agencies:
/// the limits and checks shared by the merge, CSV import and the agent.
public enum FieldRules {
    /// Longest reason accepted for a change, a retraction or a target-date move.
    public static let maxReasonLength = 2000
    /// Longest evidence summary or note.
    public static let maxItemTextLength = 8000
    /// Longest reference (document id or URL) of an item.
    public static let maxReferenceLength = 2000
    /// Most evidence items and notes together on one action (a weekly note for ten years).
    public static let maxItemsPerAction = 1000
    /// Most items one change may append or retract.
    public static let maxAppendsPerChange = 100
    /// Most problems reported for one change: the first ones say what to fix.
    public static let maxViolationsPerChange = 10

    /// The problem with setting `field` to `value`, or `nil` when the value is acceptable.
    public static func check(
        _ field: Field, _ raw: FieldValue, action: ActionAddress, scheme: RAGScheme, knownAgencies: Set<AgencyID>?
    ) -> Violation? {
        let value = field.normalize(raw)
        func fail(_ rule: Violation.Rule, _ message: String) -> Violation {
            Violation(action: action, field: field.rawValue, rule: rule, message: message)
        }
        if field.isRequired, value == .null {
            return fail(.required, "\(field) cannot be empty")
        }
        func checkAgency(_ s: String) -> Violation? {
            guard let id = try? AgencyID(s) else {
                return fail(
                    .invalidValue, "'\(shown(s))' is not an agency id (lower-case letters, digits, hyphens)")
            }
            if let knownAgencies, !knownAgencies.contains(id) {
                return fail(.unknownAgency, "agency '\(id)' is not a member of the partnership")
            }
            return nil
        }
        switch (field.kind, value) {
        case (.text, .null), (.date, .null), (.rating, .null):
            return nil
        case (.text(let max), .text(let s)):
            return checkText(s, max: max, action: action, field: field.rawValue)
        case (.date, .text(let s)):
            return LocalDate(s) == nil ? fail(.invalidDate, "'\(shown(s))' is not a date: write YYYY-MM-DD") : nil
        case (.rating, .text(let s)):
            guard scheme.rating(s) != nil else {
                let ids = scheme.ratings.map(\.id).joined(separator: ", ")
                return fail(
                    .unknownRating, "'\(shown(s))' is not a rating of scheme \(scheme.id) (use one of: \(ids))")
            }
            return nil
        case (.agency, .text(let s)):
            return checkAgency(s)
        case (.agencyList, .list(let l)):
            return l.lazy.compactMap(checkAgency).first
        case (.flag, .flag):
            return nil
        default:
            let expected =
                switch field.kind {
                case .text, .rating, .date, .agency: "a string or null"
                case .agencyList: "a list of agency ids"
                case .flag: "true or false"
                }
            return fail(.invalidValue, "expected \(expected), got \(value.shape)")
        }
    }

    /// Length and character checks for free text: at most `max` characters; no control
    /// characters other than tab and line feed (no carriage return, no C1 controls), and no
    /// bidirectional embedding, override or isolate controls, which can make a terminal or a
    /// report show text other than what is stored.
    public static func checkText(_ s: String, max: Int, action: ActionAddress, field: String) -> Violation? {
        checkCharacters(s, max: max, action: action, field: field, refuse: isRefusedInText)
    }

    /// What text refuses now: C0 controls but tab and line feed, DEL, C1, bidi controls.
    static func isRefusedInText(_ v: UInt32) -> Bool {
        (v < 0x20 && v != 0x09 && v != 0x0A) || (v >= 0x7F && v <= 0x9F) || isBidiControl(v)
    }

    /// What text has always refused (so no stored value holds it): C0 controls but tab, line
    /// feed and carriage return, and DEL.
    static func wasAlwaysRefused(_ v: UInt32) -> Bool { (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F }

    /// Checks of a change's `from` (the value the agency saw): bounded like the field, and
    /// held to the same characters as any text, unless it is exactly the value stored now
    /// (`stored`, or the change is a replay: its `to` is stored): a value kept from before the
    /// stricter checks (a carriage return, a bidi control) may still be quoted, or the field
    /// could never be edited again.
    public static func checkFrom(
        _ field: Field, _ raw: FieldValue, stored: FieldValue? = nil, to: FieldValue? = nil, action: ActionAddress
    ) -> Violation? {
        let value = field.normalize(raw)
        let name = field.rawValue
        // Quoting the stored value, or replaying a change whose `to` is stored now.
        let quotesStored =
            stored.map { field.normalize($0) == value || to.map(field.normalize) == field.normalize($0) } ?? false
        let equalsStored = stored.map { field.normalize($0) == value } ?? false
        func notItsKind() -> Violation {
            Violation(
                action: action, field: name, rule: .invalidValue,
                message:
                    "its from value is not \(field.kind == .date ? "a date" : field.kind == .rating ? "a rating id" : "an agency id")"
            )
        }
        func check(_ s: String, max: Int) -> Violation? {
            // A stored value may be longer than the field's limit: a redaction's marker is
            // longer than what it replaced. Quoting it must not lock the field.
            checkCharacters(
                s, max: equalsStored ? Int.max : max, action: action, field: name, what: "its from value",
                refuse: quotesStored ? wasAlwaysRefused : isRefusedInText)
        }
        switch (field.kind, value) {
        case (_, .null): return nil
        case (.text(let max), .text(let s)): return check(s, max: max)
        case (.date, .text(let s)), (.rating, .text(let s)), (.agency, .text(let s)):
            if let v = check(s, max: 100) { return v }
            // Unless it is what is stored, a value this field could never hold is no value
            // an agency saw: it would only carry text into the trail (or a conflict's base).
            return equalsStored || Self.couldHold(field.kind, s) ? nil : notItsKind()
        case (.agencyList, .list(let l)):
            guard l.count <= maxListLength else {
                return Violation(
                    action: action, field: name, rule: .tooLong,
                    message: "its from value lists \(l.count) agencies; the limit is \(maxListLength)")
            }
            if let v = l.lazy.compactMap({ check($0, max: 100) }).first { return v }
            return equalsStored || l.allSatisfy({ Self.couldHold(.agency, $0) }) ? nil : notItsKind()
        case (.flag, .flag): return nil
        default:
            return Violation(
                action: action, field: name, rule: .invalidValue,
                message: "its from value is \(value.shape), which this field never holds")
        }
    }

    /// Whether a value could be one of a field of this kind: a date, an agency id, a rating
    /// id (letters, digits, hyphens and underscores).
    static func couldHold(_ kind: Field.Kind, _ s: String) -> Bool {
        switch kind {
        case .date: LocalDate(s) != nil
        case .agency, .agencyList: (try? AgencyID(s)) != nil
        case .rating:
            !s.isEmpty
                && s.utf8.allSatisfy {
                    ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 95
                }
        default: true
        }
    }

    /// Most agencies a list field (supporting agencies) may hold.
    public static let maxListLength = 200

    /// A name or value as a message may quote it: at most 40 characters, with control
    /// characters (and bidi controls) shown as `?`, so a message is safe to log and print;
    /// never a value that holds an identifying detail (a message is stored and sent back).
    public static func shown(_ s: String) -> String {
        guard Screener().findings(in: String(s.prefix(200)), field: "").isEmpty else {
            return "(a value holding an identifying detail)"
        }
        return String(
            String.UnicodeScalarView(
                s.unicodeScalars.prefix(40).map { scalar in
                    let v = scalar.value
                    return v < 0x20 || (v >= 0x7F && v <= 0x9F) || isBidiControl(v) ? "?" : scalar
                }))
    }

    /// Bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
    public static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    static func checkCharacters(
        _ s: String, max: Int, action: ActionAddress, field: String, what: String = "it",
        refuse: (UInt32) -> Bool
    ) -> Violation? {
        var count = 0
        for scalar in s.unicodeScalars {
            count += 1
            let v = scalar.value
            if refuse(v) {
                let kind = isBidiControl(v) ? "a bidirectional text control" : "a control character"
                return Violation(
                    action: action, field: field, rule: .controlCharacters,
                    message:
                        "\(what == "it" ? "contains" : "\(what) contains") \(kind) (U+\(String(v, radix: 16, uppercase: true))); remove it"
                )
            }
            if count > max {
                return Violation(
                    action: action, field: field, rule: .tooLong,
                    message: "\(what == "it" ? "is" : "\(what) is") longer than the limit of \(max) characters")
            }
        }
        return nil
    }

    /// The rating rules of the scheme for the record as it stands: evidence and sign-off.
    public static func ratingViolations(of action: Action, scheme: RAGScheme) -> [Violation] {
        guard let id = action.rag, let rating = scheme.rating(id) else { return [] }
        var found: [Violation] = []
        if rating.requiresEvidence, action.liveEvidence.isEmpty {
            found.append(
                Violation(
                    action: action.address, field: Field.rag.rawValue, rule: .requiresEvidence,
                    message: "rating '\(id)' needs at least one evidence item (scheme \(scheme.id)); add evidence first"
                ))
        }
        if rating.requiresSignOff, action.signOff == nil {
            found.append(
                Violation(
                    action: action.address, field: Field.rag.rawValue, rule: .requiresSignOff,
                    message:
                        "rating '\(id)' needs the partnership's sign-off (scheme \(scheme.id)); ask the business unit to sign it off"
                ))
        }
        return found
    }
}
