/// What a partnership does with each kind of identifying detail (issue 14): `block` refuses
/// the edit before it is queued, `flag` accepts it and shows it, `off` ignores it.
public enum ScreeningAction: String, Sendable, Hashable, CaseIterable {
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
    /// The free text a change carries, each with the name a finding gives it: the text
    /// fields it sets, the evidence, notes and retractions it appends, and its reason.
    public static func texts(of change: Change) -> [(field: String, text: String)] {
        var texts: [(String, String)] = []
        let free: Set<String> = [
            Field.title.rawValue, Field.recommendation.rawValue, Field.description.rawValue,
            Field.leadOfficer.rawValue, Field.successMeasure.rawValue, Field.progress.rawValue, Field.signOff.rawValue,
        ]
        for (name, edit) in change.set.sorted(by: { $0.key < $1.key }) where free.contains(name) {
            if case .text(let text) = edit.to { texts.append((name, text)) }
        }
        for append in change.append {
            switch append {
            case .evidence(let item):
                texts.append(("evidence.summary", item.summary))
                if let reference = item.reference { texts.append(("evidence.reference", reference)) }
            case .note(let note):
                texts.append(("note", note.text))
                if let reference = note.reference { texts.append(("note.reference", reference)) }
            case .retract(let retraction):
                texts.append(("retraction.reason", retraction.reason))
            }
        }
        if let reason = change.reason { texts.append(("reason", reason)) }
        return texts
    }

    /// Screens every free text of `change` under `policy`.
    public func screen(_ change: Change, policy: ScreeningPolicy) -> ScreeningResult {
        var result = ScreeningResult(blocked: [], flagged: [])
        for (field, text) in Self.texts(of: change) {
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
