import ConcordCore
import Testing

@Suite("CSV import and export")
struct CSVTests {
    static let samples = ["plan-child-m.csv", "plan-children-r-s.csv", "plan-improvement-2025.csv"]

    @Test(arguments: samples)
    func samplePlan_roundTripsThroughExport(_ name: String) throws {
        let first = try PlanCSV.importPlan(
            Fixture.sample(name), id: PlanID("sample"), title: name, knownAgencies: Fixture.known)
        let exported = PlanCSV.export(first.plan)
        let second = try PlanCSV.importPlan(exported, id: PlanID("sample"), title: name, knownAgencies: Fixture.known)
        #expect(second.plan == first.plan)
        #expect(PlanCSV.export(second.plan) == exported)
        #expect(!first.plan.actions.isEmpty)
    }

    /// M6: a spreadsheet opening the export must not run anything an agency typed.
    @Test(arguments: [
        "=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A9)", "'=quoted", "'plain",
        "''twice", "Tab\tinside", "- bullet point",
    ])
    func formulaLikeCells_areExportedAsText_andImportBackUnchanged(_ text: String) throws {
        var plan = try PlanCSV.importPlan(
            Fixture.sample("plan-child-m.csv"), id: PlanID("child-m"), title: "Child M", knownAgencies: Fixture.known
        ).plan
        plan.actions[0].progress = text
        plan.actions[0].leadOfficer = text
        let exported = PlanCSV.export(plan)
        for row in try CSV.parse(exported).dropFirst() {
            for cell in row.cells {
                #expect(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "\(cell)")
            }
        }
        let again = try PlanCSV.importPlan(
            exported, id: PlanID("child-m"), title: "Child M", knownAgencies: Fixture.known)
        #expect(again.plan.actions[0].progress == text)
        #expect(again.plan.actions[0].leadOfficer == text)
    }

    @Test func childM_importsEveryColumn() throws {
        let plan = try PlanCSV.importPlan(Fixture.sample("plan-child-m.csv"), id: PlanID("child-m"), title: "Child M")
            .plan
        #expect(plan.actions.count == 14)
        let a = try #require(plan.actions.first { $0.ref.rawValue == "1.1" })
        #expect(a.ownerAgency == Fixture.lscp)
        #expect(a.supportingAgencies.map(\.rawValue) == ["csc", "education", "icb", "police"])
        #expect(a.targetDate == LocalDate("2026-03-31"))
        #expect(a.rag == "amber")
        #expect(a.leadOfficer == "Partnership Business Manager")
        #expect(a.progress == "Written responses received from 3 of 5 agencies")
        let unrated = try #require(plan.actions.first { $0.ref.rawValue == "7.2" })
        #expect(unrated.rag == nil && unrated.progress == nil)
    }

    @Test func greenRowsWithoutEvidence_areImportedButFlagged() throws {
        let imported = try PlanCSV.importPlan(
            Fixture.sample("plan-child-m.csv"), id: PlanID("child-m"), title: "Child M")
        let greenOrBlue = imported.plan.actions.filter { $0.rag == "green" || $0.rag == "blue" }.map(\.address)
        #expect(!greenOrBlue.isEmpty)
        let flagged = Set(imported.flags.filter { $0.rule == .requiresEvidence }.map(\.action))
        #expect(flagged == Set(greenOrBlue))
        #expect(imported.flags.contains { $0.rule == .requiresSignOff && $0.action.ref.rawValue == "6.1" })
    }

    @Test func quotesCommasLineBreaksAndBOM_areRead() throws {
        let text =
            "\u{FEFF}ref,action,lead_agency,progress\r\n"
            + "1.1,\"Train staff, then audit\",csc,\"Line one\nLine two with \"\"quotes\"\"\"\r\n" + "\r\n"
            + "1.2,Plain,police,\n"
        let plan = try PlanCSV.importPlan(text, id: PlanID("p"), title: "P").plan
        #expect(plan.actions.count == 2)
        #expect(plan.actions[0].title == "Train staff, then audit")
        #expect(plan.actions[0].progress == "Line one\nLine two with \"quotes\"")
        #expect(plan.actions[1].progress == nil)
        let again = try PlanCSV.importPlan(PlanCSV.export(plan), id: PlanID("p"), title: "P").plan
        #expect(again == plan)
    }

    @Test func parserCountsRowsAsASpreadsheetDoes() throws {
        let rows = try CSV.parse("a,b\n\"x\ny\",z\n\nlast,row")
        #expect(rows.map(\.number) == [1, 2, 4])
        #expect(rows[1].cells == ["x\ny", "z"])
        #expect(rows[2].cells == ["last", "row"])
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let row: Int
        let column: String?
        let words: String
        var testDescription: String { name }
    }

    static let header = "ref,action,lead_agency,target_date,rag\n"
    static let badFiles: [BadFile] = [
        BadFile(
            name: "impossible date", text: header + "1.1,Do it,csc,2026-02-30,\n", row: 2, column: "target_date",
            words: "YYYY-MM-DD"),
        BadFile(
            name: "unknown rating", text: header + "1.1,Do it,csc,,purple\n", row: 2, column: "rag",
            words: "scheme brag"),
        BadFile(
            name: "unknown agency", text: header + "1.1,Do it,csc,,\n1.2,Do it,fire,,\n", row: 3, column: "lead_agency",
            words: "not a member"),
        BadFile(
            name: "duplicate ref", text: header + "1.1,A,csc,,\n1.1,B,csc,,\n", row: 3, column: "ref", words: "row 2"),
        BadFile(name: "bad ref", text: header + "1 1,A,csc,,\n", row: 2, column: "ref", words: "action ref"),
        BadFile(
            name: "missing title", text: header + "1.1,,csc,,\n", row: 2, column: "action", words: "cannot be empty"),
        BadFile(name: "too few cells", text: header + "1.1,A,csc\n", row: 2, column: nil, words: "3 cells"),
        BadFile(name: "unclosed quote", text: header + "1.1,\"A,csc,,\n", row: 2, column: "2", words: "never closed"),
        BadFile(
            name: "stray quote", text: header + "1.1,A \"quoted\",csc,,\n", row: 2, column: "2", words: "double quote"),
        BadFile(
            name: "unknown column", text: "ref,action,lead_agency,colour\n", row: 1, column: "colour",
            words: "not a plan column"),
        BadFile(name: "missing column", text: "ref,action\n", row: 1, column: "lead_agency", words: "required column"),
        BadFile(name: "empty file", text: "", row: 1, column: nil, words: "empty"),
    ]

    @Test(arguments: badFiles)
    func badRow_reportsRowAndColumn(_ bad: BadFile) {
        let error = #expect(throws: CSVImportError.self) {
            try PlanCSV.importPlan(bad.text, id: PlanID("p"), title: "P", knownAgencies: Fixture.known)
        }
        let first = error?.problems.first
        #expect(first?.row == bad.row)
        #expect(first?.column == bad.column)
        #expect(first?.description.contains(bad.words) == true, "\(first?.description ?? "no error")")
    }

    @Test func everyBadRowIsReportedNotJustTheFirst() {
        let text = Self.header + "1.1,A,csc,2026-02-30,\n1.2,B,csc,,purple\n1.3,C,csc,,\n"
        let error = #expect(throws: CSVImportError.self) { try PlanCSV.importPlan(text, id: PlanID("p"), title: "P") }
        #expect(error?.problems.map(\.row) == [2, 3])
    }

    @Test func headersAreMatchedLeniently_andRatingsIgnoreCase() throws {
        let plan = try PlanCSV.importPlan(
            "Ref, Action ,Lead Agency,RAG\n1.1,Do it,csc,Amber\n", id: PlanID("p"), title: "P"
        ).plan
        #expect(plan.actions.first?.rag == "amber")
    }
}
