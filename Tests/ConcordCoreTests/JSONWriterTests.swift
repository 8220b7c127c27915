import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Testing

/// The writer writes what `JSONEncoder` writes of the same value (so compact and pretty
/// forms agree byte for byte, escaping included).
@Suite("JSON writer")
struct JSONWriterTests {
    static func same(_ value: some JSONValue) throws -> Bool {
        let fast = value.json
        let codable = Array(try ConcordJSON.encode(value, pretty: false))
        if fast != codable {
            Issue.record(
                "fast:    \(String(decoding: fast, as: UTF8.self))\ncodable: \(String(decoding: codable, as: UTF8.self))"
            )
        }
        return fast == codable
    }

    @Test func everySamplePlanAction_isWrittenByteForByteAsCodableWritesIt() throws {
        for name in ["plan-child-m.csv", "plan-children-r-s.csv", "plan-improvement-2025.csv"] {
            let plan = try PlanCSV.importPlan(Fixture.sample(name), id: PlanID("p"), title: "P").plan
            for action in plan.actions { #expect(try Self.same(action)) }
        }
    }

    @Test func awkwardTextAndEveryOptional_areWrittenAlike() throws {
        #expect(try Self.same(Fixture.awkward))
    }

    @Test func uuidText_matchesFoundations() {
        for _ in 0..<100 {
            let id = UUID()
            #expect(id.canonicalString == id.uuidString)
            #expect(UUID(fast: id.uuidString) == id)
            #expect(UUID(fast: id.uuidString.lowercased()) == id)
        }
        for bad in [
            "", "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E1", "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E100",
            "6F1C9A64x6E1E-4B5A-9F37-3C1D2B7A9E10", "6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E1G",
        ] {
            #expect(UUID(fast: bad) == nil, "\(bad)")
        }
    }

    @Test func changesAndResults_areWrittenAlike() throws {
        let change = Change(
            action: Fixture.action.address, baseRevision: 7, create: true,
            set: [
                "rag": FieldChange(from: .text("amber"), to: .text("green")),
                "archived": FieldChange(from: .flag(false), to: .flag(true)),
                "supportingAgencies": FieldChange(from: .list([]), to: .list(["csc", "police"])),
                "zzz unknown": FieldChange(from: .null, to: .null),
            ],
            append: [
                .evidence(EvidenceItem(kind: .impact, summary: "s", author: Fixture.csc)),
                .note(ProgressNote(text: "t", author: Fixture.csc)), .retract(RetractItem(item: UUID(), reason: "r")),
            ], reason: "why", madeAt: Fixture.now)
        #expect(try Self.same(change))
        var plain = change
        plain.reason = nil
        plain.madeAt = nil
        plain.append = []
        #expect(try Self.same(plain))
        let result = ChangeResult(
            id: change.id, action: change.action, outcome: .conflict, revision: 9, seq: -3,
            conflicts: [
                ConflictNotice(
                    id: 4, conflict: FieldConflict(field: .rag, base: .null, hub: .text("red"), incoming: .list(["a"])))
            ],
            violations: [Violation(action: change.action, field: nil, rule: .notFound, message: "m \"q\"")],
            flags: [Violation(action: change.action, field: "rag", rule: .requiresEvidence, message: "f")])
        #expect(try Self.same(result))
        var noRevision = result
        noRevision.revision = nil
        #expect(try Self.same(noRevision))
    }
}
