import ConcordCodec
import ConcordCore
import Foundation
import Testing

@Suite("Stable JSON")
struct JSONTests {
    @Test func action_encodesWithSortedKeysAndISODates_andRoundTrips() throws {
        var action = Fixture.withEvidence
        action.notes = [ProgressNote(text: "Audit booked", author: Fixture.csc, recordedAt: Fixture.now)]
        let data = try ConcordJSON.encode(action)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"targetDate\" : \"2026-02-28\""))
        #expect(json.contains("\"recordedAt\" : \"\(Fixture.now.description)\""))
        let keys = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
        #expect(try ConcordJSON.decode(Action.self, from: data) == action)
        #expect(try ConcordJSON.encode(ConcordJSON.decode(Action.self, from: data)) == data)
    }

    @Test func plan_carriesItsFormatVersion_andRefusesANewerOne() throws {
        let plan = try PlanCSV.importPlan(Fixture.sample("plan-improvement-2025.csv"), id: PlanID("imp"), title: "I")
            .plan
        let data = try ConcordJSON.encode(plan)
        #expect(String(decoding: data, as: UTF8.self).contains("\"formatVersion\" : 1"))
        #expect(try ConcordJSON.decode(Plan.self, from: data) == plan)
        let newer = String(decoding: data, as: UTF8.self).replacingOccurrences(
            of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 2")
        let error = #expect(throws: DecodingError.self) { try ConcordJSON.decode(Plan.self, from: Data(newer.utf8)) }
        #expect(ConcordJSON.explain(error!).contains("plan format 2"))
    }

    @Test func change_decodesFromTheWireFormat() throws {
        let wire = """
            {"id": "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10", "action": "child-m/2.1", "baseRevision": 3,
             "set": {"rag": {"from": "amber", "to": "green"}, "progress": {"from": null, "to": "Live"}},
             "append": [{"evidence": {"id": "00000000-0000-0000-0000-0000000000e2", "kind": "impact",
                          "summary": "Audit", "author": "csc"}},
                        {"retract": {"item": "00000000-0000-0000-0000-0000000000e1", "reason": "Superseded"}}]}
            """
        let change = try ConcordJSON.decode(Change.self, from: Data(wire.utf8))
        #expect(change.action.description == "child-m/2.1")
        #expect(change.set["rag"] == FieldChange(from: .text("amber"), to: .text("green")))
        #expect(change.set["progress"]?.from == .null)
        #expect(change.append.count == 2)
        #expect(!change.create)
        #expect(try ConcordJSON.decode(Change.self, from: ConcordJSON.encode(change)) == change)
    }

    @Test(arguments: [
        (#"{"id": "x", "action": "child-m/2.1"}"#, "id"),
        (#"{"id": "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10", "action": "child-m"}"#, "PLAN/REF"),
        (#"{"id": "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10", "action": "c/1", "set": {"rag": {"to": 5}}}"#, "set.rag.to"),
        (
            #"{"id": "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10", "action": "c/1", "append": [{"evidence": {}, "note": {}}]}"#,
            "exactly one"
        ),
    ])
    func malformedChange_isExplainedInOneLine(_ wire: String, expected: String) {
        let error = #expect(throws: (any Error).self) { try ConcordJSON.decode(Change.self, from: Data(wire.utf8)) }
        let line = error.map(ConcordJSON.explain) ?? ""
        #expect(line.contains(expected), "\(line)")
        #expect(!line.contains("\n"))
    }

    @Test func ragSchemeCatalog_readsTheShippedSchemes() throws {
        let data = try Data(contentsOf: Fixture.repoRoot.appendingPathComponent("config/rag-schemes.json"))
        let catalog = try ConcordJSON.decode(RAGSchemeCatalog.self, from: data)
        #expect(catalog.formatVersion == 1)
        #expect(catalog.scheme("brag") == RAGScheme.standard)
        let onTrack = try #require(catalog.scheme("on-track"))
        #expect(onTrack.ratings.map(\.id) == ["red", "amber", "green"])
        #expect(onTrack.ratings.allSatisfy { !$0.requiresEvidence && !$0.requiresSignOff })
    }

    @Test func ragSchemeWithRepeatedRating_isRefused() {
        let json =
            #"{"schemes": [{"id": "x", "name": "X", "ratings": [{"id": "red", "meaning": "a"}, {"id": "red", "meaning": "b"}]}]}"#
        #expect(throws: DecodingError.self) { try ConcordJSON.decode(RAGSchemeCatalog.self, from: Data(json.utf8)) }
    }
}
