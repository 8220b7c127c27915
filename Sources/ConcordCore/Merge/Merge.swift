import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Applies one change to the hub's current record (`nil` when the action does not exist),
/// exactly as the hub does, and returns what happened. Pure: no clock, no I/O.
///
/// Per field: hub == `to` → nothing to do; hub == `from` → take `to`; otherwise a conflict
/// and the hub value stays. Appends are unioned by item id, so a replay changes nothing.
/// Non-conflicting fields of a conflicting change are still taken. A change that breaks a
/// rule is rejected whole.
public func merge(_ change: Change, into current: Action?, context: MergeContext) -> MergeResult {
    var merger = Merger(change: change, current: current, context: context)
    return merger.run()
}

private struct Merger {
    let change: Change
    let current: Action?
    let context: MergeContext
    var violations: [Violation] = []
    var screened = ScreeningResult(blocked: [], flagged: [])

    init(change: Change, current: Action?, context: MergeContext) {
        self.change = change
        self.current = current
        self.context = context
    }

    var address: ActionAddress { change.action }

    mutating func fail(_ field: String?, _ rule: Violation.Rule, _ message: String) {
        violations.append(Violation(action: address, field: field, rule: rule, message: message))
    }

    /// The rejection, with at most ``FieldRules/maxViolationsPerChange`` reasons.
    func rejected() -> MergeResult {
        .rejection(Array(violations.prefix(FieldRules.maxViolationsPerChange)), record: current)
    }

    // Long: the merge's steps in the order the spec gives them (docs/core.md), read top to bottom; each step is a call of its own.
    mutating func run() -> MergeResult {
        // Size first, then who may do it, then what the values are: a hostile change costs
        // little, and its answer stays small.
        let fields: [(Field, FieldChange)]
        if context.replaying {
            // The hub took this change once: its checks held then, and rules tightened since
            // must not rewrite what happened.
            fields = knownFields()
            violations = []
        } else {
            checkSize()
            guard violations.isEmpty else { return rejected() }
            fields = knownFields()
            checkPermissions(fields)
            guard violations.isEmpty else { return rejected() }
            checkValues(fields)
            checkAppends()
            guard violations.isEmpty else { return rejected() }
            // Last: it reads every text, and only a change otherwise acceptable pays for it.
            screened =
                context.screening.map { rules in
                    var rules = rules
                    rules.screener.year = rules.screener.year ?? context.now.date.year
                    return rules.screen(change, against: current)
                } ?? ScreeningResult(blocked: [], flagged: [])
            violations = screened.blocked.map { $0.violation(of: address, blocked: true) }
            guard violations.isEmpty else { return rejected() }
        }

        var record: Action
        var result = MergeResult(
            outcome: .applied, record: nil, changed: false, applied: [], alreadySet: [], conflicts: [], added: [],
            alreadyPresent: [], violations: [], flags: [])
        if let current {
            record = current
            if change.create {
                // A ref is never reused: re-creating with the same values is a harmless replay.
                let differing = fields.filter { current.value(of: $0.0) != $0.0.normalize($0.1.to) }.map(\.0.rawValue)
                guard differing.isEmpty else {
                    fail(
                        nil, .alreadyExists,
                        "action \(address) already exists (revision \(current.revision)) with other values for \(differing.joined(separator: ", ")); refs are never reused: edit it, or create a new ref"
                    )
                    return rejected()
                }
            }
            for (field, edit) in fields {
                let hub = record.value(of: field)
                let from = field.normalize(edit.from)
                let to = field.normalize(edit.to)
                if hub == to {
                    result.alreadySet.append(field)
                } else if hub == from || change.create {
                    record.set(field, to: to)
                    result.applied.append(field)
                } else {
                    result.conflicts.append(FieldConflict(field: field, base: from, hub: hub, incoming: to))
                }
            }
        } else {
            guard let created = Action(creating: address, fields: fields.map { ($0.0, $0.1.to) }) else {
                fail(Field.title.rawValue, .required, "a new action needs at least a title and an owner agency")
                return rejected()
            }
            record = created
            result.applied = fields.map(\.0)
        }

        // A date set or moved on an existing action is kept with its reason; a new action's
        // first date is not a move.
        if let current, result.applied.contains(.targetDate) {
            let old = current.targetDate
            record.targetDateHistory.append(
                TargetDateChange(
                    id: change.id, from: old, to: record.targetDate, reason: change.reason ?? "",
                    by: context.actor, at: context.now))
        }

        var retracted = false
        let itemsBefore = record.evidence.count + record.notes.count
        for append in change.append {
            switch apply(append, to: &record) {
            case .added(let isRetraction):
                result.added.append(append.itemID)
                retracted = retracted || isRetraction
            case .present: result.alreadyPresent.append(append.itemID)
            case .failed: break
            }
        }
        let items = record.evidence.count + record.notes.count
        if !context.replaying, items > itemsBefore, items > FieldRules.maxItemsPerAction {
            fail(
                "evidence", .tooLong,
                "the action would hold \(items) evidence items and notes; the limit is \(FieldRules.maxItemsPerAction): summarise older notes in the progress field, or ask the business unit"
            )
        }
        guard violations.isEmpty else { return rejected() }

        // Rating rules bind every edit that touches them; a newly created action is only flagged.
        let ratingRules = context.replaying ? [] : FieldRules.ratingViolations(of: record, scheme: context.scheme)
        let touchesRating =
            result.applied.contains(.rag) || result.applied.contains(.signOff) || retracted
        if current != nil && touchesRating && !ratingRules.isEmpty && !context.replaying {
            violations = ratingRules
            return rejected()
        }
        if current == nil { result.flags = ratingRules }
        result.flags += screened.flagged.map { $0.violation(of: address, blocked: false) }

        result.changed = record != current
        if result.changed { record.revision = (current?.revision ?? 0) + 1 }
        result.record = record
        result.outcome =
            !result.conflicts.isEmpty
            ? .conflict : (result.alreadySet.isEmpty && result.alreadyPresent.isEmpty ? .applied : .merged)
        return result
    }

    /// A change names each field at most once, so it cannot set more fields than there are;
    /// its appends are bounded too.
    mutating func checkSize() {
        if change.set.count > Field.allCases.count {
            fail(
                nil, .tooLong,
                "the change sets \(change.set.count) fields; an action has \(Field.allCases.count), so at most that many"
            )
        }
        if change.append.count > FieldRules.maxAppendsPerChange {
            fail(
                nil, .tooLong,
                "the change appends \(change.append.count) items; the limit is \(FieldRules.maxAppendsPerChange) a change"
            )
        }
    }

    /// The change's fields in a stable order; unknown names are one violation naming them.
    mutating func knownFields() -> [(Field, FieldChange)] {
        var fields: [(Field, FieldChange)] = []
        var unknown: [String] = []
        for (name, edit) in change.set.sorted(by: { $0.key < $1.key }) {
            if let field = Field(rawValue: name) {
                fields.append((field, edit))
            } else {
                unknown.append(name)
            }
        }
        if let first = unknown.first {
            let known = Field.allCases.map(\.rawValue).joined(separator: ", ")
            let names = unknown.prefix(3).map { "'\(FieldRules.shown($0))'" }.joined(separator: ", ")
            let more = unknown.count > 3 ? " and \(unknown.count - 3) more" : ""
            fail(
                FieldRules.shown(first), .unknownField,
                "unknown field\(unknown.count > 1 ? "s" : "") \(names)\(more); fields are: \(known)")
        }
        if change.set.isEmpty, change.append.isEmpty {
            fail(nil, .emptyChange, "the change sets no field and appends nothing")
        }
        if let reason = change.reason,
            let v = FieldRules.checkText(reason, max: FieldRules.maxReasonLength, action: address, field: "reason")
        {
            violations.append(v)
        }
        return fields.sorted { $0.0 < $1.0 }
    }

    mutating func checkPermissions(_ fields: [(Field, FieldChange)]) {
        let who = "\(context.actor) (\(context.role))"
        switch context.role {
        case .viewer:
            fail(nil, .readOnlyRole, "\(who) has read-only access; ask the business unit for an agency token to edit")
            return
        case .admin:
            break
        case .agency:
            if change.create {
                fail(nil, .adminOnly, "only the partnership business unit (admin) creates actions")
            }
            if let current {
                if !current.isPartner(context.actor) {
                    fail(
                        nil, .notPartner,
                        "agency \(context.actor) neither leads nor supports this action; only its lead (\(current.ownerAgency)) and supporting agencies may edit it"
                    )
                }
                if current.archived {
                    fail(nil, .archived, "the action is archived; ask the business unit to restore it before editing")
                }
            }
            for (field, _) in fields where field.isAdminOnly {
                fail(field.rawValue, .adminOnly, "only the partnership business unit (admin) changes \(field)")
            }
        }
        if current == nil, !change.create {
            fail(nil, .notFound, "action \(address.ref) not found in plan \(address.plan)")
        }
    }

    mutating func checkValues(_ fields: [(Field, FieldChange)]) {
        for (field, edit) in fields {
            if let v = FieldRules.checkFrom(
                field, edit.from, stored: current?.value(of: field), to: edit.to, action: address)
            {
                violations.append(v)
            }
            if let v = FieldRules.check(
                field, edit.to, action: address, scheme: context.scheme, knownAgencies: context.knownAgencies)
            {
                violations.append(v)
            }
        }
        if let dateEdit = fields.first(where: { $0.0 == .targetDate })?.1, !change.create,
            Field.targetDate.normalize(dateEdit.from) != .null,
            Field.targetDate.normalize(dateEdit.from) != Field.targetDate.normalize(dateEdit.to),
            (change.reason ?? "").allSatisfy(\.isWhitespace)
        {
            fail(Field.targetDate.rawValue, .targetDateNeedsReason, "a target date moves only with a reason; give one")
        }
    }

    mutating func checkAppends() {
        for append in change.append {
            switch append {
            case .evidence(let e):
                checkItemText(e.summary, field: "evidence", what: "evidence summary")
                checkReference(e.reference, field: "evidence")
            case .note(let n):
                checkItemText(n.text, field: "notes", what: "note")
                checkReference(n.reference, field: "notes")
            case .retract(let r):
                checkItemText(r.reason, field: "reason", what: "retraction reason", max: FieldRules.maxReasonLength)
            }
        }
    }

    mutating func checkItemText(_ text: String, field: String, what: String, max: Int = FieldRules.maxItemTextLength) {
        if text.allSatisfy(\.isWhitespace) {
            fail(field, .required, "a \(what) cannot be empty")
        } else if let v = FieldRules.checkText(text, max: max, action: address, field: field) {
            violations.append(v)
        }
    }

    mutating func checkReference(_ reference: String?, field: String) {
        if let reference,
            let v = FieldRules.checkText(reference, max: FieldRules.maxReferenceLength, action: address, field: field)
        {
            violations.append(v)
        }
    }

    enum AppendResult {
        case added(isRetraction: Bool)
        case present
        case failed
    }

    /// Unions one item into the record, stamping author and hub time.
    mutating func apply(_ append: Append, to record: inout Action) -> AppendResult {
        switch append {
        case .evidence(var item):
            if record.evidence.contains(where: { $0.id == item.id }) { return .present }
            item.author = context.actor
            item.recordedAt = context.now
            item.retraction = nil
            record.evidence.append(item)
        case .note(var item):
            if record.notes.contains(where: { $0.id == item.id }) { return .present }
            item.author = context.actor
            item.recordedAt = context.now
            item.retraction = nil
            record.notes.append(item)
        case .retract(let r):
            let retraction = Retraction(reason: r.reason, by: context.actor, at: context.now)
            if let i = record.evidence.firstIndex(where: { $0.id == r.item }) {
                return retract(&record.evidence[i], retraction)
            }
            if let i = record.notes.firstIndex(where: { $0.id == r.item }) {
                return retract(&record.notes[i], retraction)
            }
            fail("evidence", .itemNotFound, "no evidence item or note with id \(r.item) on this action")
            return .failed
        }
        return .added(isRetraction: false)
    }

    mutating func retract(_ item: inout some ActionItem, _ retraction: Retraction) -> AppendResult {
        if item.retraction != nil { return .present }
        guard item.author == context.actor || context.role == .admin || context.replaying else {
            fail(
                "evidence", .notItemAuthor,
                "item \(item.id) was added by \(item.author); only that agency or the business unit may retract it")
            return .failed
        }
        item.retraction = retraction
        return .added(isRetraction: true)
    }
}
