import ConcordCore
import ConcordReport
import Foundation

/// Hand-built audit trails for the report's tests: each step is a change as an agency would
/// send it, stamped with a day of 2026 (day 0 is 1 January 2026, 09:00 UTC).
struct Trail {
    var entries: [TrailEntry] = []
    var values: [ActionAddress: [Field: FieldValue]] = [:]
    var seq: Int64 = 0

    static let plan = try! PlanID("child-m")
    static let epochDay = LocalDate(year: 2026, month: 1, day: 1)!.daysSinceEpoch

    static func time(_ day: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(epochDay + day) * 86_400_000 + 9 * 3_600_000)
    }
    static func date(_ day: Int) -> LocalDate { LocalDate(daysSinceEpoch: epochDay + day) }
    static func address(_ ref: String, plan: PlanID = Trail.plan) -> ActionAddress {
        ActionAddress(plan: plan, ref: try! ActionRef(ref))
    }
    static var reportPlan: ReportPlan { ReportPlan(id: plan, title: "Child M", scheme: .standard) }

    mutating func add(_ agency: String, day: Int, _ change: Change) {
        seq += 1
        entries.append(TrailEntry(seq: seq, agency: Fixture.agency(agency), at: Self.time(day), change: change))
    }

    mutating func create(
        _ ref: String, owner: String, day: Int, plan: PlanID = Trail.plan, _ fields: [Field: FieldValue] = [:]
    ) {
        let address = Self.address(ref, plan: plan)
        var all = fields
        all[.title] = all[.title] ?? .text("Action \(ref)")
        all[.ownerAgency] = .text(owner)
        values[address] = all
        let change = Change(
            action: address, baseRevision: 0, create: true,
            fields: all.mapValues { FieldChange(from: .null, to: $0) })
        add("lscp", day: day, change)
    }

    mutating func set(
        _ ref: String, by agency: String, day: Int, _ fields: [Field: FieldValue], reason: String? = nil,
        plan: PlanID = Trail.plan
    ) {
        let address = Self.address(ref, plan: plan)
        let edits = fields.map { field, to in (field, FieldChange(from: values[address]?[field] ?? .null, to: to)) }
        for (field, to) in fields { values[address, default: [:]][field] = to }
        add(
            agency, day: day,
            Change(
                action: address, baseRevision: 0, fields: Dictionary(uniqueKeysWithValues: edits), reason: reason))
    }

    @discardableResult
    mutating func evidence(
        _ ref: String, by agency: String, day: Int, _ kind: EvidenceKind, _ summary: String,
        plan: PlanID = Trail.plan
    ) -> UUID {
        let item = EvidenceItem(kind: kind, summary: summary, author: Fixture.agency(agency))
        add(agency, day: day, Change(action: Self.address(ref, plan: plan), baseRevision: 0, append: [.evidence(item)]))
        return item.id
    }

    mutating func note(_ ref: String, by agency: String, day: Int, _ text: String) {
        let note = ProgressNote(text: text, author: Fixture.agency(agency))
        add(agency, day: day, Change(action: Self.address(ref), baseRevision: 0, append: [.note(note)]))
    }

    mutating func retract(_ ref: String, item: UUID, by agency: String, day: Int, reason: String) {
        add(
            agency, day: day,
            Change(
                action: Self.address(ref), baseRevision: 0, append: [.retract(RetractItem(item: item, reason: reason))])
        )
    }

    func report(
        asOf day: Int, since: Int? = nil, plans: [ReportPlan] = [Trail.reportPlan], conflicts: [ReportConflict] = [],
        settings: ReportSettings = ReportSettings()
    ) -> Report {
        Report.build(
            plans: plans, trail: entries, conflicts: conflicts,
            period: ReportPeriod(asOf: Self.time(day), since: since.map(Self.time), sinceLabel: nil),
            settings: settings)
    }
}

extension Report {
    func action(_ ref: String) -> ActionReport? {
        plans.lazy.flatMap(\.actions).first { $0.record.ref.rawValue == ref }
    }

    func flags(_ ref: String) -> Set<FlagKind> { Set(action(ref)?.flags.map(\.kind) ?? []) }
}

extension Timestamp {
    func minus(hours: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch - hours * 3_600_000)
    }
}
