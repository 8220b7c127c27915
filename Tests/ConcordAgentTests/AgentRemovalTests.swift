import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// H3 at the agent: told it is no longer a partner in a plan, it drops its copy, and its
/// unsent edits of the plan end rejected with the reason, kept and shown.
@Suite("Agent removed from a plan", .serialized)
struct AgentRemovalTests {
    @Test func removedFromEveryActionOfAPlan_theAgentDropsItsCopy_andItsUnsentEditEndsRejected() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            try await hub.importPlanP2()
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "probation", hub: hub.baseURL, agency: "probation", token: tokens["probation"]!,
                caFile: hub.caFile)
            var agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("1.log"))
            defer { agent.process.signal(SIGKILL) }
            #expect(try await agent.syncUntilUploaded().online)
            #expect(try await agent.detail("p2/1.1").action.supportingAgencies.map(\.rawValue) == ["probation"])

            // Offline, probation edits p2/1.1; meanwhile the business unit takes it off.
            await agent.process.stop()
            agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("2.log"),
                environment: ["CONCORD_AGENT_HUB": "https://127.0.0.1:9"])
            let receipt = try await agent.update("p2/1.1", ["progress": .text("Visit held in March")])
            #expect(try await hub.removeProbationFromP2().outcome == .applied)
            await agent.process.stop()
            agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("3.log"))

            let dropped = try await eventually {
                let list: ActionList = try await agent.control.get("/v1/actions?plan=p2")
                return list.actions.isEmpty
            }
            #expect(dropped, "the agent still shows plan p2")
            let status = try await agent.status()
            #expect(status.pending == 0 && status.rejected == 1, "\(status)")
            let problems: ProblemList = try await agent.control.get("/v1/problems")
            let problem = try #require(problems.problems.first { $0.id == receipt.change.id })
            #expect(problem.outcome == .rejected)
            #expect(problem.violations.map(\.rule) == [.notPartner], "\(problem)")
            // The rest of what it reads is untouched.
            #expect(try await agent.status().actions > 0)
        }
    }
}

@Suite("Agent state when removed from a plan")
struct AgentStateRemovalTests {
    @Test func removedPlan_dropsRecordsAcknowledgedAndConflicts_andRejectsPendingEdits() {
        var state = AgentState(agency: police)
        let other = hubRecord("2.1")
        var p2 = hubRecord("1.1")
        p2.plan = try! PlanID("p2")
        state.apply(.pulled(pulled([other, p2], cursor: 3), at: now))
        let edit = Change(
            action: p2.address, baseRevision: 1, fields: [.progress: FieldChange(from: .null, to: .text("x"))])
        let kept = noteChange("on another plan", on: "2.1")
        state.apply(.edit(edit))
        state.apply(.edit(kept))
        var told = pulled([], cursor: 4)
        told.removedPlans = [p2.plan]
        state.apply(.pulled(told, at: now))
        #expect(state.records.keys.map(\.plan.rawValue) == ["child-m"])
        #expect(state.pending.map(\.id) == [kept.id])
        #expect(state.answers.map(\.id) == [edit.id])
        #expect(state.answers.first?.violations.first?.rule == .notPartner)
        #expect(state.view(p2.address) == nil)
    }
}
