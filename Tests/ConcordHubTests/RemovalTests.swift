import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import GRDB
import Testing

@testable import ConcordHub

/// H3: an agency that leads or supports no action of a plan any more stops reading it.
/// Plan p2 (``TestHub/importPlanP2()``): probation's only part in it is supporting 1.1.
@Suite("Removal from a plan")
struct RemovalTests {
    @Test(arguments: TestStore.allCases) func agencyRemovedFromEveryActionOfAPlan_isRefusedItAtOnce_andToldToDropIt(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            try await hub.importPlanP2()
            let probation = hub.client(tokens["probation"])
            let first = try await probation.pull()
            #expect(first.actions.contains { $0.plan.rawValue == "p2" })

            // Probation's stream is open when it is removed.
            let lines = SyncTests.Lines()
            let streaming = hub.client(tokens["probation"])
            let stream = Task {
                try await streaming.http.streamLines(
                    "/v1/sync/stream?since=\(first.cursor)&wait=60&heartbeat=1", timeout: .seconds(120),
                    idle: .seconds(60),
                    line: lines.add)
            }
            defer { stream.cancel() }
            try await lines.wait(for: 1)

            #expect(try await hub.removeProbationFromP2().outcome == .applied)
            try await lines.wait(for: 2)
            #expect(lines.all.last?.removedPlans == [try PlanID("p2")], "the open stream tells probation at once")

            // Refused the plan and its history; later changes do not reach it.
            #expect(try await probation.error("GET", "/v1/plans/p2", status: 403).code == "forbidden")
            #expect(try await probation.error("GET", "/v1/actions/p2/1.2/history", status: 403).code == "forbidden")
            let plans: PlanList = try await probation.get("/v1/plans")
            #expect(!plans.plans.contains { $0.id.rawValue == "p2" })
            let told = try await probation.pull(since: first.cursor)
            #expect(told.removedPlans == [try PlanID("p2")])
            #expect(!told.actions.contains { $0.plan.rawValue == "p2" })
            _ = try await hub.client(tokens["csc"]).push([edit("p2/1.2", [.progress: (.null, .text("Started"))])])
            let later = try await probation.pull(since: told.cursor)
            #expect(later.actions.isEmpty && (later.removedPlans ?? []).isEmpty)
            // csc's edit of p2 reached the stream's hub, but not probation: wait for a line
            // that shows the stream moved past it, then look.
            try await lines.wait(for: 3)
            #expect(lines.all.dropFirst(2).allSatisfy { $0.actions.allSatisfy { $0.plan.rawValue != "p2" } })
            // Its own pushes to the plan are refused.
            let refused = try await probation.push([edit("p2/1.1", [.progress: (.null, .text("Ours"))])])
            #expect(refused[0].outcome == .rejected && refused[0].violations.first?.rule == .notPartner)

            // Admins and viewers read as before; other partners keep it.
            let _: Plan = try await hub.admin.get("/v1/plans/p2")
            let _: Plan = try await hub.client(tokens["scrutiny"]).get("/v1/plans/p2")
            let _: Plan = try await hub.client(tokens["police"]).get("/v1/plans/p2")

            // Added back, it reads the whole plan again and is not told to drop it.
            _ = try await hub.admin.push([edit("p2/1.2", [.supportingAgencies: (.list([]), .list(["probation"]))])])
            let again = try await probation.pull(since: later.cursor)
            #expect(Set(again.actions.filter { $0.plan.rawValue == "p2" }.map(\.ref.rawValue)) == ["1.1", "1.2"])
            #expect((again.removedPlans ?? []).isEmpty)
            let _: Plan = try await probation.get("/v1/plans/p2")
        }
    }

    /// Hubs before v2 kept every agency that was ever a partner: the migration works the
    /// partners out again from the records and tells those that lost a plan.
    @Test func migrationV2_recomputesPartners_andRecordsRemovalsPastTheSequence() async throws {
        try await withTemporaryDirectory { dir in
            let queue = try DatabaseQueue(path: dir.appendingPathComponent("hub.sqlite").path)
            try SQLiteSchema.migrator.migrate(queue, upTo: "v1")
            let record = Action(
                plan: try PlanID("p2"), ref: try ActionRef("1.1"), revision: 2, title: "Visits",
                ownerAgency: try AgencyID("police"), supportingAgencies: [try AgencyID("csc")])
            try await queue.write { db in
                try db.execute(sql: "UPDATE meta SET value = 7 WHERE key = 'seq'")
                try db.execute(
                    sql: "INSERT INTO actions (plan_id, ref, revision, seq, record) VALUES ('p2', '1.1', 2, 7, ?)",
                    arguments: [String(decoding: try ConcordJSON.encode(record, pretty: false), as: UTF8.self)])
                for agency in ["police", "csc", "probation"] {
                    try db.execute(sql: "INSERT INTO plan_partners VALUES ('p2', ?)", arguments: [agency])
                }
            }
            try SQLiteSchema.migrator.migrate(queue)
            try await queue.read { db in
                #expect(
                    try String.fetchAll(db, sql: "SELECT agency_id FROM plan_partners ORDER BY agency_id")
                        == ["csc", "police"])
                let removals = try Row.fetchAll(db, sql: "SELECT agency_id, seq FROM plan_removals")
                #expect(removals.map { $0["agency_id"] as String } == ["probation"])
                #expect(removals.map { $0["seq"] as Int64 } == [8])
                #expect(try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'seq'") == 8)
            }
        }
    }

    /// Its old conflicts in the plan go with it: not listed, not sent when resolved.
    @Test(arguments: TestStore.allCases) func removedAgency_isSentNothingOfThePlanThroughItsConflicts(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            try await hub.importPlanP2()
            let probation = hub.client(tokens["probation"])
            _ = try await hub.client(tokens["police"]).push([edit("p2/1.1", [.progress: (.null, .text("Police"))])])
            let conflicted = try await probation.push([edit("p2/1.1", [.progress: (.null, .text("Probation"))])])
            let id = try #require(conflicted[0].conflicts.first?.id)
            let cursor = try await probation.pull().cursor
            #expect(try await hub.removeProbationFromP2().outcome == .applied)
            let listed: ConflictList = try await probation.get("/v1/conflicts")
            #expect(listed.conflicts.isEmpty)
            _ = try await probation.error("GET", "/v1/conflicts/\(id)", status: 403)
            let _: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(id)/resolve", ResolveRequest(choice: .keepHub, rationale: "Police leads"))
            let after = try await probation.pull(since: cursor)
            #expect(after.conflicts.isEmpty)
            #expect(after.removedPlans == [try PlanID("p2")])
        }
    }

    /// The CLI sends --value and --replaces as text: the hub reads them in the field's kind.
    @Test func resolutionValuesTypedAsText_areReadInTheFieldsKind() {
        #expect(Hub.coerced(.text("police; csc"), for: .supportingAgencies) == .list(["police", "csc"]))
        #expect(Hub.coerced(.text("yes"), for: .archived) == .flag(true))
        #expect(Hub.coerced(.text("Done"), for: .progress) == .text("Done"))
    }

    @Test(arguments: TestStore.allCases) func stillAPartnerThroughAnotherAction_keepsThePlan(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            try await hub.importPlanP2()
            _ = try await hub.admin.push([edit("p2/1.2", [.supportingAgencies: (.list([]), .list(["probation"]))])])
            let probation = hub.client(tokens["probation"])
            let cursor = try await probation.pull().cursor
            #expect(try await hub.removeProbationFromP2().outcome == .applied)
            let after = try await probation.pull(since: cursor)
            #expect((after.removedPlans ?? []).isEmpty)
            #expect(after.actions.map(\.address) == [address("p2/1.1")])
            let _: Plan = try await probation.get("/v1/plans/p2")
        }
    }
}
