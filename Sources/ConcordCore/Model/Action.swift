import ConcordCodec

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One action of a plan: who does what by when, how far it has got, and the evidence.
///
/// Scalar fields are merged one by one (see ``Field``); evidence, notes and target-date
/// moves are append-only and merged by the union of their ids.
public struct Action: Hashable, JSONRecord, Sendable {
    /// The plan the action belongs to.
    public var plan: PlanID
    /// The action's ref within its plan, e.g. `3.2`; never reused.
    public var ref: ActionRef
    /// The hub's revision of this record, bumped by every accepted change that altered it;
    /// 0 for a record the hub has not stored yet.
    public var revision: Int64

    /// The action as agreed: "Escalation policy included in all multi-agency training".
    public var title: String
    /// The finding or recommendation of the review this action answers.
    public var recommendation: String?
    /// More detail on what the action involves, or `nil`.
    public var description: String?
    /// The agency that leads the action.
    public var ownerAgency: AgencyID
    /// Agencies that support it; they may update it too. Sorted, no repeats.
    public var supportingAgencies: [AgencyID]
    /// The lead officer, as a role: "Head of Service Assessment".
    public var leadOfficer: String?
    /// When the action is due, or `nil` when no date is set; moves are kept in `targetDateHistory`.
    public var targetDate: LocalDate?
    /// The SMART outcome that shows the action worked.
    public var successMeasure: String?
    /// A rating id of the plan's RAG scheme, or `nil` when not yet rated.
    public var rag: String?
    /// A summary of progress so far, or `nil`.
    public var progress: String?
    /// The date the action was completed; `nil` while it is open.
    public var completedOn: LocalDate?
    /// The partnership's sign-off: who signed it off and where ("Partnership Board, 12 March 2026").
    public var signOff: String?
    /// Kept but no longer current: agencies may not edit it until an admin restores it.
    public var archived: Bool

    /// Evidence items, retracted ones included, in the order the hub took them.
    public var evidence: [EvidenceItem]
    /// Progress notes, retracted ones included, in the order the hub took them.
    public var notes: [ProgressNote]
    /// Every move of the target date, oldest first, each with its reason.
    public var targetDateHistory: [TargetDateChange]

    /// An action; supporting agencies are sorted and repeats dropped.
    public init(
        plan: PlanID, ref: ActionRef, revision: Int64 = 0, title: String, recommendation: String? = nil,
        description: String? = nil, ownerAgency: AgencyID, supportingAgencies: [AgencyID] = [],
        leadOfficer: String? = nil, targetDate: LocalDate? = nil, successMeasure: String? = nil, rag: String? = nil,
        progress: String? = nil, completedOn: LocalDate? = nil, signOff: String? = nil, archived: Bool = false,
        evidence: [EvidenceItem] = [], notes: [ProgressNote] = [], targetDateHistory: [TargetDateChange] = []
    ) {
        self.plan = plan
        self.ref = ref
        self.revision = revision
        self.title = title
        self.recommendation = recommendation
        self.description = description
        self.ownerAgency = ownerAgency
        self.supportingAgencies = Array(Set(supportingAgencies)).sorted()
        self.leadOfficer = leadOfficer
        self.targetDate = targetDate
        self.successMeasure = successMeasure
        self.rag = rag
        self.progress = progress
        self.completedOn = completedOn
        self.signOff = signOff
        self.archived = archived
        self.evidence = evidence
        self.notes = notes
        self.targetDateHistory = targetDateHistory
    }

    /// `PLAN/REF`: where the action is, across plans.
    public var address: ActionAddress { ActionAddress(plan: plan, ref: ref) }

    /// The agency leads the action or supports it.
    public func isPartner(_ agency: AgencyID) -> Bool {
        ownerAgency == agency || supportingAgencies.contains(agency)
    }

    /// Evidence that has not been retracted.
    public var liveEvidence: [EvidenceItem] { evidence.filter(\.isLive) }

    /// The value of one field, in its canonical form.
    public func value(of field: Field) -> FieldValue {
        func text(_ s: String?) -> FieldValue { s.map(FieldValue.text) ?? .null }
        switch field {
        case .title: return .text(title)
        case .recommendation: return text(recommendation)
        case .description: return text(description)
        case .ownerAgency: return .text(ownerAgency.rawValue)
        case .supportingAgencies: return .list(supportingAgencies.map(\.rawValue))
        case .leadOfficer: return text(leadOfficer)
        case .targetDate: return text(targetDate?.description)
        case .successMeasure: return text(successMeasure)
        case .rag: return text(rag)
        case .progress: return text(progress)
        case .completedOn: return text(completedOn?.description)
        case .signOff: return text(signOff)
        case .archived: return .flag(archived)
        }
    }

    /// Sets one field from a value already checked by ``FieldRules/check(_:_:action:scheme:knownAgencies:)``.
    /// Returns `false`, changing nothing, when the value does not fit the field.
    @discardableResult
    public mutating func set(_ field: Field, to raw: FieldValue) -> Bool {
        let value = field.normalize(raw)
        let text: String?
        switch value {
        case .null: text = nil
        case .text(let s): text = s
        case .list(let l):
            guard field == .supportingAgencies, let ids = try? l.map({ s throws(IdentifierError) in try AgencyID(s) })
            else { return false }
            supportingAgencies = ids
            return true
        case .flag(let b):
            guard field == .archived else { return false }
            archived = b
            return true
        }
        switch field {
        case .title:
            guard let text else { return false }
            title = text
        case .recommendation: recommendation = text
        case .description: description = text
        case .leadOfficer: leadOfficer = text
        case .successMeasure: successMeasure = text
        case .rag: rag = text
        case .progress: progress = text
        case .signOff: signOff = text
        case .targetDate, .completedOn:
            var date: LocalDate?
            if let text {
                guard let parsed = LocalDate(text) else { return false }
                date = parsed
            }
            if field == .targetDate { targetDate = date } else { completedOn = date }
        case .ownerAgency:
            guard let text, let id = try? AgencyID(text) else { return false }
            ownerAgency = id
        case .supportingAgencies, .archived:
            return false
        }
        return true
    }
}

extension Action {
    /// The JSON form of a record, the one definition for the agent's store, pushes and pulls,
    /// the hub's store and the CLI. A new property gets its line here (`ShapeTests` fails
    /// until it has one); optional properties may be absent from older records.
    public static let shape = Shape<Action>(
        blank: Action(plan: .unset, ref: .unset, title: "", ownerAgency: .unset),
        [
            Member("plan", \.plan),
            Member("ref", \.ref),
            Member("revision", \.revision),
            Member("title", \.title),
            Member("recommendation", \.recommendation),
            Member("description", \.description),
            Member("ownerAgency", \.ownerAgency),
            Member("supportingAgencies", \.supportingAgencies),
            Member("leadOfficer", \.leadOfficer),
            Member("targetDate", \.targetDate),
            Member("successMeasure", \.successMeasure),
            Member("rag", \.rag),
            Member("progress", \.progress),
            Member("completedOn", \.completedOn),
            Member("signOff", \.signOff),
            Member("archived", \.archived),
            Member("evidence", \.evidence),
            Member("notes", \.notes),
            Member("targetDateHistory", \.targetDateHistory),
        ])
}

/// A multi-agency action plan: one review (e.g. "SCR Child R and Child S") and its actions.
public struct Plan: Hashable, Codable, Sendable {
    /// The version of the plan document format this type writes.
    public static let currentFormatVersion = 1

    /// The plan document format the value was read with or will be written as; 1 so far.
    public var formatVersion: Int
    /// The plan's id, e.g. `child-m`.
    public var id: PlanID
    /// The review the plan answers, as people name it: "SCR Child R and Child S".
    public var title: String
    /// The id of the RAG scheme the plan is rated in.
    public var scheme: String
    /// Sorted by ref.
    public var actions: [Action]

    /// A plan in the current format; `actions` are sorted by ref.
    public init(id: PlanID, title: String, scheme: String = RAGScheme.standard.id, actions: [Action] = []) {
        formatVersion = Plan.currentFormatVersion
        self.id = id
        self.title = title
        self.scheme = scheme
        self.actions = actions.sorted { $0.ref < $1.ref }
    }

    private enum CodingKeys: String, CodingKey { case formatVersion, id, title, scheme, actions }

    /// Reads a plan document; throws when its `formatVersion` is newer than this build reads, or below 1.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        guard formatVersion <= Plan.currentFormatVersion, formatVersion >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: c,
                debugDescription:
                    "plan format \(formatVersion) is not one this Concord reads (1...\(Plan.currentFormatVersion))")
        }
        id = try c.decode(PlanID.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        scheme = try c.decode(String.self, forKey: .scheme)
        actions = try c.decode([Action].self, forKey: .actions)
    }
}
