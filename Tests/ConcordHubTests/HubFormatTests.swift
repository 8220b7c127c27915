import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordTestSupport
import ConcordWire
import Foundation
import GRDB
import Logging
import Testing

@testable import ConcordHub

/// The hub's database of every schema version ever released still opens, is migrated, and
/// serves what it held: Fixtures/hub/hub-vN.sql are dumps of a hub with the sample plan,
/// edits, a conflict and a resolution, as each version left them.
@Suite("Hub database versions")
struct HubFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/hub")
    static let admin = Principal(agency: try! AgencyID("lscp"), role: .admin)
    static let police = Principal(agency: try! AgencyID("police"), role: .agency)
    static let csc = Principal(agency: try! AgencyID("csc"), role: .agency)
    static let logger = Logger(label: "hub-format-test")

    /// The migrations each fixture was made at.
    static let versions = [
        "v1", "v2-plan-removals", "v3-timeline", "v4-agency-contact", "v5-meetings", "v6-protected-names",
    ]

    static func restore(_ name: String, to path: String) throws {
        let dump = try String(contentsOf: fixtures.appendingPathComponent("hub-\(name).sql"), encoding: .utf8)
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: dump) }
        try queue.close()
    }

    @Test(arguments: ["v1", "v2", "v3", "v4", "v5", "v6"])
    func aHubOfEveryVersion_opensMigratedAndServesWhatItHeld(_ version: String) async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("hub.sqlite").path
            try Self.restore(version, to: path)
            let hub = try await Hub(path: path, logger: Self.logger)
            defer { try? hub.close() }
            let migrations = try await hub.sqlitePool!.read {
                try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(migrations == Self.versions)
            #expect(hub.timeline != 0)

            // What it held: the plan, its records, the audit trail (import, police's edit, csc's
            // crossing edit, the keep-hub resolution changing nothing, a note), the conflict.
            let plan = try await hub.plan(try PlanID("child-m"), for: Self.admin)
            let sample = try String(
                contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
            let rows = try PlanCSV.importPlan(sample, id: PlanID("child-m"), title: "t").plan.actions.count
            #expect(plan.actions.count == rows)
            let edited = try #require(plan.actions.first { $0.ref.rawValue == "3.1" })
            #expect(edited.progress == "Performance at 98% (hub)")
            #expect(edited.notes.map(\.text) == ["Audit booked for March"])
            let history = try await hub.history(of: edited.address, for: Self.admin)
            #expect(history.entries.map(\.outcome) == [.applied, .applied, .conflict, .merged, .applied])
            let conflicts = try await hub.conflicts(for: Self.admin)
            #expect(conflicts.map(\.status) == [.resolved])
            #expect(conflicts.first?.resolution?.rationale == "Police figure is the audited one")

            // The report replays the trail of every version to exactly the records held.
            let trail = try await hub.trail(of: [plan.id], through: Hub.systemTime())
            let report = Report.build(
                plans: [ReportPlan(id: plan.id, title: plan.title, scheme: .standard)], trail: trail, conflicts: [],
                period: ReportPeriod(asOf: Hub.systemTime()))
            #expect(
                report.plans[0].actions.map(\.record).sorted { $0.ref.rawValue < $1.ref.rawValue }
                    == plan.actions.sorted { $0.ref.rawValue < $1.ref.rawValue })
            let meetings = try await hub.meetings().meetings.map(\.id)
            #expect(meetings == (["v5", "v6"].contains(version) ? ["scrutiny-2026-03"] : []))
            let protected = try await hub.protectedNameCount(of: plan.id, by: Self.admin).count
            #expect(protected == (version == "v6" ? 1 : 0))

            // Agencies read it as before, and the hub takes new changes.
            let page = try await hub.pull(since: 0, limit: 1000, for: Self.police)
            #expect(page.records.count == rows)
            let results = try await hub.push(
                [
                    Change(
                        action: edited.address, baseRevision: edited.revision,
                        append: [.note(ProgressNote(text: "After the upgrade", author: Self.police.agency))])
                ], by: Self.police
            ).results
            #expect(results.map(\.outcome) == [.applied])
        }
    }

    @Test func everyMigration_hasAFixture() {
        #expect(
            Self.versions.count
                == ["v1", "v2", "v3", "v4", "v5", "v6"].filter {
                    FileManager.default.fileExists(atPath: Self.fixtures.appendingPathComponent("hub-\($0).sql").path)
                }.count)
    }

    /// Writes Fixtures/hub/hub-current.sqlite (run with CONCORD_WRITE_FIXTURES=1, then
    /// scripts/hub-fixtures dumps it and derives the earlier versions; see the README there).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONCORD_WRITE_FIXTURES"] == "1"))
    func fixtureIsWritten() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("hub.sqlite").path
            let hub = try await Hub(path: path, logger: Self.logger)
            for id in ["lscp", "csc", "police", "icb", "education", "probation", "nhs-trust"] {
                _ = try await hub.addAgency(
                    AgencyRequest(id: try AgencyID(id), name: id, role: id == "lscp" ? .admin : .agency))
            }
            let csv = try String(
                contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
            _ = try await hub.importPlan(
                PlanImportRequest(id: try PlanID("child-m"), title: "CSPR Child M", csv: csv), by: Self.admin)
            let plan = try await hub.plan(try PlanID("child-m"), for: Self.admin)
            let action = try #require(plan.actions.first { $0.ref.rawValue == "3.1" })
            let was = action.value(of: .progress)
            // Police and csc both change progress from what they saw: csc's meets a conflict.
            _ = try await hub.push(
                [
                    Change(
                        action: action.address, baseRevision: action.revision,
                        fields: [.progress: FieldChange(from: was, to: .text("Performance at 98% (hub)"))])
                ], by: Self.police)
            let crossing = try await hub.push(
                [
                    Change(
                        action: action.address, baseRevision: action.revision,
                        fields: [.progress: FieldChange(from: was, to: .text("Performance at 96%"))])
                ], by: Self.csc
            ).results
            #expect(crossing.map(\.outcome) == [.conflict])
            let conflict = try #require(crossing.first?.conflicts.first)
            _ = try await hub.resolve(
                conflict.id, ResolveRequest(choice: .keepHub, rationale: "Police figure is the audited one"),
                by: Self.admin)
            _ = try await hub.push(
                [
                    Change(
                        action: action.address, baseRevision: action.revision,
                        append: [.note(ProgressNote(text: "Audit booked for March", author: Self.police.agency))])
                ], by: Self.police)
            try await hub.add(
                MeetingRequest(id: "scrutiny-2026-03", date: "2026-03-12T00:00:00Z", title: "Scrutiny, March"),
                by: Self.admin)
            _ = try await hub.changeProtectedNames(
                of: plan.id, ProtectedNamesRequest(add: ["Liam Smith"]), by: Self.admin)
            try await hub.sqlitePool!.writeWithoutTransaction { db in
                try db.execute(
                    sql: "VACUUM INTO ?", arguments: [Self.fixtures.appendingPathComponent("hub-current.sqlite").path])
            }
            try hub.close()
        }
    }
}
