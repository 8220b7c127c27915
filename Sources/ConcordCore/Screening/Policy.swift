/// What a partnership does with each kind of identifying detail (issue 14): `block` refuses
/// the edit before it is queued, `flag` accepts it and shows it, `off` ignores it.
public enum ScreeningAction: String, Sendable, Hashable, CaseIterable, Codable {
    /// Refused, naming the kind and where.
    case block
    /// Accepted, shown to the author and listed for the business unit.
    case flag
    /// Not looked for.
    case off
}

/// A partnership's screening policy: an action per kind.
public struct ScreeningPolicy: Sendable, Hashable {
    /// The action for each kind; a kind not named takes its default.
    public var actions: [IdentifierKind: ScreeningAction]

    /// The defaults: NHS numbers, dates of birth and protected names block; postcodes,
    /// phone numbers and e-mail addresses flag (they may be a service's own).
    public static let defaults: [IdentifierKind: ScreeningAction] = [
        .nhsNumber: .block, .dateOfBirth: .block, .protectedName: .block, .postcode: .flag, .phone: .flag,
        .email: .flag,
    ]

    /// A policy; kinds not given take their defaults.
    public init(_ actions: [IdentifierKind: ScreeningAction] = [:]) {
        self.actions = Self.defaults.merging(actions) { $1 }
    }

    /// The action for a kind.
    public func action(for kind: IdentifierKind) -> ScreeningAction { actions[kind] ?? Self.defaults[kind] ?? .block }
}

/// A change's findings, split by what the policy does with them.
public struct ScreeningResult: Sendable, Hashable {
    /// Findings that refuse the change.
    public var blocked: [Finding]
    /// Findings that are shown but let the change through.
    public var flagged: [Finding]
}

extension Screener {
    /// The fields that hold free text (the others hold ids, dates, ratings and flags).
    public static let freeTextFields: Set<String> = [
        Field.title.rawValue, Field.recommendation.rawValue, Field.description.rawValue,
        Field.leadOfficer.rawValue, Field.successMeasure.rawValue, Field.progress.rawValue, Field.signOff.rawValue,
    ]

    /// The free text a change carries, each with the name a finding gives it: the text
    /// fields it sets (the values it sets them to, then the values it says it saw), the
    /// evidence, notes and retractions it appends, and its reason.
    public static func texts(of change: Change) -> [(field: String, text: String)] {
        texts(of: change) { _, _ in true }
    }

    /// The free text a change brings to `current` (the record it meets; `nil` for a new
    /// action): as ``texts(of:)``, without a value a field already holds (keeping it brings
    /// nothing new, and a record from before a policy must stay editable) and without `from`
    /// values (what the agency saw: the hub redacts them, ``ScreeningRules/redactingFrom(_:against:)``).
    public static func newTexts(of change: Change, against current: Action?) -> [(field: String, text: String)] {
        texts(of: change, froms: false) { field, value in
            guard let current, let field = Field(rawValue: field) else { return true }
            return field.normalize(value) != current.value(of: field)
        }
    }

    static func texts(
        of change: Change, froms: Bool = true, keeping isNew: (String, FieldValue) -> Bool
    ) -> [(field: String, text: String)] {
        var texts: [(String, String)] = []
        for (name, edit) in change.set.sorted(by: { $0.key < $1.key }) where freeTextFields.contains(name) {
            if case .text(let text) = edit.to, isNew(name, edit.to) { texts.append((name, text)) }
            if froms, case .text(let text) = edit.from, edit.from != edit.to { texts.append((name, text)) }
        }
        for append in change.append {
            switch append {
            case .evidence(let item):
                texts.append(("evidence.summary", item.summary))
                if let reference = item.reference { texts.append(("evidence.reference", reference)) }
                // A client may send one; the merge drops it, the trail keeps the change as sent.
                if let retraction = item.retraction { texts.append(("retraction.reason", retraction.reason)) }
            case .note(let note):
                texts.append(("note", note.text))
                if let reference = note.reference { texts.append(("note.reference", reference)) }
                if let retraction = note.retraction { texts.append(("retraction.reason", retraction.reason)) }
            case .retract(let retraction):
                texts.append(("retraction.reason", retraction.reason))
            }
        }
        if let reason = change.reason { texts.append(("reason", reason)) }
        return texts
    }

    /// Screens every free text of `change` under `policy`.
    public func screen(_ change: Change, policy: ScreeningPolicy) -> ScreeningResult {
        screen(Self.texts(of: change), policy: policy)
    }

    /// Screens `texts` under `policy`.
    public func screen(_ texts: [(field: String, text: String)], policy: ScreeningPolicy) -> ScreeningResult {
        var result = ScreeningResult(blocked: [], flagged: [])
        for (field, text) in texts {
            for finding in findings(in: text, field: field) {
                switch policy.action(for: finding.kind) {
                case .block: result.blocked.append(finding)
                case .flag: result.flagged.append(finding)
                case .off: break
                }
            }
        }
        return result
    }
}

/// What the merge screens with: the partnership's policy and a screener that knows the
/// plan's protected names.
public struct ScreeningRules: Sendable {
    /// What each kind does.
    public var policy: ScreeningPolicy
    /// What is looked for.
    public var screener: Screener

    /// Rules of `policy`, with `screener` (by default one that knows no protected names).
    public init(policy: ScreeningPolicy = ScreeningPolicy(), screener: Screener = Screener()) {
        self.policy = policy
        self.screener = screener
    }

    /// Screens every free text of `change`.
    public func screen(_ change: Change) -> ScreeningResult { screener.screen(change, policy: policy) }

    /// The change with what the policy blocks redacted in each `from` value that is not the
    /// value stored: what an agency says it saw is kept in the trail and, in a conflict, as
    /// its base; an old copy (from before a redaction) or a hostile client's must not bring a
    /// detail back. The merge then compares the redacted value: an edit made from a copy
    /// taken before a redaction meets the redacted record as unchanged.
    public func redactingFrom(_ change: Change, against current: Action?) -> Change {
        let kinds = Set(IdentifierKind.allCases.filter { policy.action(for: $0) == .block })
        guard !kinds.isEmpty else { return change }
        var out = change
        for (name, edit) in change.set where Screener.freeTextFields.contains(name) {
            guard case .text(let text) = edit.from, let field = Field(rawValue: name),
                current.map({ field.normalize(edit.from) != $0.value(of: field) }) ?? true,
                let redacted = screener.redacting(text, kinds: kinds)
            else { continue }
            out.set[name]?.from = .text(redacted)
        }
        return out
    }

    /// Screens the free text `change` brings to `current` (``Screener/newTexts(of:against:)``).
    public func screen(_ change: Change, against current: Action?) -> ScreeningResult {
        screener.screen(Screener.newTexts(of: change, against: current), policy: policy)
    }
}

extension Finding {
    /// The finding as the merge reports it: a violation that refuses the change (`blocked`)
    /// or a flag the author and the business unit see. It names the kind and the characters,
    /// never the text.
    public func violation(of action: ActionAddress, blocked: Bool) -> Violation {
        let message =
            blocked
            ? "contains \(kind.words) at characters \(start + 1)–\(start + length); the partnership keeps \(kind.plural) out of plans: remove it (identifier screening)"
            : "contains \(kind.words) at characters \(start + 1)–\(start + length): check it identifies no child or family (flagged by identifier screening)"
        return Violation(action: action, field: field, rule: .identifyingDetail, message: message)
    }
}

extension IdentifierKind {
    /// "NHS numbers".
    public var plural: String {
        switch self {
        case .nhsNumber: "NHS numbers"
        case .dateOfBirth: "dates of birth"
        case .postcode: "postcodes"
        case .phone: "phone numbers"
        case .email: "e-mail addresses"
        case .protectedName: "protected names"
        }
    }
}

extension ScreeningPolicy {
    /// A policy from its written form, `{"nhs-number": "block", "postcode": "flag"}` (the
    /// hub config's `screening` and what agents are sent); kinds not named take their defaults.
    public init(settings: [String: String]) throws(ScreeningPolicyError) {
        var actions: [IdentifierKind: ScreeningAction] = [:]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            guard let kind = IdentifierKind(rawValue: key) else {
                let kinds = IdentifierKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ScreeningPolicyError(
                    "screening: '\(FieldRules.shown(key))' is not a kind of identifying detail (one of: \(kinds))")
            }
            guard let action = ScreeningAction(rawValue: value) else {
                throw ScreeningPolicyError(
                    "screening: \(key) is '\(FieldRules.shown(value))'; use block, flag or off")
            }
            actions[kind] = action
        }
        self.init(actions)
    }

    /// A policy from a hub's written form, read by an agent: a kind or an action it does
    /// not know (a newer hub's) is left out, and the rest is kept (not the defaults instead).
    public init(known settings: [String: String]) {
        var actions: [IdentifierKind: ScreeningAction] = [:]
        for (key, value) in settings {
            if let kind = IdentifierKind(rawValue: key), let action = ScreeningAction(rawValue: value) {
                actions[kind] = action
            }
        }
        self.init(actions)
    }

    /// The written form: every kind with its action.
    public var settings: [String: String] {
        Dictionary(uniqueKeysWithValues: IdentifierKind.allCases.map { ($0.rawValue, action(for: $0).rawValue) })
    }
}

/// A screening policy that cannot be read, said so that the operator can fix it.
public struct ScreeningPolicyError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}
