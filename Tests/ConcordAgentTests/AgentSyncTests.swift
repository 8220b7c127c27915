import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// Real agent processes against a real hub over TLS.
@Suite("Agent sync with the hub", .serialized)
struct AgentSyncTests {
    @Test func twoAgents_anEditOnOneIsVisibleOnTheOther_andCrossingEditsConflictForBoth() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let dir = hub.dir.appendingPathComponent("agents")
            let policeDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile)
            let cscDir = try makeAgentConfig(
                dir, name: "csc", hub: hub.baseURL, agency: "csc", token: tokens["csc"]!, caFile: hub.caFile)
            let policeAgent = try await AgentProcess.start(
                stateDir: policeDir, logFile: dir.appendingPathComponent("police.log"))
            var cscAgent = try await AgentProcess.start(
                stateDir: cscDir, logFile: dir.appendingPathComponent("csc.log"))
            defer {
                policeAgent.process.signal(SIGKILL)
                cscAgent.process.signal(SIGKILL)
            }
            #expect(try await policeAgent.syncUntilUploaded().online)
            #expect(try await cscAgent.syncUntilUploaded().online)
            #expect(try await cscAgent.status().actions == 14)

            // An edit on police's agent reaches csc's without anyone asking.
            _ = try await policeAgent.update("child-m/3.1", ["progress": .text("98% in February")])
            let seen = try await eventually {
                try await cscAgent.detail("child-m/3.1").action.progress == "98% in February"
            }
            #expect(seen, "csc's agent never saw police's edit")
            // The hub wakes csc's long-poll as it commits, so csc can see the edit a moment
            // before police's agent has read the hub's answer: wait for the acknowledgement.
            let uploaded = try await eventually { try await policeAgent.status().everythingUploaded }
            #expect(uploaded, "police's agent never had its edit acknowledged")

            // Crossing edits: both change the lead officer from the same value, offline from each
            // other — csc's agent cannot reach the hub (nothing listens on port 9) while police's
            // edit reaches it, so csc's edit is made from the old value whatever the timing.
            let base = try await cscAgent.detail("child-m/3.1").action.leadOfficer
            #expect(base != nil)
            await cscAgent.process.stop()
            cscAgent = try await AgentProcess.start(
                stateDir: cscDir, logFile: dir.appendingPathComponent("csc-offline.log"),
                environment: ["CONCORD_AGENT_HUB": "https://127.0.0.1:9"])
            _ = try await cscAgent.update("child-m/3.1", ["leadOfficer": .text("Head of MASH")])
            _ = try await policeAgent.update("child-m/3.1", ["leadOfficer": .text("DCI Public Protection")])
            let policeReport = try await policeAgent.syncUntilUploaded()
            #expect(policeReport.online && policeReport.pending == 0, "\(policeReport)")
            await cscAgent.process.stop()
            cscAgent = try await AgentProcess.start(
                stateDir: cscDir, logFile: dir.appendingPathComponent("csc-online.log"))
            let cscReport = try await cscAgent.syncUntilUploaded()
            #expect(cscReport.online && cscReport.pending == 0, "\(cscReport)")
            let conflicts: ConflictList = try await hub.admin.get("/v1/conflicts?status=open")
            #expect(conflicts.conflicts.count == 1)
            let conflict = try #require(conflicts.conflicts.first)
            let loser = conflict.agency.rawValue == "police" ? policeAgent : cscAgent
            let agencyConflicts: ConflictList = try await loser.control.get("/v1/conflicts")
            #expect(agencyConflicts.conflicts.map(\.id) == conflicts.conflicts.map(\.id))
            let detail = try await loser.detail("child-m/3.1")
            #expect(detail.problems.map(\.outcome) == [.conflict])
            #expect(detail.conflicts.first?.status == .open)

            // The admin resolves; the resolution reaches both agents.
            let resolved: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(conflict.id)/resolve",
                ResolveRequest(choice: .newValue, value: .text("DCI (MASH lead)"), rationale: "Agreed at subgroup"))
            #expect(resolved.conflict.status == .resolved)
            _ = try await policeAgent.sync()
            _ = try await cscAgent.sync()
            for agent in [policeAgent, cscAgent] {
                let converged = try await eventually {
                    try await agent.detail("child-m/3.1").action.leadOfficer == "DCI (MASH lead)"
                }
                #expect(converged, "\(agent.stateDir.lastPathComponent)'s agent never saw the resolution")
            }
            let settled = try await eventually {
                let list: ConflictList = try await loser.control.get("/v1/conflicts")
                return list.conflicts.first?.status == .resolved
            }
            #expect(settled, "the loser's agent never saw its conflict resolved")

            await policeAgent.process.stop()
            await cscAgent.process.stop()
        }
    }

    @Test func offline_editsAcrossAnAgentRestart_reachTheHubExactlyOnceWhenItReturns() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("hub")
            let initialised = try await ChildProcess.run(
                "concord-hub",
                ["init", "--data-dir", data.path, "--host", "127.0.0.1", "--port", "0", "--hostname", "localhost"])
            #expect(initialised.status == 0, "\(initialised.output)")
            let tokenFile = dir.appendingPathComponent("police.token")
            let police = try await ChildProcess.run(
                "concord-hub",
                [
                    "agency", "add", "police", "--name", "Police", "--data-dir", data.path, "--token-file",
                    tokenFile.path,
                ])
            #expect(police.status == 0, "\(police.output)")
            for id in ["csc", "icb", "education", "probation", "nhs-trust"] {
                let added = try await ChildProcess.run(
                    "concord-hub", ["agency", "add", id, "--name", id, "--data-dir", data.path])
                #expect(added.status == 0, "\(added.output)")
            }
            // The hub picks a free port and says which in the port file; after a restart it must
            // listen on that same port, as the agent's config names it.
            let portFile = dir.appendingPathComponent("hub.port")
            func startHub(port: Int?, log: String) async throws -> (ChildProcess, Int) {
                try? FileManager.default.removeItem(at: portFile)
                var environment = ["CONCORD_HUB_PORT_FILE": portFile.path]
                if let port { environment["CONCORD_HUB_PORT"] = "\(port)" }
                let hub = try ChildProcess(
                    "concord-hub", ["serve", "--data-dir", data.path], environment: environment,
                    logFile: dir.appendingPathComponent(log))
                do {
                    return (hub, try await waitForPort(portFile, process: hub))
                } catch {
                    hub.signal(SIGKILL)
                    throw error
                }
            }
            let started = try await startHub(port: nil, log: "hub.log")
            var hub = started.0
            let port = started.1
            defer { hub.signal(SIGKILL) }
            let caFile = data.appendingPathComponent("tls/ca.pem").path
            var adminConfig = HTTPClientConfiguration(
                baseURL: "https://127.0.0.1:\(port)", caFile: caFile,
                bearerToken: try String(contentsOf: data.appendingPathComponent("admin.token"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            adminConfig.proxy = ""
            let admin = JSONClient(HTTPClient(adminConfig))
            let csv = try String(
                contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
            let _: PlanImportResponse = try await admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID("child-m"), title: "Child M", csv: csv), expect: 201)

            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: "https://127.0.0.1:\(port)", agency: "police",
                token: try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines),
                caFile: caFile)
            let agentLog = dir.appendingPathComponent("agent.log")
            var agent = try await AgentProcess.start(stateDir: stateDir, logFile: agentLog)
            #expect(try await agent.syncUntilUploaded().online)

            // The hub goes away; the agency keeps working.
            await hub.stop()
            var notes: [UUID] = []
            for i in 0..<5 { notes.append(try await agent.note("child-m/3.1", "offline note \(i)").change.id) }
            let offline = try await agent.sync(wait: 3)
            #expect(!offline.online && offline.pending == 5)
            #expect(offline.problem?.contains("cannot reach the hub") == true, "\(offline.problem ?? "")")

            // The agent restarts while still offline, and more edits are made.
            await agent.process.stop()
            agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("agent2.log"))
            for i in 5..<8 { notes.append(try await agent.note("child-m/3.1", "offline note \(i)").change.id) }
            #expect(try await agent.status().pending == 8)

            // The hub returns (serving once its port file is written); a sync delivers every edit
            // exactly once.
            hub = try await startHub(port: port, log: "hub2.log").0
            let report = try await agent.syncUntilUploaded()
            #expect(report.online && report.pending == 0, "\(report)")
            let history: History = try await admin.get("/v1/actions/child-m/3.1/history")
            let received = history.entries.map(\.change.id).filter { notes.contains($0) }
            #expect(received.count == 8 && Set(received).count == 8)
            let plan: Plan = try await admin.get("/v1/plans/child-m")
            #expect(plan.actions.first { $0.ref.rawValue == "3.1" }?.notes.count == 8)
            await agent.process.stop()
            await hub.stop()
        }
    }

    @Test func syncWait_returnsOnlyWhenEveryPageIsPulled() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            // 2,500 more actions: three pages of a pull (1,000 a page).
            var csv = "ref,action,lead_agency,supporting_agencies,rag\n"
            for i in 0..<2500 { csv += "\(i / 100 + 1).\(i % 100 + 1),Action \(i),police,,amber\n" }
            let _: PlanImportResponse = try await hub.admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID("big"), title: "Big plan", csv: csv), expect: 201)
            let dir = hub.dir.appendingPathComponent("agents")
            let policeDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile)
            let agent = try await AgentProcess.start(stateDir: policeDir, logFile: dir.appendingPathComponent("p.log"))
            defer { agent.process.signal(SIGKILL) }
            let report = try await agent.sync(wait: 20)
            #expect(report.online)
            // Straight after the answer, not eventually: the wait covered every page.
            let big: ActionList = try await agent.control.get("/v1/actions?plan=big")
            #expect(big.actions.count == 2500)
        }
    }

    @Test func badEdits_getA4xxNamingFieldAndRule_andAreNotQueued() async throws {
        try await withTemporaryDirectory { dir in
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: "https://127.0.0.1:9", agency: "police", token: "cch_unused", caFile: nil)
            do {
                let store = try AgentStore(directory: stateDir.path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord("3.1")], cursor: 1), at: now)
            }
            let agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("a.log"))
            defer { agent.process.signal(SIGKILL) }
            let cases: [(String, String, Int, String)] = [
                ("/v1/actions/child-m/3.1", #"{"set":{"rag":"green"}}"#, 422, "requiresEvidence"),
                ("/v1/actions/child-m/3.1", #"{"set":{"rag":"purple"}}"#, 422, "unknownRating"),
                ("/v1/actions/child-m/3.1", #"{"set":{"targetDate":"2026-06-30"}}"#, 422, "targetDateNeedsReason"),
                ("/v1/actions/child-m/3.1", #"{"set":{"ownerAgency":"csc"}}"#, 422, "adminOnly"),
                ("/v1/actions/child-m/3.1", #"{"set":{"colour":"green"}}"#, 400, "unknown field 'colour'"),
                ("/v1/actions/child-m/3.1", #"{"set":{"progress":"Performance at 97%"}}"#, 400, "nothing to change"),
                ("/v1/actions/child-m/9.9", #"{"set":{"progress":"x"}}"#, 404, "action 9.9 not found in plan child-m"),
                ("/v1/actions/child-m/3.1", #"{"set":"#, 400, "malformed"),
                ("/v1/actions/child-m/3.1/evidence", #"{"summary":" "}"#, 422, "cannot be empty"),
            ]
            for (path, body, status, words) in cases {
                let response = try await agent.control.raw("POST", path, body: Array(body.utf8))
                #expect(response.status == status, "\(body): \(response.text)")
                #expect(response.text.contains(words), "\(body): \(response.text)")
            }
            // Unknown routes and wrong methods, and bad query values.
            for (method, path, status, words) in [
                ("DELETE", "/v1/status", 404, #""code":"http404","message":"no such route: DELETE /v1/status""#),
                ("GET", "/v1/nothing/here", 404, "no such route: GET /v1/nothing/here"),
                ("POST", "/v1/actions", 404, "no such route: POST /v1/actions"),
                ("GET", "/v1/actions?agency=Not%20An%20Id", 400, "agency id"),
                ("POST", "/v1/sync?wait=301", 400, "wait must be a whole number of seconds from 0 to 300"),
            ] {
                let response = try await agent.control.raw(method, path, body: method == "GET" ? nil : [])
                #expect(response.status == status, "\(method) \(path): \(response.text)")
                #expect(response.text.contains(words), "\(method) \(path): \(response.text)")
            }
            #expect(try await agent.status().pending == 0)
            let ok = try await agent.update(
                "child-m/3.1", ["targetDate": .text("2026-06-30")], reason: "Audit moved to June")
            #expect(ok.action.targetDate == LocalDate("2026-06-30"))
            #expect(try await agent.status().pending == 1)
        }
    }
}
