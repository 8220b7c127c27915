import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import GRDB
import Testing

@testable import ConcordAgent
@testable import ConcordHub

/// Runs the real `concordctl` binary.
func concordctl(
    _ arguments: [String], environment: [String: String] = [:]
) async throws -> (
    status: Int32, out: String, err: String
) {
    var env = ["COLUMNS": "100", "CONCORD_HUB_CONFIG": "/nonexistent", "CONCORD_SOCKET": ""]
    for (k, v) in environment { env[k] = v }
    let r = try await ChildProcess.runSeparately("concordctl", arguments, environment: env)
    return (r.status, r.stdout, r.stderr)
}

/// A hub with the Northbridge agencies and plan child-m, agents for police and csc, and the
/// flags to reach each.
final class Partnership: @unchecked Sendable {
    let hub: TestHub
    let police: [String]
    let csc: [String]
    let admin: [String]
    let dir: URL
    var agents: [String: ChildProcess] = [:]

    init(hub: TestHub, police: [String], csc: [String], admin: [String], dir: URL) {
        self.hub = hub
        self.police = police
        self.csc = csc
        self.admin = admin
        self.dir = dir
    }

    func flags(_ name: String) -> [String] { name == "police" ? police : csc }

    /// Starts `name`'s agent and waits (up to 60 s) until `concordctl status` reaches it.
    func start(_ name: String, environment: [String: String] = [:]) async throws {
        let stateDir = dir.appendingPathComponent(name)
        let agent = try ChildProcess(
            "concord-agent", ["run", "--state-dir", stateDir.path], environment: environment,
            logFile: dir.appendingPathComponent("\(name).log"))
        agents[name] = agent
        let answering = try await eventually(timeout: .seconds(60)) {
            guard agent.isRunning else { throw ChildError("\(name)'s agent exited:\n\(agent.log)") }
            return try await concordctl(["status"] + flags(name)).status == 0
        }
        guard answering else { throw ChildError("\(name)'s agent never answered:\n\(agent.log)") }
    }

    func stop(_ name: String) async { await agents[name]?.stop() }

    /// Restarts `name`'s agent unable to reach the hub (as on a train, or behind a broken proxy).
    func goOffline(_ name: String) async throws {
        await stop(name)
        try await start(name, environment: ["CONCORD_AGENT_HUB": "https://127.0.0.1:9"])
    }

    /// Restarts `name`'s agent able to reach the hub again.
    func comeBack(_ name: String) async throws {
        await stop(name)
        try await start(name)
    }

    /// `concordctl sync --json` until `name`'s agent is online with nothing pending, or
    /// `timeout` has passed (a sync returns at once while the hub cannot be reached); returns
    /// the last report.
    func syncUntilUploaded(_ name: String, timeout: Duration = .seconds(60)) async throws -> SyncReport {
        let deadline = ContinuousClock.now + timeout
        while true {
            let r = try await concordctl(["sync", "--wait", "20", "--json"] + flags(name))
            let report = try #require(try? decode(SyncReport.self, r.out), "sync --json: \(r.out) \(r.err)")
            if (report.online && report.pending == 0) || ContinuousClock.now >= deadline { return report }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Crossing edits: csc edits offline a field police changes meanwhile, then reconnects.
    func crossingLeadOfficerEdits() async throws {
        try await goOffline("csc")
        var r = try await concordctl(["update", "child-m/3.1", "--lead-officer", "DCI"] + police)
        #expect(r.status == 0, "\(r.err)")
        let policeReport = try await syncUntilUploaded("police")
        #expect(policeReport.online && policeReport.pending == 0, "\(policeReport)")
        r = try await concordctl(["update", "child-m/3.1", "--lead-officer", "Head of MASH"] + csc)
        #expect(r.status == 0, "\(r.err)")
        try await comeBack("csc")
        let cscReport = try await syncUntilUploaded("csc")
        #expect(cscReport.online && cscReport.pending == 0, "\(cscReport)")
    }
}

func withPartnership(clock: TestClock? = nil, _ body: (Partnership) async throws -> Void) async throws {
    try await withTestHub(clock: clock) { hub in
        let tokens = try await hub.seed()
        let dir = hub.dir.appendingPathComponent("agents")
        var sockets: [String: [String]] = [:]
        for name in ["police", "csc"] {
            let stateDir = try makeAgentConfigForCLI(dir, name: name, hub: hub, token: tokens[name]!)
            sockets[name] = ["--socket", stateDir.appendingPathComponent("control.sock").path]
        }
        let adminToken = dir.appendingPathComponent("admin.token")
        try writeSecret(hub.adminToken, to: adminToken)
        let partnership = Partnership(
            hub: hub, police: sockets["police"]!, csc: sockets["csc"]!,
            admin: ["--hub", hub.baseURL, "--token-file", adminToken.path, "--ca-file", hub.caFile], dir: dir)
        defer { for a in partnership.agents.values { a.signal(SIGKILL) } }
        for name in ["police", "csc"] { try await partnership.start(name) }
        for name in ["police", "csc"] {
            let report = try await partnership.syncUntilUploaded(name)
            #expect(report.online, "\(name): \(report)")
        }
        try await body(partnership)
        for a in partnership.agents.values { await a.stop() }
    }
}

func makeAgentConfigForCLI(_ dir: URL, name: String, hub: TestHub, token: String) throws -> URL {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let stateDir = dir.appendingPathComponent(name)
    let tokenFile = dir.appendingPathComponent("\(name).token")
    try writeSecret(token + "\n", to: tokenFile)
    _ = try AgentApp.initialize(
        stateDir: stateDir.path, hub: hub.baseURL, agency: try AgencyID(name), tokenFile: tokenFile.path,
        caFile: hub.caFile)
    return stateDir
}

func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(text.utf8))
}

@Suite("concordctl against a real agent and hub", .serialized)
struct CLITests {
    @Test func everyAgencyCommand_inTableAndJSONForm() async throws {
        try await withPartnership { p in
            // status
            var r = try await concordctl(["status"] + p.police)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("agency:     police") && r.out.contains("Everything is uploaded."))
            r = try await concordctl(["status", "--json"] + p.police)
            let status = try decode(AgentStatus.self, r.out)
            #expect(status.online && status.pending == 0 && status.actions == 14)

            // actions
            r = try await concordctl(["actions", "--plan", "child-m", "--mine"] + p.police)
            #expect(r.status == 0 && r.out.contains("child-m/3.1") && !r.out.contains("child-m/2.1"), "\(r.out)")
            r = try await concordctl(["actions", "--agency", "Not An Id"] + p.police)
            #expect(r.status == 1 && r.err.contains("agency id"), "\(r.err)")
            r = try await concordctl(["actions", "--json", "--rag", "red"] + p.police)
            let reds = try decode(ActionList.self, r.out).actions
            #expect(!reds.isEmpty && reds.allSatisfy { $0.rag == "red" })

            // update, evidence, note
            r = try await concordctl(
                ["update", "child-m/3.1", "--progress", "98% in February", "--rag", "amber"] + p.police)
            #expect(r.status == 0 && r.out.contains("updated child-m/3.1"), "\(r.err)")
            r = try await concordctl(
                ["evidence", "add", "child-m/3.1", "--summary", "MASH audit", "--kind", "impact", "--json"] + p.police)
            #expect(r.status == 0, "\(r.err)")
            #expect(try decode(EditReceipt.self, r.out).action.evidence.contains { $0.summary == "MASH audit" })
            r = try await concordctl(
                ["note", "add", "child-m/3.1", "Discussed at the Performance subgroup"] + p.police)
            #expect(r.status == 0 && r.out.contains("note added"), "\(r.err)")
            r = try await concordctl(["note", "add", "child-m/3.1", "Figures checked", "--json"] + p.police)
            #expect(try decode(EditReceipt.self, r.out).action.notes.count == 2)
            r = try await concordctl(
                ["evidence", "add", "child-m/3.1", "--summary", "Monthly report", "--ref", "DOC-17"] + p.police)
            #expect(r.status == 0 && r.out.contains("evidence added to child-m/3.1"), "\(r.err)")
            r = try await concordctl(["update", "child-m/3.1", "--rag", "green", "--json"] + p.police)
            #expect(r.status == 0, "green is allowed once evidence is there: \(r.err)")

            // show
            r = try await concordctl(["show", "child-m/3.1"] + p.police)
            #expect(r.status == 0 && r.out.contains("progress:") && r.out.contains("98% in February"))
            #expect(r.out.contains("impact: MASH audit"))
            r = try await concordctl(["show", "child-m/3.1", "--json"] + p.police)
            #expect(try decode(ActionDetail.self, r.out).action.rag == "green")

            // sync: everything reaches csc's agent
            r = try await concordctl(["sync", "--wait", "10"] + p.police)
            #expect(r.status == 0 && r.out.contains("synced:") && r.out.contains("everything is uploaded"), "\(r.out)")
            let seen = try await eventually {
                let csc = try await concordctl(["show", "child-m/3.1", "--json"] + p.csc)
                return (try? decode(ActionDetail.self, csc.out).action.notes.count) == 2
            }
            #expect(seen, "csc's agent never saw police's notes")
            r = try await concordctl(["sync", "--json"] + p.police)
            #expect(try decode(SyncReport.self, r.out).pending == 0)

            // conflicts: csc edits offline a field police changes meanwhile
            try await p.crossingLeadOfficerEdits()
            let policeConflicts = try decode(
                ConflictList.self, try await concordctl(["conflicts", "--json"] + p.police).out)
            let cscConflicts = try decode(ConflictList.self, try await concordctl(["conflicts", "--json"] + p.csc).out)
            #expect(policeConflicts.conflicts.count + cscConflicts.conflicts.count == 1)
            let loser = policeConflicts.conflicts.isEmpty ? p.csc : p.police
            r = try await concordctl(["problems"] + loser)
            #expect(r.status == 0 && r.out.contains("conflict") && r.out.contains("child-m/3.1"), "\(r.out)")
            r = try await concordctl(["problems", "--json"] + loser)
            #expect(try decode(ProblemList.self, r.out).problems.map(\.outcome) == [.conflict])
            r = try await concordctl(["conflicts"] + loser)
            #expect(r.status == 0 && r.out.contains("leadOfficer") && r.out.contains("1 open"), "\(r.out)")
        }
    }

    /// The admin's question "which agency has gone quiet?": when the hub last heard from each
    /// agency and last took its push, in the table, in JSON and in /metrics.
    @Test func hubAgencies_sayWhenEachWasLastHeardFrom_andListTheSilentOnes() async throws {
        try await withPartnership { p in
            var r = try await concordctl(["update", "child-m/3.1", "--progress", "Checked"] + p.police)
            #expect(r.status == 0, "\(r.err)")
            r = try await concordctl(["sync", "--wait", "10"] + p.police)
            #expect(r.status == 0, "\(r.err)")
            r = try await concordctl(["hub", "agencies", "--json"] + p.admin)
            let agencies = Dictionary(
                uniqueKeysWithValues: try decode(AgencyList.self, r.out).agencies.map { ($0.id.rawValue, $0) })
            // police and csc run agents (streaming); icb has never been heard from.
            #expect(agencies["police"]?.lastContact != nil && agencies["police"]?.lastPush != nil)
            #expect(agencies["csc"]?.lastContact != nil && agencies["csc"]?.lastPush == nil)
            #expect(agencies["icb"]?.lastContact == nil)
            r = try await concordctl(["hub", "agencies"] + p.admin)
            let police = r.out.split(separator: "\n").first { $0.hasPrefix("police") }.map(String.init) ?? ""
            let icb = r.out.split(separator: "\n").first { $0.hasPrefix("icb") }.map(String.init) ?? ""
            #expect(r.out.contains("LAST CONTACT") && police.contains(" s ago (") && icb.contains("never"), "\(r.out)")

            r = try await concordctl(["hub", "agencies", "--silent", "1h", "--json"] + p.admin)
            let silent = Set(try decode(AgencyList.self, r.out).agencies.map(\.id.rawValue))
            #expect(silent.contains("icb") && !silent.contains("police") && !silent.contains("csc"), "\(silent)")
            r = try await concordctl(["hub", "agencies", "--silent", "3x"] + p.admin)
            #expect(r.status != 0 && r.err.contains("--silent takes a span such as 3d"), "\(r.err)")

            // Anyone may scrape /metrics; who the partners are and when each was last active is
            // for an admin's (or viewer's) scrape only.
            let anonymous = try await p.hub.client(nil).raw("GET", "/metrics").text
            #expect(!anonymous.contains("concord_agency_last_seen_seconds"))
            let metrics = try await p.hub.admin.raw("GET", "/metrics").text
            #expect(metrics.contains("concord_agency_last_seen_seconds{agency=\"police\"}"))
            #expect(metrics.contains("concord_agency_last_push_seconds{agency=\"police\"}"))
            #expect(!metrics.contains("concord_agency_last_seen_seconds{agency=\"icb\"}"))
            #expect(
                metrics.contains("concord_http_request_duration_seconds_bucket{route=\"/v1/sync/push\""), "\(metrics)")
            #expect(metrics.contains("concord_push_batch_changes_count"))
            #expect(metrics.contains("concord_streams 2"), "two agents hold streams")
        }
    }

    @Test func everyHubCommand_inTableAndJSONForm() async throws {
        try await withPartnership { p in
            var r = try await concordctl(["hub", "agencies"] + p.admin)
            #expect(r.status == 0 && r.out.contains("police") && r.out.contains("ROLE"), "\(r.err)")
            r = try await concordctl(
                ["hub", "agencies", "add", "fire", "--name", "Fire and Rescue", "--json"] + p.admin)
            let issued = try decode(IssuedToken.self, r.out)
            #expect(issued.agency.id.rawValue == "fire" && issued.token.hasPrefix("cch_"))
            r = try await concordctl(["hub", "agencies", "add", "ambulance", "--name", "Ambulance"] + p.admin)
            #expect(r.status == 0 && r.out.contains("shown once"))
            r = try await concordctl(["hub", "agencies", "revoke", "fire"] + p.admin)
            #expect(r.status == 0 && r.out.contains("revoked"))
            r = try await concordctl(["hub", "agencies", "revoke", "ambulance", "--json"] + p.admin)
            #expect(try decode(AgencyInfo.self, r.out).activeTokens == 0)
            r = try await concordctl(["hub", "agencies", "list", "--json"] + p.admin)
            #expect(try decode(AgencyList.self, r.out).agencies.first { $0.id.rawValue == "fire" }?.activeTokens == 0)

            r = try await concordctl(["hub", "plans"] + p.admin)
            #expect(r.status == 0 && r.out.contains("child-m") && r.out.contains("14"))
            r = try await concordctl(["hub", "plans", "--json"] + p.admin)
            #expect(try decode(PlanList.self, r.out).plans.map(\.id.rawValue) == ["child-m"])
            let csv = repoRoot.appendingPathComponent("samples/plan-improvement-2025.csv").path
            r = try await concordctl(
                ["hub", "import", "improvement-2025", "--title", "Improvement plan", csv] + p.admin)
            #expect(r.status == 0 && r.out.contains("8 actions") && r.out.contains("flagged"), "\(r.out) \(r.err)")
            r = try await concordctl(
                ["hub", "import", "improvement-2025", "--title", "Improvement plan", csv, "--json"] + p.admin)
            #expect(try decode(PlanImportResponse.self, r.out).results.allSatisfy { $0.outcome == .merged })
            r = try await concordctl(["hub", "export", "improvement-2025"] + p.admin)
            #expect(r.status == 0 && r.out.hasPrefix("ref,recommendation,action,lead_agency"))
            // What the admin saves is the spreadsheet exactly: CRLF rows, and it imports back.
            let exported = r.out
            #expect(exported.contains("\r\n") && !exported.contains("⟨U+D⟩"))
            let reimported = try PlanCSV.importPlan(
                exported, id: PlanID("improvement-2025"), title: "Improvement plan",
                knownAgencies: Set(
                    ["lscp", "csc", "police", "icb", "education", "probation", "nhs-trust"].map { try AgencyID($0) }))
            #expect(PlanCSV.export(reimported.plan) == exported)
            r = try await concordctl(["hub", "export", "improvement-2025", "--json"] + p.admin)
            #expect(try decode(Plan.self, r.out).actions.count == 8)

            // A conflict, seen and resolved by the admin.
            try await p.crossingLeadOfficerEdits()
            r = try await concordctl(["hub", "conflicts", "--open", "--json"] + p.admin)
            let open = try decode(ConflictList.self, r.out).conflicts
            let id = try #require(open.first?.id)
            r = try await concordctl(["hub", "conflicts", "--open"] + p.admin)
            #expect(r.out.contains("leadOfficer") && r.out.contains("1 open"))
            r = try await concordctl(["hub", "conflicts", "show", "\(id)"] + p.admin)
            #expect(r.status == 0 && r.out.contains("agency value:  Head of MASH"), "\(r.out)")
            r = try await concordctl(["hub", "conflicts", "show", "\(id)", "--json"] + p.admin)
            #expect(try decode(ConflictRecord.self, r.out).status == .open)
            r = try await concordctl(
                ["hub", "resolve", "\(id)", "--take-agency", "--reason", "CSC leads the MASH", "--json"] + p.admin)
            #expect(try decode(ResolveResponse.self, r.out).conflict.status == .resolved, "\(r.out) \(r.err)")
            r = try await concordctl(["hub", "resolve", "\(id)", "--keep-hub", "--reason", "again"] + p.admin)
            #expect(r.status == 1 && r.err.contains("already resolved"), "\(r.err)")

            r = try await concordctl(["hub", "history", "child-m/3.1"] + p.admin)
            #expect(r.status == 0 && r.out.contains("created") && r.out.contains("conflict"), "\(r.out)")
            r = try await concordctl(["hub", "history", "child-m/3.1", "--json"] + p.admin)
            #expect(
                try decode(History.self, r.out).entries.map(\.outcome) == [.applied, .applied, .conflict, .applied])

            // Everyone converges on the resolution.
            _ = try await concordctl(["sync"] + p.police)
            _ = try await concordctl(["sync"] + p.csc)
            for name in ["police", "csc"] {
                var last: String?
                let converged = try await eventually {
                    let r = try await concordctl(["show", "child-m/3.1", "--json"] + p.flags(name))
                    last = (try? decode(ActionDetail.self, r.out))?.action.leadOfficer
                    return last == "Head of MASH"
                }
                #expect(converged, "\(name)'s agent has lead officer \(last ?? "nil"), not the resolution's")
            }
        }
    }

    /// M8: text stored before the stricter checks (or by any hostile path) never reaches a
    /// terminal raw: escape sequences, a carriage return and bidi overrides are shown as
    /// `⟨U+…⟩`, and JSON keeps the same values as `\u` escapes.
    @Test func storedTerminalControls_areShownNotObeyed() async throws {
        try await withPartnership { p in
            let hostile = "Done\u{1B}[2J\rOK \u{202E}tset\u{202C} \u{9B}31m"
            // As an older hub might hold it: written to the database directly.
            try await p.hub.store.sqlitePool!.write { db in
                let text = try String.fetchOne(
                    db, sql: "SELECT record FROM actions WHERE plan_id = 'child-m' AND ref = '3.1'")!
                var record = try JSONDecoder().decode(Action.self, from: Data(text.utf8))
                record.progress = hostile
                record.revision += 1
                let seq = try Int64.fetchOne(db, sql: "SELECT value + 1 FROM meta WHERE key = 'seq'")!
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'seq'", arguments: [seq])
                try db.execute(
                    sql:
                        "UPDATE actions SET record = ?, revision = ?, seq = ? WHERE plan_id = 'child-m' AND ref = '3.1'",
                    arguments: [
                        String(decoding: try JSONEncoder().encode(record), as: UTF8.self), record.revision, seq,
                    ])
            }
            _ = try await concordctl(["sync"] + p.police)
            let shown = try await eventually {
                try await concordctl(["show", "child-m/3.1"] + p.police).out.contains("⟨U+1B⟩")
            }
            #expect(shown)
            for arguments in [["show", "child-m/3.1"], ["actions"], ["show", "child-m/3.1", "--json"]] {
                let r = try await concordctl(arguments + p.police)
                #expect(r.status == 0, "\(r.err)")
                let raw = r.out.unicodeScalars.filter { v in
                    (v.value < 0x20 && v.value != 0x0A && v.value != 0x09) || (0x7F...0x9F).contains(v.value)
                        || (0x202A...0x202E).contains(v.value)
                }
                #expect(raw.isEmpty, "\(arguments): raw controls \(raw.map { String($0.value, radix: 16) })")
            }
            let json = try await concordctl(["show", "child-m/3.1", "--json"] + p.police)
            let detail = try JSONDecoder().decode(ActionDetail.self, from: Data(json.out.utf8))
            #expect(detail.action.progress == hostile, "the JSON keeps the stored value")
            let history = try await concordctl(["hub", "history", "child-m/3.1"] + p.admin)
            #expect(history.status == 0 && !history.out.contains("\u{1B}"), "\(history.err)")
        }
    }

    @Test func eachErrorClass_exitsOneWithOneClearLine() async throws {
        try await withPartnership { p in
            func expectError(_ args: [String], _ words: String, status: Int32 = 1) async throws {
                let r = try await concordctl(args)
                #expect(r.status == status, "\(args): \(r.status) \(r.err)")
                #expect(r.err.contains(words), "\(args): \(r.err)")
                if status == 1 { #expect(r.err.split(separator: "\n").count == 1, "one line: \(r.err)") }
            }
            try await expectError(
                ["status", "--socket", "/tmp/concord-no-agent.sock"], "systemctl start concord-agent")
            try await expectError(["status", "--socket", "/tmp/concord-no-agent.sock"], "/tmp/concord-no-agent.sock")
            try await expectError(
                ["hub", "plans", "--hub", "https://127.0.0.1:9", "--token-file", p.admin[3]], "unreachable")
            let badToken = p.hub.dir.appendingPathComponent("bad.token")
            try "cch_wrong".write(to: badToken, atomically: true, encoding: .utf8)
            try await expectError(
                ["hub", "plans", "--hub", p.hub.baseURL, "--token-file", badToken.path, "--ca-file", p.hub.caFile],
                "unknown or revoked token")
            try await expectError(["show", "child-m/9.9"] + p.police, "action 9.9 not found in plan child-m")
            // child-m/3.2 (amber, target 2026-06-30) is supported by police.
            try await expectError(
                ["update", "child-m/3.2", "--rag", "purple"] + p.police, "is not a rating of scheme brag")
            try await expectError(
                ["update", "child-m/3.2", "--rag", "green"] + p.police, "needs at least one evidence item")
            try await expectError(
                ["update", "child-m/3.2", "--target-date", "2026-12-31"] + p.police, "moves only with a reason")
            try await expectError(["update", "child-m/3.1"] + p.police, "give at least one field", status: 2)
            try await expectError(["show", "child m"] + p.police, "PLAN/REF", status: 2)
            try await expectError(["hub", "resolve", "1", "--reason", "x"] + p.admin, "choose one of", status: 2)
            try await expectError(["frobnicate"], "Unexpected argument", status: 2)
        }
    }
}

/// Help texts are part of the interface: compared with snapshots in Snapshots/.
/// `UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshots` rewrites them.
@Suite("Help snapshots")
struct HelpSnapshotTests {
    static let commands: [[String]] = [
        [], ["status"], ["actions"], ["show"], ["update"], ["evidence", "add"], ["note", "add"], ["sync"],
        ["conflicts"], ["problems"], ["hub"], ["hub", "agencies"], ["hub", "agencies", "add"], ["hub", "import"],
        ["hub", "conflicts"], ["hub", "resolve"], ["hub", "history"],
    ]

    @Test(arguments: commands)
    func helpText_matchesItsSnapshot(_ command: [String]) async throws {
        let r = try await concordctl(command + ["--help"])
        #expect(r.status == 0)
        let name = (["concordctl"] + command).joined(separator: "-")
        let file = repoRoot.appendingPathComponent("Tests/ConcordCLITests/Snapshots/\(name).txt")
        if ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] == "1" {
            try r.out.write(to: file, atomically: true, encoding: .utf8)
        }
        let snapshot = try String(contentsOf: file, encoding: .utf8)
        #expect(r.out == snapshot, "help of `\(name)` changed; if intended, run with UPDATE_SNAPSHOTS=1")
    }

    @Test func committedCompletionsAndManPage_matchTheCommandDefinitions() async throws {
        for shell in ["bash", "fish"] {
            let r = try await concordctl(["--generate-completion-script", shell])
            let committed = try String(
                contentsOf: repoRoot.appendingPathComponent("completions/concordctl.\(shell)"), encoding: .utf8)
            #expect(r.out == committed, "completions/concordctl.\(shell) is stale: run scripts/generate-docs")
        }
        let man = try String(contentsOf: repoRoot.appendingPathComponent("docs/man/concordctl.1"), encoding: .utf8)
        for command in [
            "status", "actions", "show", "update", "evidence", "note", "sync", "conflicts", "hub", "resolve", "history",
            "import", "export",
        ] {
            #expect(man.contains(command), "docs/man/concordctl.1 lacks \(command): run scripts/generate-docs")
        }
    }

    @Test func completionScripts_nameEveryCommand() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try await concordctl(["--generate-completion-script", shell])
            #expect(r.status == 0)
            for word in ["status", "actions", "update", "evidence", "resolve", "history"] {
                #expect(r.out.contains(word), "\(shell) completion lacks \(word)")
            }
        }
    }
}
