import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

/// Hub time on day `n` after 5 January 2026, 09:00 GMT (the day the plan is imported).
private func day(_ n: Int) -> Timestamp {
    Timestamp(millisecondsSinceEpoch: (Int64(LocalDate("2026-01-05")!.daysSinceEpoch + n) * 24 + 9) * 3_600_000)
}

@Suite("The committee report through the real hub and concordctl", .serialized)
struct ReportCLITests {
    /// Import, edits by two agencies across two meetings, a conflict, an archive; then every
    /// "changed since" line and every flag, read from the Markdown and the CSV a committee gets.
    @Test func report_acrossTwoMeetings_showsEveryChangeAndFlag() async throws {
        let clock = TestClock(day(0))
        try await withPartnership(clock: clock) { p in
            func run(_ args: [String], at n: Int? = nil, sync agency: String? = nil) async throws -> String {
                if let n { clock.set(day(n)) }
                let r = try await concordctl(args)
                #expect(r.status == 0, "\(args): \(r.err)")
                if let agency { _ = try await p.syncUntilUploaded(agency) }
                return r.out
            }
            _ = try await run(
                ["hub", "meetings", "add", "m1", "--date", "2026-01-15T09:00:00Z", "--title", "Scrutiny, 15 January"]
                    + p.admin)
            _ = try await run(
                ["evidence", "add", "child-m/3.1", "--summary", "Performance report Nov-Jan", "--kind", "output"]
                    + p.police, at: 12, sync: "police")
            _ = try await run(
                ["evidence", "add", "child-m/2.1", "--summary", "Audit of 20 assessments", "--kind", "impact"] + p.csc,
                at: 13, sync: "csc")
            _ = try await run(
                ["update", "child-m/1.1", "--target-date", "2026-05-31", "--reason", "Awaiting ICB response"]
                    + p.police, at: 14, sync: "police")
            _ = try await run(["note", "add", "child-m/3.2", "Survey designed"] + p.csc, at: 15)
            _ = try await run(["update", "child-m/2.1", "--completed-on", "2026-01-20"] + p.csc, sync: "csc")
            _ = try await run(
                ["update", "child-m/1.1", "--target-date", "2026-06-30", "--reason", "Board asked for an audit first"]
                    + p.police, at: 16, sync: "police")
            _ = try await run(["update", "child-m/5.2", "--rag", "amber"] + p.csc, at: 17, sync: "csc")
            // The business unit evidences and signs off its blue action: outputs only.
            clock.set(day(18))
            let briefing = EvidenceItem(kind: .output, summary: "Briefing read by 300 staff", author: .unset)
            var signed = try await p.hub.admin.push([
                Change(action: address("child-m/6.1"), baseRevision: 0, append: [.evidence(briefing)])
            ])
            signed += try await p.hub.admin.push([
                edit("child-m/6.1", [.signOff: (.null, .text("Board, 23 January"))])
            ])
            #expect(signed.map(\.outcome) == [.applied, .applied], "\(signed)")
            _ = try await run(
                ["hub", "meetings", "add", "m2", "--date", "2026-01-25T09:00:00Z", "--title", "Scrutiny, 25 January"]
                    + p.admin)
            // After the second meeting.
            _ = try await run(["update", "child-m/1.1", "--rag", "red"] + p.police, at: 22, sync: "police")
            clock.set(day(23))
            try await p.crossingLeadOfficerEdits()
            let conflicts: ConflictList = try await p.hub.admin.get("/v1/conflicts?status=open")
            let conflict = try #require(conflicts.conflicts.first)
            _ = try await run(
                ["hub", "resolve", "\(conflict.id)", "--keep-hub", "--reason", "Police lead"] + p.admin, at: 24)
            clock.set(day(25))
            let archived = try await p.hub.admin.push([edit("child-m/7.2", [.archived: (.flag(false), .flag(true))])])
            #expect(archived.first?.outcome == .applied)
            clock.set(day(100))

            // As at the second meeting, since the first: what the committee saw on 25 January.
            let asAtM2 = ["hub", "report", "child-m", "--as-of", "2026-01-25T09:00:00Z", "--since", "m1"] + p.admin
            let md = try await run(asAtM2 + ["--format", "md"])
            #expect(md.contains("**Data as at 25 January 2026, 09:00 GMT.**"), "\(md)")
            #expect(md.contains("Changes are those since Scrutiny, 15 January (15 January 2026, 09:00 GMT)."))
            for line in [
                "17 January 2026, 09:00 GMT · **3.1** · police: New output evidence: Performance report Nov-Jan",
                "18 January 2026, 09:00 GMT · **2.1** · csc: New impact evidence: Audit of 20 assessments",
                "19 January 2026, 09:00 GMT · **1.1** · police: Target date 31 March 2026 → 31 May 2026. Reason: Awaiting ICB response",
                "20 January 2026, 09:00 GMT · **2.1** · csc: Completed on 20 January 2026",
                "20 January 2026, 09:00 GMT · **3.2** · csc: Note: Survey designed",
                "21 January 2026, 09:00 GMT · **1.1** · police: Target date 31 May 2026 → 30 June 2026. Reason: Board asked for an audit first",
                "22 January 2026, 09:00 GMT · **5.2** · csc: RAG Red → Amber",
                "23 January 2026, 09:00 GMT · **6.1** · lscp: New output evidence: Briefing read by 300 staff",
                "23 January 2026, 09:00 GMT · **6.1** · lscp: Signed off: Board, 23 January",
            ] {
                #expect(md.contains("- " + line), "missing: \(line)\n\(md)")
            }
            #expect(!md.contains("RAG Amber → Red") && !md.contains("Conflict"), "after the meeting: \(md)")
            #expect(md.contains("RAG movements: Red → Amber: 1."), "\(md)")
            // The flags, as the papers print them.
            for row in [
                "| Done on outputs alone | 3.1 Domestic abuse notifications",
                "| Target date drift | 1.1 Each agency to confirm in writing",
                "| Embedded without impact evidence | 6.1 Seven-minute briefing",
            ] {
                #expect(md.contains(row), "missing flag row: \(row)")
            }
            #expect(!md.contains("| Overdue |") && !md.contains("| No update |"))
            let csvAtM2 = try rows(try await run(asAtM2 + ["--format", "csv"]))
            #expect(csvAtM2["3.1"]?["flags"] == "outputs-only")
            #expect(csvAtM2["2.1"]?["flags"] == "" && csvAtM2["2.1"]?["evidence_impact"] == "1")
            #expect(csvAtM2["1.1"]?["flags"] == "drift" && csvAtM2["1.1"]?["target_date_moves"] == "2")
            #expect(csvAtM2["1.1"]?["original_target_date"] == "2026-03-31")
            #expect(
                csvAtM2["6.1"]?["flags"] == "no-impact-evidence" && csvAtM2["6.1"]?["sign_off"] == "Board, 23 January")
            #expect(csvAtM2.values.allSatisfy { $0["as_at"] == "2026-01-25T09:00:00.000Z" })
            #expect(csvAtM2["2.2"]?["flags"] == "" && csvAtM2["1.2"]?["flags"] == "")
            #expect(csvAtM2["5.2"]?["rag_at_since"] == "red" && csvAtM2["5.2"]?["rag"] == "amber")
            #expect(csvAtM2.values.allSatisfy { $0["overdue"] == "no" })

            // Now (day 100), since the last meeting.
            let now = ["hub", "report", "child-m", "--since", "last-meeting"] + p.admin
            let mdNow = try await run(now + ["--format", "md"])
            #expect(mdNow.contains("**Data as at 15 April 2026, 10:00 BST.**"), "summer time")
            for line in [
                "27 January 2026, 09:00 GMT · **1.1** · police: RAG Amber → Red",
                "28 January 2026, 09:00 GMT · **3.1** · csc: Conflict \(conflict.id) opened on lead officer",
                "29 January 2026, 09:00 GMT · **3.1** · lscp: Conflict \(conflict.id) on lead officer resolved (keep-hub)",
                "30 January 2026, 09:00 GMT · **7.2** · lscp: Archived",
            ] {
                #expect(mdNow.contains("- " + line), "missing: \(line)\n\(mdNow)")
            }
            #expect(!mdNow.contains("Survey designed"), "before the last meeting")
            #expect(mdNow.contains("Latest target date: 30 September 2026."))
            let csvNow = try rows(try await run(now + ["--format", "csv"]))
            #expect(csvNow["3.1"]?["flags"] == "outputs-only;overdue;stale")
            #expect(csvNow["1.2"]?["flags"] == "stale;long-red", "red since import: 100 days")
            #expect(csvNow["1.1"]?["flags"] == "drift;stale", "red for 78 days only")
            #expect(csvNow["7.2"]?["archived"] == "yes" && csvNow["7.2"]?["flags"] == "")
            #expect(csvNow["1.2"]?["flag_reasons"]?.contains("red since 2026-01-05 (100 days)") == true)

            // The printable page, written to a file; the meetings listed; a wrong meeting named.
            let file = p.dir.appendingPathComponent("child-m.html").path
            let wrote = try await run(now + ["-o", file])
            #expect(wrote.hasPrefix("wrote \(file)"))
            let html = try String(contentsOfFile: file, encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("✖ Red") && !html.contains("<script"))
            let meetings = try await run(["hub", "meetings"] + p.admin)
            #expect(meetings.contains("m1") && meetings.contains("Scrutiny, 25 January"), "\(meetings)")
            let wrong = try await concordctl(["hub", "report", "child-m", "--since", "m9"] + p.admin)
            #expect(wrong.status == 1 && wrong.err.contains("neither a date, a time, 'last-meeting' nor a meeting id"))
        }
    }

    /// The CSV's rows by ref, each a dictionary by column.
    func rows(_ csv: String) throws -> [String: [String: String]] {
        let table = try CSV.parse(csv).map(\.cells)
        let header = try #require(table.first)
        var out: [String: [String: String]] = [:]
        for row in table.dropFirst() {
            let cells = Dictionary(uniqueKeysWithValues: zip(header, row.map(CSV.unescapingFormula)))
            out[cells["ref"] ?? ""] = cells
        }
        return out
    }
}
