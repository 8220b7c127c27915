import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

/// Issue 14 end to end: real agents, the real concordctl, a real hub over TLS. What the
/// policy blocks never leaves the agency's machine; what it flags is shown and listed; a
/// redaction reaches every agent and leaves no copy in any file.
@Suite("Identifier screening, end to end", .serialized)
struct ScreeningCLITests {
    /// The files under `dir` whose bytes hold `needle`, by path (the agents' folder, which
    /// the test's hub directory holds, apart).
    static func files(in dir: URL, holding needle: String) throws -> [String] {
        let wanted = Data(needle.utf8)
        var found: [String] = []
        let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                let data = try? Data(contentsOf: url)
            else { continue }
            if data.range(of: wanted) != nil, !url.path.dropFirst(dir.path.count).hasPrefix("/agents/") {
                found.append(url.path)
            }
        }
        return found
    }

    static func status(_ p: Partnership, _ name: String) async throws -> AgentStatus {
        let r = try await concordctl(["status", "--json"] + p.flags(name))
        return try decode(AgentStatus.self, r.out)
    }

    static func note(_ p: Partnership, _ name: String, _ ref: String = "child-m/3.1") async throws -> [String] {
        let r = try await concordctl(["show", ref, "--json"] + p.flags(name))
        return (try? decode(ActionDetail.self, r.out))?.action.notes.map(\.text) ?? []
    }

    @Test func blockedAtTheAgent_nothingQueued_andAHostileClientIsRefusedByTheHub() async throws {
        try await withPartnership { p in
            let typed = "Child M (DOB 12/03/2014, NHS 943 476 5919) now at St Mary's"
            var r = try await concordctl(["note", "add", "child-m/3.1", typed] + p.police)
            #expect(r.status == 1)
            #expect(r.err.contains("a date of birth at characters 14–23"), "\(r.err)")
            #expect(r.err.contains("an NHS number at characters 30–41") && r.err.contains("identifyingDetail"))
            #expect(!r.err.contains("943 476 5919") && !r.err.contains("12/03/2014"))
            r = try await concordctl(
                ["update", "child-m/3.1", "--progress", "Seen at LS6 2QT, NHS 9434765919"] + p.police)
            #expect(r.status == 1 && r.err.contains("progress") && r.err.contains("an NHS number"), "\(r.err)")
            // Nothing was queued, and nothing of it is on the agency's disk.
            #expect(try await Self.status(p, "police").pending == 0)
            let police = p.dir.appendingPathComponent("police")
            #expect(try Self.files(in: police, holding: "943 476 5919").isEmpty)
            #expect(try Self.files(in: police, holding: "9434765919").isEmpty)

            // An old or hostile client pushing straight to the hub is refused the same way, and
            // the hub keeps no copy of what it refused.
            let token = try String(contentsOf: p.dir.appendingPathComponent("police.token"), encoding: .utf8)
            let hostile = p.hub.client(token.trimmingCharacters(in: .whitespacesAndNewlines))
            let change = Change(
                action: try ActionAddress("child-m/3.1"), baseRevision: 1,
                append: [.note(ProgressNote(text: typed, author: try AgencyID("police")))])
            let results = try await hostile.push([change])
            #expect(results.map(\.outcome) == [.rejected])
            #expect(results[0].violations.map(\.rule) == [.identifyingDetail, .identifyingDetail])
            #expect(results[0].violations.allSatisfy { $0.field == "note" && !$0.message.contains("5919") })
            let history: History = try await p.hub.admin.get("/v1/actions/child-m/3.1/history")
            let kept = try #require(history.entries.last)
            #expect(kept.change.id == change.id && kept.change.append.isEmpty)
            #expect(kept.change.reason?.contains("identifying details") == true)
            #expect(try Self.files(in: p.hub.dir, holding: "943 476 5919").isEmpty)
        }
    }

    // Long: one story, from a flagged note typed at police to the redaction reaching both agents.
    @Test func flagged_isShownToTheAuthorAndListed_andARedactionReachesEveryAgent_leavingNoCopy() async throws {
        try await withPartnership { p in
            let typed = "Family moved to LS6 2QT, mum on 07700 900123"
            var r = try await concordctl(["note", "add", "child-m/3.1", typed] + p.police)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("flagged: note: contains a postcode at characters 17–23"), "\(r.out)")
            #expect(r.out.contains("a phone number at characters 33–44"), "\(r.out)")
            _ = try await p.syncUntilUploaded("police")
            let reached = try await eventually(timeout: .seconds(60)) {
                _ = try await concordctl(["sync", "--wait", "5"] + p.csc)
                return try await Self.note(p, "csc").contains(typed)
            }
            #expect(reached, "the note reaches csc, the supporting agency")

            // Listed for the admin, in the record and in the history, and in the report.
            r = try await concordctl(["hub", "screen", "child-m", "--json"] + p.admin)
            let screened = try decode(ScreeningReport.self, r.out)
            let postcodes = screened.findings.filter { $0.kind == .postcode && $0.action.ref.rawValue == "3.1" }
            #expect(Set(postcodes.map(\.place)) == [.record, .history], "\(screened)")
            #expect(
                postcodes.allSatisfy { $0.field == "note" && $0.start == 16 && $0.length == 7 && $0.policy == .flag })
            r = try await concordctl(["hub", "screen", "child-m"] + p.admin)
            #expect(r.out.contains("postcode") && r.out.contains("17–23") && !r.out.contains("LS6"), "\(r.out)")
            r = try await concordctl(["hub", "report", "child-m", "--format", "md"] + p.admin)
            #expect(r.out.contains("### Data quality: identifying details") && r.out.contains("a postcode"))
            #expect(!r.out.contains("LS6 2QT"))

            // The admin redacts the postcode: every copy, every agent.
            r = try await concordctl(
                [
                    "hub", "redact", "child-m/3.1", "--field", "note", "--kind", "postcode", "--reason",
                    "A family's address",
                ] + p.admin)
            #expect(r.status == 0 && r.out.contains("redacted postcodes in note of child-m/3.1"), "\(r.out) \(r.err)")
            let redacted = "Family moved to [redacted: postcode], mum on 07700 900123"
            for name in ["police", "csc"] {
                let arrived = try await eventually(timeout: .seconds(60)) {
                    _ = try await concordctl(["sync", "--wait", "5"] + p.flags(name))
                    return try await Self.note(p, name) == [redacted]
                }
                #expect(arrived, "\(name) holds the redacted note")
                #expect(try Self.files(in: p.dir.appendingPathComponent(name), holding: "LS6 2QT").isEmpty, "\(name)")
            }
            #expect(try Self.files(in: p.hub.dir, holding: "LS6 2QT").isEmpty)
            r = try await concordctl(["hub", "screen", "child-m", "--json"] + p.admin)
            #expect(!(try decode(ScreeningReport.self, r.out).findings.contains { $0.kind == .postcode }))
            r = try await concordctl(["hub", "history", "child-m/3.1", "--json"] + p.admin)
            let last = try #require(try decode(History.self, r.out).entries.last)
            #expect(last.agency.rawValue == "lscp" && last.outcome == .applied)
            #expect(last.change.reason?.hasPrefix("redaction of postcodes in note") == true)
            #expect(last.change.reason?.hasSuffix("A family's address") == true)
        }
    }

    @Test func protectedNames_reachTheAgent_andCSVImportNamesRowAndColumn() async throws {
        try await withPartnership { p in
            let names = p.dir.appendingPathComponent("names.txt")
            try "Liam Smith\n  Ayesha \n".write(to: names, atomically: true, encoding: .utf8)
            var r = try await concordctl(["hub", "protect", "child-m", "--add-from", names.path] + p.admin)
            #expect(r.status == 0 && r.out.contains("added 2") && r.out.contains("protects 2 names"), "\(r.err)")
            r = try await concordctl(["hub", "protect", "child-m", "--json"] + p.admin)
            #expect(try decode(ProtectedNamesResponse.self, r.out).count == 2)
            // Only digests are kept and sent: no file of the hub holds the names.
            for name in ["Liam Smith", "liam smith", "Ayesha", "ayesha"] {
                #expect(try Self.files(in: p.hub.dir, holding: name).isEmpty, "\(name)")
            }
            // The agent has them with the plan list (asked for at start, and every 5 minutes).
            try await p.comeBack("police")
            r = try await concordctl(["note", "add", "child-m/3.1", "Ayesha's school called the MASH"] + p.police)
            #expect(r.status == 1 && r.err.contains("a protected name at characters 1–8"), "\(r.err)")
            #expect(try await Self.status(p, "police").pending == 0)
            for name in ["Ayesha", "ayesha"] {
                #expect(try Self.files(in: p.dir.appendingPathComponent("police"), holding: name).isEmpty)
            }

            // A spreadsheet is screened cell by cell, each problem named by row and column.
            let header = "ref,action,lead_agency,progress\n"
            let blocked = p.dir.appendingPathComponent("blocked.csv")
            try (header + "1.1,Audit,police,Started\n1.2,Visit,csc,DOB 03/02/2015 on file\n").write(
                to: blocked, atomically: true, encoding: .utf8)
            r = try await concordctl(["hub", "import", "x-plan", "--title", "X", blocked.path] + p.admin)
            #expect(r.status == 1 && r.err.contains("row 3, column progress") && r.err.contains("a date of birth"))
            #expect(!r.err.contains("03/02/2015"), "\(r.err)")
            let flagged = p.dir.appendingPathComponent("flagged.csv")
            try (header + "1.1,Audit at LS1 4AP,police,Started\n").write(to: flagged, atomically: true, encoding: .utf8)
            r = try await concordctl(["hub", "import", "x-plan", "--title", "X", flagged.path] + p.admin)
            #expect(r.status == 0 && r.out.contains("row 2, column action: contains a postcode"), "\(r.out)")
        }
    }
}
