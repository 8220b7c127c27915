import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import Testing

@testable import ConcordHub

/// `concord-hub migrate`: a SQLite hub with the sample plans and a long history moved to
/// PostgreSQL, the copy verified equal, and the hub on the copy answering as the original.
@Suite("Moving a hub from SQLite to PostgreSQL", .serialized)
struct StoreMigrationTests {
    static let logger = Logger(label: "migration-test")

    /// A long history: every sample plan, 3,000 edits in batches, crossing edits resolved,
    /// a partner removed, a meeting, a revoked token.
    static func makeHistory(_ hub: TestHub) async throws -> [String: String] {
        let tokens = try await hub.seed()
        for (id, file) in [
            ("children-r-s", "plan-children-r-s.csv"), ("improvement-2025", "plan-improvement-2025.csv"),
        ] {
            let csv = try String(contentsOf: repoRoot.appendingPathComponent("samples/\(file)"), encoding: .utf8)
            let _: PlanImportResponse = try await hub.admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID(id), title: id, csv: csv), expect: 201)
        }
        try await hub.importPlanP2()
        let admin = Principal(agency: try AgencyID("lscp"), role: .admin)
        for round in 0..<30 {
            let plan = try await hub.store.plan(PlanID("child-m"), for: admin)
            let changes = (0..<100).map { n -> Change in
                let action = plan.actions[(round * 100 + n) % plan.actions.count]
                return Change(
                    action: action.address, baseRevision: action.revision,
                    append: [.note(ProgressNote(text: "Round \(round), note \(n)", author: admin.agency))])
            }
            _ = try await hub.store.push(changes, by: admin)
        }
        // Crossing edits: one applied, one conflict, then resolved.
        let police = hub.client(tokens["police"])
        _ = try await police.push([edit("child-m/3.1", [.leadOfficer: (.text("DI Smith"), .text("DI Patel"))])])
        _ = try await police.push([edit("child-m/3.1", [.leadOfficer: (.text("DI Smith"), .text("DI Jones"))])])
        let open = try await hub.store.conflicts(for: admin, status: .open)
        if let conflict = open.first {
            _ = try await hub.store.resolve(
                conflict.id, ResolveRequest(choice: .keepHub, value: nil, rationale: "Agreed at the meeting"), by: admin
            )
        }
        _ = try await hub.removeProbationFromP2()
        _ = try await hub.store.add(MeetingRequest(id: "march", date: "2026-03-12", title: "Board"), by: admin)
        try await hub.store.revokeTokens(of: AgencyID("education"))
        return tokens
    }

    @Test func aHubWithALongHistory_isCopiedAndVerified_andAnswersTheSameOnPostgreSQL() async throws {
        let cluster = try await PostgresCluster.shared()
        try await withTestHub { hub in
            _ = try await Self.makeHistory(hub)
            // Reports as at one time on both (not "now", which moves between the two).
            try await Task.sleep(for: .milliseconds(5))
            let asOf = "\(Hub.systemTime())"
            let database = try await cluster.freshDatabase()
            let sqlite = hub.dir.appendingPathComponent("hub.sqlite").path
            let moved = try await ChildProcess.run(
                "concord-hub", ["migrate", "--from", "sqlite:\(sqlite)", "--to", cluster.url(database)])
            #expect(moved.status == 0, "\(moved.output)")
            #expect(moved.output.contains("copied and verified"), "\(moved.output)")
            #expect(moved.output.contains("changes") && !moved.output.contains("DIFFERENT"))

            // The hub on the copy answers as the original: plans, pulls, histories,
            // conflicts, agencies, meetings, and the report replayed from the trail.
            guard case .postgres(let location) = try DatabaseLocation(url: cluster.url(database), dataDir: "/")
            else { throw ChildError("not a PostgreSQL URL") }
            let copy = try await Hub.open(.postgres(location), logger: Self.logger)
            defer { try? copy.close() }
            let original = hub.store
            #expect(copy.timeline == original.timeline)
            #expect(try await copy.latestSequence() == original.latestSequence())
            let admin = Principal(agency: try AgencyID("lscp"), role: .admin)
            var callers = [admin]
            for id in ["police", "probation", "csc"] {
                callers.append(Principal(agency: try AgencyID(id), role: .agency))
            }
            for caller in callers {
                for since: Int64 in [0, 1500, 3000] {
                    let a: Hub.PullPage = try await original.pull(since: since, limit: 5000, timeline: nil, for: caller)
                    let b: Hub.PullPage = try await copy.pull(since: since, limit: 5000, timeline: nil, for: caller)
                    #expect(a.json == b.json, "pull since \(since) for \(caller.agency)")
                }
            }
            for plan in ["child-m", "children-r-s", "improvement-2025", "p2"] {
                let a = try await original.plan(PlanID(plan), for: admin)
                let b = try await copy.plan(PlanID(plan), for: admin)
                #expect(a == b, "plan \(plan)")
                let reportA = try await original.report(plan, asOf: asOf, since: "march", format: .csv, for: admin)
                let reportB = try await copy.report(plan, asOf: asOf, since: "march", format: .csv, for: admin)
                #expect(reportA == reportB, "report of \(plan)")
            }
            let historyA = try await original.history(of: address("child-m/3.1"), for: admin)
            let historyB = try await copy.history(of: address("child-m/3.1"), for: admin)
            #expect(historyA == historyB)
            #expect(try await original.conflicts(for: admin) == copy.conflicts(for: admin))
            #expect(try await original.storage.agencies() == copy.storage.agencies())
            #expect(try await original.meetings() == copy.meetings())
            // The revoked token stays revoked; a live one still works on the copy.
            #expect(try await copy.agencyInfo(AgencyID("education")).activeTokens == 0)
        }
    }

    @Test func aChangedCopy_isFoundDifferent_andACopyIsNeverMadeOverAHub() async throws {
        let cluster = try await PostgresCluster.shared()
        try await withTestHub { hub in
            _ = try await hub.seed()
            let database = try await cluster.freshDatabase()
            let sqlite = hub.dir.appendingPathComponent("hub.sqlite").path
            guard case .postgres(let location) = try DatabaseLocation(url: cluster.url(database), dataDir: "/")
            else { throw ChildError("not a PostgreSQL URL") }
            let report = try await StoreMigration.run(from: sqlite, to: location, logger: Self.logger)
            #expect(report.verified)
            #expect(report.tables.first { $0.name == "actions" }?.copy == 14)

            // One character of one stored record changed in the copy: the verification says which table.
            try await cluster.psql(
                "UPDATE actions SET record = record || ' ' WHERE ref = '3.1'", database: database)
            let again = try await StoreMigration.verify(from: sqlite, to: location, logger: Self.logger)
            #expect(!again.verified)
            #expect(again.tables.filter { !$0.equal }.map(\.name) == ["actions"])

            // A second copy into a database that holds a hub is refused, and changes nothing.
            await #expect(throws: ConfigError.self) {
                _ = try await StoreMigration.run(from: sqlite, to: location, logger: Self.logger)
            }
            let count = try await cluster.psql("SELECT COUNT(*) FROM actions", database: database)
            #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "14")
        }
    }
}
