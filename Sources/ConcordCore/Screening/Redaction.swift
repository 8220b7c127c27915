/// Redaction (issue 14): an admin replaces identifying details already stored with
/// `[redacted: KIND]`, in every copy the hub keeps — the record, each change of its trail
/// (what the agency sent, `from` values included) and its conflicts. The free texts are
/// named as ``Screener/texts(of:)`` names them, so a finding's field is what a redaction
/// names.
extension Screener {
    /// What replaces a redacted detail.
    public static func marker(_ kind: IdentifierKind) -> String { "[redacted: \(kind.rawValue)]" }

    /// `text` with every finding of `kinds` replaced by its marker; `nil` when there is none.
    public func redacting(_ text: String, kinds: Set<IdentifierKind>) -> String? {
        let found = findings(in: text, field: "").filter { kinds.contains($0.kind) }
        guard !found.isEmpty else { return nil }
        let chars = Array(text)
        var out = ""
        var at = 0
        for finding in found {
            let end = finding.start + finding.length
            // A finding that overlaps the one before widens what that marker covers.
            if finding.start >= at {
                out += String(chars[at..<finding.start])
                out += Self.marker(finding.kind)
            }
            at = max(at, end)
        }
        out += String(chars[at...])
        return out
    }

    /// Redacts `text` in place if its name is `field`; `true` when it changed.
    func redact(_ text: inout String, named name: String, field: String, kinds: Set<IdentifierKind>) -> Bool {
        guard name == field, let redacted = redacting(text, kinds: kinds) else { return false }
        text = redacted
        return true
    }

    func redact(_ text: inout String?, named name: String, field: String, kinds: Set<IdentifierKind>) -> Bool {
        guard var value = text, redact(&value, named: name, field: field, kinds: kinds) else { return false }
        text = value
        return true
    }

    func redact(_ value: inout FieldValue, named name: String, field: String, kinds: Set<IdentifierKind>) -> Bool {
        guard case .text(var text) = value, redact(&text, named: name, field: field, kinds: kinds) else { return false }
        value = .text(text)
        return true
    }

    /// The change with the `kinds` found in its text named `field` redacted (its `from`
    /// values too); `nil` when nothing was found.
    public func redacting(_ change: Change, field: String, kinds: Set<IdentifierKind>) -> Change? {
        var out = change
        var changed = false
        for name in out.set.keys where Screener.freeTextFields.contains(name) {
            guard var edit = out.set[name] else { continue }
            let to = redact(&edit.to, named: name, field: field, kinds: kinds)
            let from = redact(&edit.from, named: name, field: field, kinds: kinds)
            if to || from {
                out.set[name] = edit
                changed = true
            }
        }
        for i in out.append.indices {
            switch out.append[i] {
            case .evidence(var item):
                let a = redact(&item.summary, named: "evidence.summary", field: field, kinds: kinds)
                let b = redact(&item.reference, named: "evidence.reference", field: field, kinds: kinds)
                let c = redact(&item.retraction, field: field, kinds: kinds)
                if a || b || c { out.append[i] = .evidence(item) }
                changed = changed || a || b || c
            case .note(var note):
                let a = redact(&note.text, named: "note", field: field, kinds: kinds)
                let b = redact(&note.reference, named: "note.reference", field: field, kinds: kinds)
                let c = redact(&note.retraction, field: field, kinds: kinds)
                if a || b || c { out.append[i] = .note(note) }
                changed = changed || a || b || c
            case .retract(var retraction):
                if redact(&retraction.reason, named: "retraction.reason", field: field, kinds: kinds) {
                    out.append[i] = .retract(retraction)
                    changed = true
                }
            }
        }
        if redact(&out.reason, named: "reason", field: field, kinds: kinds) { changed = true }
        return changed ? out : nil
    }

    /// The record with the `kinds` found in its text named `field` redacted (a target
    /// date's reason is `reason`, as the change that moved it named it); `nil` when nothing
    /// was found. The revision is not changed here.
    public func redacting(_ action: Action, field: String, kinds: Set<IdentifierKind>) -> Action? {
        var out = action
        var changed = false
        func text(_ path: WritableKeyPath<Action, String>, _ name: Field) {
            if redact(&out[keyPath: path], named: name.rawValue, field: field, kinds: kinds) { changed = true }
        }
        func optional(_ path: WritableKeyPath<Action, String?>, _ name: Field) {
            if redact(&out[keyPath: path], named: name.rawValue, field: field, kinds: kinds) { changed = true }
        }
        text(\.title, .title)
        optional(\.recommendation, .recommendation)
        optional(\.description, .description)
        optional(\.leadOfficer, .leadOfficer)
        optional(\.successMeasure, .successMeasure)
        optional(\.progress, .progress)
        optional(\.signOff, .signOff)
        for i in out.evidence.indices {
            if redact(&out.evidence[i].summary, named: "evidence.summary", field: field, kinds: kinds) {
                changed = true
            }
            if redact(&out.evidence[i].reference, named: "evidence.reference", field: field, kinds: kinds) {
                changed = true
            }
            if redact(&out.evidence[i].retraction, field: field, kinds: kinds) { changed = true }
        }
        for i in out.notes.indices {
            if redact(&out.notes[i].text, named: "note", field: field, kinds: kinds) { changed = true }
            if redact(&out.notes[i].reference, named: "note.reference", field: field, kinds: kinds) { changed = true }
            if redact(&out.notes[i].retraction, field: field, kinds: kinds) { changed = true }
        }
        for i in out.targetDateHistory.indices {
            if redact(&out.targetDateHistory[i].reason, named: "reason", field: field, kinds: kinds) { changed = true }
        }
        return changed ? out : nil
    }

    func redact(_ retraction: inout Retraction?, field: String, kinds: Set<IdentifierKind>) -> Bool {
        guard var r = retraction, redact(&r.reason, named: "retraction.reason", field: field, kinds: kinds) else {
            return false
        }
        retraction = r
        return true
    }

    /// A field value of `field` with the `kinds` redacted (a conflict's base, hub or
    /// incoming value); `nil` when nothing was found.
    public func redacting(
        _ value: FieldValue, of name: String, field: String, kinds: Set<IdentifierKind>
    )
        -> FieldValue?
    {
        var out = value
        return redact(&out, named: name, field: field, kinds: kinds) ? out : nil
    }

    /// How many redaction markers a record's texts hold: a record pulled with more than the
    /// copy kept was redacted at the hub.
    public static func redactionMarkers(in action: Action) -> Int {
        texts(of: action).reduce(0) { $0 + redactionMarkers(in: $1.text) }
    }

    /// How many redaction markers a value holds (none unless it is text).
    public static func redactionMarkers(in value: FieldValue) -> Int {
        guard case .text(let text) = value else { return 0 }
        return redactionMarkers(in: text)
    }

    static func redactionMarkers(in text: String) -> Int {
        text.split(separator: "[redacted: ", omittingEmptySubsequences: false).count - 1
    }

    /// Every free text of a record, named as a change names it.
    public static func texts(of action: Action) -> [(field: String, text: String)] {
        var texts: [(String, String)] = [(Field.title.rawValue, action.title)]
        let optional: [(Field, String?)] = [
            (.recommendation, action.recommendation), (.description, action.description),
            (.leadOfficer, action.leadOfficer), (.successMeasure, action.successMeasure), (.progress, action.progress),
            (.signOff, action.signOff),
        ]
        for case let (field, text?) in optional { texts.append((field.rawValue, text)) }
        for item in action.evidence {
            texts.append(("evidence.summary", item.summary))
            if let reference = item.reference { texts.append(("evidence.reference", reference)) }
            if let retraction = item.retraction { texts.append(("retraction.reason", retraction.reason)) }
        }
        for note in action.notes {
            texts.append(("note", note.text))
            if let reference = note.reference { texts.append(("note.reference", reference)) }
            if let retraction = note.retraction { texts.append(("retraction.reason", retraction.reason)) }
        }
        for move in action.targetDateHistory { texts.append(("reason", move.reason)) }
        return texts
    }
}
