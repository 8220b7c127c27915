import ConcordCore
import ConcordReport
import ConcordTestSupport
import PropertyBased
import Testing

/// The report's writers over any text an agency may type (escapes, controls, non-ASCII,
/// astral characters, and markup): the CSV reads back to the records' own text, and neither
/// the HTML nor the Markdown lets the text become markup.
@Suite("Report writers, property-based")
struct ReportPropertyTests {
    static let markup = "<script>alert(1)</script> | **bold** [link](http://x.example) =SUM(A1)"

    static func report(_ a: inout Arbitrary<SeededBridge>) -> Report {
        let plan = try! PlanID("p")
        let at = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
        var trail: [TrailEntry] = []
        for i in 1...a.int(1...4) {
            let text = { (a: inout Arbitrary<SeededBridge>) in a.text(0...20) + (a.bool() ? Self.markup : "") }
            var fields: [Field: FieldChange] = [
                .title: FieldChange(from: .null, to: .text("t" + text(&a))),
                .ownerAgency: FieldChange(from: .null, to: .text(a.agency().rawValue)),
                .recommendation: FieldChange(from: .null, to: .text(text(&a))),
                .progress: FieldChange(from: .null, to: .text(text(&a))),
            ]
            if a.bool() {
                fields[.rag] = FieldChange(from: .null, to: .text(a.pick(["red", "amber", "green", "blue"])))
            }
            let evidence = EvidenceItem(kind: a.bool() ? .output : .impact, summary: text(&a), author: .unset)
            let address = ActionAddress(plan: plan, ref: try! ActionRef("\(i).1"))
            trail.append(
                TrailEntry(
                    seq: Int64(2 * i), agency: a.agency(), at: at,
                    change: Change(action: address, baseRevision: 0, create: true, fields: fields)))
            trail.append(
                TrailEntry(
                    seq: Int64(2 * i + 1), agency: a.agency(), at: at,
                    change: Change(action: address, baseRevision: 0, append: [.evidence(evidence)])))
        }
        return Report.build(
            plans: [ReportPlan(id: plan, title: "Plan " + Self.markup, scheme: .standard)], trail: trail, conflicts: [],
            period: ReportPeriod(
                asOf: Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch + 1000),
                since: Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch - 1000)))
    }

    @Test func csv_readsBackToTheRecordsText() async {
        await propertyCheck(count: 200, input: FormatPropertyTests.gen { Self.report(&$0) }) { report in
            let rows = try CSV.parse(report.csv).map { $0.cells.map(CSV.unescapingFormula) }
            #expect(rows.first == Report.csvColumns)
            let records = report.plans[0].actions.map(\.record)
            #expect(rows.count == records.count + 1)
            for (row, record) in zip(rows.dropFirst(), records) {
                #expect(row[2] == record.title && row[3] == (record.recommendation ?? ""))
                #expect(row[1] == record.ref.rawValue && row[4] == record.ownerAgency.rawValue)
            }
        }
    }

    @Test func html_andMarkdown_keepTextAsText() async {
        await propertyCheck(count: 200, input: FormatPropertyTests.gen { Self.report(&$0) }) { report in
            let html = report.html
            #expect(!html.contains("<script") && !html.contains("</script"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let md = report.markdown
            #expect(!md.contains("<script>") && !md.contains("**bold**") && !md.contains("[link]("))
            // Every table row has as many cells as its header: no text adds or joins a cell.
            var columns: Int?
            for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
                guard line.hasPrefix("|") else {
                    columns = nil
                    continue
                }
                let pipes = Self.unescapedPipes(line)
                if let columns { #expect(pipes == columns, "\(line)") } else { columns = pipes }
            }
        }
    }

    static func unescapedPipes(_ line: Substring) -> Int {
        var count = 0
        var escaped = false
        for ch in line {
            if escaped {
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "|" {
                count += 1
            }
        }
        return count
    }
}
