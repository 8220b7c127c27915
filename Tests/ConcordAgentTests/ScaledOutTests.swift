import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Synchronization
import Testing

/// Two hub processes on one PostgreSQL database behind nginx (deploy/nginx), with real
/// agents: what docs/operations.md promises of a scaled-out hub.
@Suite("Scaled out: two hub processes, one PostgreSQL, nginx", .serialized)
struct ScaledOutTests {
    static let agencies = ["police", "csc", "icb", "education"]

    /// Adds the plan's agencies through nginx and imports plan child-m; returns the tokens.
    static func seed(_ hub: ScaledOutHub) async throws -> [String: String] {
        let admin = hub.client(hub.adminToken)
        var tokens: [String: String] = [:]
        for id in agencies + ["probation", "nhs-trust"] {
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID(id), name: "\(id) agency", role: .agency), expect: 201)
            tokens[id] = issued.token
        }
        let csv = try String(contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
        let _: PlanImportResponse = try await admin.post(
            "/v1/plans", PlanImportRequest(id: PlanID("child-m"), title: "CSPR Child M", csv: csv), expect: 201)
        return tokens
    }

    static func withScaledOutHub(_ body: (ScaledOutHub, URL) async throws -> Void) async throws {
        let cluster = try await PostgresCluster.shared()
        try await withTemporaryDirectory { dir in
            let hub = try await ScaledOutHub.start(in: dir, cluster: cluster)
            do {
                try await body(hub, dir)
            } catch {
                await hub.stop()
                throw error
            }
            await hub.stop()
        }
    }

    // Long: one scenario with four agents, told in order: edits through either process, a crossing pair, a process killed mid-push.
    @Test
    func fourAgents_editsThroughEitherProcessReachEveryone_crossingEditsConflictOnce_andAKilledProcessLosesNothing()
        async throws
    {
        try await Self.withScaledOutHub { hub, dir in
            let tokens = try await Self.seed(hub)
            var agents: [String: AgentProcess] = [:]
            defer { for agent in agents.values { agent.process.signal(SIGKILL) } }
            for id in Self.agencies {
                let stateDir = try makeAgentConfig(
                    dir.appendingPathComponent("agents"), name: id, hub: hub.baseURL, agency: id, token: tokens[id]!,
                    caFile: hub.caFile)
                agents[id] = try await AgentProcess.start(
                    stateDir: stateDir, logFile: dir.appendingPathComponent("\(id).log"))
            }
            for agent in agents.values { #expect(try await agent.syncUntilUploaded().online) }

            // An edit pushed straight to each process reaches every agent (their streams are
            // held by whichever process nginx gave them).
            for (n, agency) in [(0, "police"), (1, "csc")] {
                let direct = hub.client(tokens[agency], process: n)
                let text = "through process \(n)"
                let plan: Plan = try await direct.get("/v1/plans/child-m")
                let current = plan.actions.first { $0.ref.rawValue == "6.2" }!
                let result = try await direct.push([
                    Change(
                        action: current.address, baseRevision: current.revision,
                        fields: [.progress: FieldChange(from: current.value(of: .progress), to: .text(text))])
                ])[0]
                #expect(result.outcome == .applied, "\(result)")
                for (id, agent) in agents {
                    let seen = try await eventually { try await agent.detail("child-m/6.2").action.progress == text }
                    #expect(seen, "\(id)'s agent never saw the edit made through process \(n)")
                }
            }

            // Crossing edits through the two processes at once, from the same value: one is
            // applied, the other meets it: exactly one conflict.
            let admin = hub.client(hub.adminToken)
            let plan: Plan = try await admin.get("/v1/plans/child-m")
            let action = plan.actions.first { $0.ref.rawValue == "3.1" }!
            let from = action.value(of: .leadOfficer)
            async let policeResult = hub.client(tokens["police"], process: 0).push([
                Change(
                    action: action.address, baseRevision: action.revision,
                    fields: [.leadOfficer: FieldChange(from: from, to: .text("DI Patel"))])
            ])
            async let cscResult = hub.client(tokens["csc"], process: 1).push([
                Change(
                    action: action.address, baseRevision: action.revision,
                    fields: [.leadOfficer: FieldChange(from: from, to: .text("Head of MASH"))])
            ])
            let outcomes = try await [policeResult[0].outcome, cscResult[0].outcome]
            #expect(outcomes.filter { $0 == .applied }.count == 1 && outcomes.filter { $0 == .conflict }.count == 1)
            let conflicts: ConflictList = try await admin.get("/v1/conflicts?status=open")
            #expect(conflicts.conflicts.count == 1)

            // Every agent adds notes while process 0 is killed in the middle: each agent goes on
            // through process 1, and every note reaches the hub exactly once.
            var notes: [UUID] = []
            for round in 0..<6 {
                if round == 2 { hub.hubs[0].process.signal(SIGKILL) }
                for (id, agent) in agents {
                    notes.append(try await agent.note("child-m/6.2", "\(id) note \(round)").change.id)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            for (id, agent) in agents {
                let report = try await agent.syncUntilUploaded()
                #expect(report.online && report.pending == 0, "\(id): \(report)")
            }
            let history: History = try await admin.get("/v1/actions/child-m/6.2/history")
            let received = history.entries.map(\.change.id).filter { notes.contains($0) }
            #expect(received.count == notes.count && Set(received) == Set(notes))
            // And each agent holds every note.
            for (id, agent) in agents {
                let all = try await eventually {
                    try await agent.detail("child-m/6.2").action.notes.count >= notes.count
                }
                #expect(all, "\(id)'s agent is missing notes")
            }
        }
    }

    /// Concurrent pushes through both processes, each making a new action, while a puller
    /// follows process 1 with its cursor: it must see every action, none skipped by a change
    /// that committed after a later-numbered one.
    @Test func concurrentPushesThroughBothProcesses_aPullerFollowingTheCursorMissesNothing() async throws {
        try await Self.withScaledOutHub { hub, _ in
            _ = try await Self.seed(hub)
            let admin = [hub.client(hub.adminToken, process: 0), hub.client(hub.adminToken, process: 1)]
            let pushers = 6
            let perPusher = 40
            let puller = hub.client(hub.adminToken, process: 1)
            let done = Flag()
            async let seen: Set<String> = {
                var seen: Set<String> = []
                var cursor: Int64 = 0
                while true {
                    let finished = done.isSet
                    let page = try await puller.pull(since: cursor, limit: 50, wait: finished ? 0 : 1)
                    for record in page.actions where record.plan.rawValue == "child-m" {
                        seen.insert(record.ref.rawValue)
                    }
                    cursor = page.cursor
                    if finished && !page.more { return seen }
                }
            }()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<pushers {
                    group.addTask {
                        for n in 0..<perPusher {
                            let results = try await admin[p % 2].push([
                                Change(
                                    action: ActionAddress(
                                        plan: PlanID("child-m"), ref: ActionRef("\(50 + p).\(n + 1)")),
                                    baseRevision: 0, create: true,
                                    fields: [
                                        .title: FieldChange(from: .null, to: .text("Pushed \(p)/\(n)")),
                                        .ownerAgency: FieldChange(from: .null, to: .text("police")),
                                    ])
                            ])
                            guard results[0].outcome == .applied else { throw ChildError("\(results[0])") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            done.set()
            let refs = try await seen
            let missing = (0..<pushers).flatMap { p in (0..<perPusher).map { "\(50 + p).\($0 + 1)" } }
                .filter { !refs.contains($0) }
            #expect(missing.isEmpty, "the puller never saw \(missing.count) actions: \(missing.prefix(10))")
        }
    }
}
