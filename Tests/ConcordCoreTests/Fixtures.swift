import ConcordCore
import Foundation

/// Shared test data: the Northbridge partnership's agencies and one action of plan child-m.
enum Fixture {
    static func agency(_ s: String) -> AgencyID { try! AgencyID(s) }
    static func address(_ s: String) -> ActionAddress { try! ActionAddress(s) }

    static let lscp = agency("lscp")
    static let csc = agency("csc")
    static let police = agency("police")
    static let education = agency("education")
    static let scrutiny = agency("scrutiny")
    static let known: Set<AgencyID> = Set(
        ["lscp", "csc", "police", "icb", "probation", "education", "nhs-trust", "scrutiny"].map(agency))

    static let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

    static func context(_ actor: AgencyID, _ role: Role, scheme: RAGScheme = .standard) -> MergeContext {
        MergeContext(actor: actor, role: role, scheme: scheme, now: now, knownAgencies: known)
    }

    /// child-m/2.1, led by csc and supported by police, rated amber, revision 3.
    static let action = Action(
        plan: try! PlanID("child-m"), ref: try! ActionRef("2.1"), revision: 3,
        title: "Revise the single assessment template", ownerAgency: csc, supportingAgencies: [police],
        leadOfficer: "Head of Service Assessment", targetDate: LocalDate("2026-02-28"),
        successMeasure: "All household adults identified in 90% of assessments", rag: "amber", progress: "Drafted")

    static let evidenceID = UUID(uuidString: "00000000-0000-0000-0000-0000000000e1")!

    /// The action with one live evidence item by csc.
    static var withEvidence: Action {
        var a = action
        a.evidence = [
            EvidenceItem(id: evidenceID, kind: .output, summary: "Template v2 live", author: csc, recordedAt: now)
        ]
        return a
    }

    static func change(
        _ fields: [Field: FieldChange] = [:], append: [Append] = [], create: Bool = false, reason: String? = nil,
        on address: ActionAddress = action.address
    ) -> Change {
        Change(action: address, baseRevision: 3, create: create, fields: fields, append: append, reason: reason)
    }

    /// The repository's root, found from this file's path.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sample(_ name: String) throws -> String {
        try String(contentsOf: repoRoot.appendingPathComponent("samples/\(name)"), encoding: .utf8)
    }
}

func text(_ s: String) -> FieldValue { .text(s) }
func edit(_ from: FieldValue, _ to: FieldValue) -> FieldChange { FieldChange(from: from, to: to) }

extension Fixture {
    /// Text that needs every kind of escape, and every optional member set.
    static var awkward: Action {
        var action = Fixture.withEvidence
        action.title = "Quotes \" backslash \\ slash / tab \t newline \n cr \r bell \u{07} nul \u{00} é ✓ 👍"
        action.description = "\u{1F}\u{7F}\u{0C}\u{08}"
        action.completedOn = LocalDate("2026-03-01")
        action.signOff = "Board"
        action.archived = true
        action.recommendation = ""
        action.notes = [
            ProgressNote(
                text: "n", reference: "https://example.org/a?b=c&d", author: Fixture.csc, recordedAt: Fixture.now,
                retraction: Retraction(reason: "Wrong", by: Fixture.lscp, at: Fixture.now))
        ]
        action.evidence[0].retraction = Retraction(reason: "x", by: Fixture.csc)
        action.targetDateHistory = [
            TargetDateChange(
                id: UUID(), from: LocalDate("2026-01-01"), to: nil, reason: "r", by: Fixture.csc, at: Fixture.now)
        ]
        return action
    }
}
