#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Records made from changes without a hub: an action created from its initial fields, and
// the agent's local view (a change laid over the last pulled record).

extension Action {
    /// A new action at `address` from initial field values; `nil` without a title and an owner.
    public init?(creating address: ActionAddress, fields: [(Field, FieldValue)]) {
        let values = Dictionary(fields.map { ($0.0, $0.0.normalize($0.1)) }, uniquingKeysWith: { $1 })
        guard case .text(let title)? = values[.title], case .text(let owner)? = values[.ownerAgency],
            let ownerID = try? AgencyID(owner)
        else { return nil }
        self.init(plan: address.plan, ref: address.ref, title: title, ownerAgency: ownerID)
        for (field, value) in values.sorted(by: { $0.key < $1.key }) {
            guard set(field, to: value) else { return nil }
        }
    }

    /// The agent's local view: this change laid over the last pulled record (`nil` when the
    /// action is unknown locally). Fields take the agency's value whatever the hub holds;
    /// items are added unstamped. The hub's answer replaces this view on the next pull.
    public static func overlay(_ change: Change, on base: Action?, author: AgencyID) -> Action? {
        let fields = change.set.compactMap { name, edit in Field(rawValue: name).map { ($0, edit.to) } }
        var record: Action
        if let base {
            record = base
            for (field, value) in fields.sorted(by: { $0.0 < $1.0 }) { record.set(field, to: value) }
        } else if change.create, let created = Action(creating: change.action, fields: fields) {
            record = created
        } else {
            return nil
        }
        for append in change.append {
            switch append {
            case .evidence(var item) where !record.evidence.contains { $0.id == item.id }:
                item.author = author
                record.evidence.append(item)
            case .note(var item) where !record.notes.contains { $0.id == item.id }:
                item.author = author
                record.notes.append(item)
            case .retract(let r):
                let retraction = Retraction(reason: r.reason, by: author)
                if let i = record.evidence.firstIndex(where: { $0.id == r.item && $0.retraction == nil }) {
                    record.evidence[i].retraction = retraction
                } else if let i = record.notes.firstIndex(where: { $0.id == r.item && $0.retraction == nil }) {
                    record.notes[i].retraction = retraction
                }
            default:
                break
            }
        }
        return record
    }
}
