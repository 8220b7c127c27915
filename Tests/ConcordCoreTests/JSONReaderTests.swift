import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Testing

/// The hand-written reader must read exactly what Codable reads, and leave to Codable
/// (so to Codable's errors) everything it does not read itself.
@Suite("JSON reader")
struct JSONReaderTests {
    /// Reads with the fast reader alone; `nil` when it hands the input over to Codable.
    static func fast<T: JSONValue>(_: T.Type, _ json: [UInt8]) -> T? {
        json.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            guard let value = try? T(reading: &reader), (try? reader.end()) != nil else { return nil }
            return value
        }
    }

    static func codable<T: Decodable>(_: T.Type, _ json: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(json))
    }

    /// The fast reader reads `json` itself, to the value Codable reads.
    static func readsAlike<T: JSONValue & Equatable>(_ type: T.Type, _ json: [UInt8]) -> Bool {
        let fast = fast(type, json), codable = codable(type, json)
        if fast == nil || fast != codable {
            Issue.record(
                "fast: \(String(describing: fast))\ncodable: \(String(describing: codable))\njson: \(String(decoding: json, as: UTF8.self))"
            )
            return false
        }
        return true
    }

    @Test func everySamplePlanAction_readsAsCodableReadsIt_compactAndPretty() throws {
        for name in ["plan-child-m.csv", "plan-children-r-s.csv", "plan-improvement-2025.csv"] {
            let plan = try PlanCSV.importPlan(Fixture.sample(name), id: PlanID("p"), title: "P").plan
            for action in plan.actions {
                #expect(Self.readsAlike(Action.self, action.json))
                #expect(Self.readsAlike(Action.self, Array(try ConcordJSON.encode(action, pretty: true))))
                #expect(Self.fast(Action.self, action.json) == action)
            }
        }
    }

    @Test func awkwardTextEveryOptionalAndEscapes_readAlike() throws {
        var action = Fixture.awkward
        action.supportingAgencies = [Fixture.police, Fixture.csc]  // not sorted: read as written
        #expect(Self.readsAlike(Action.self, action.json))
        #expect(Self.fast(Action.self, action.json) == action)

        // Escapes other writers use, explicit nulls, unknown members of every kind, any key order.
        let other = """
             { "zNew": {"a": [1, -2.5e3, true, null, {"b": "\\"}"}]}, "title": "caf\\u00e9 \\ud83d\\udc4d \\/ \\u0041",
              "ref": "1.2", "plan": "p", "revision": -0, "ownerAgency": "csc", "supportingAgencies": [],
              "archived": false, "evidence": [], "notes": [], "targetDateHistory": [], "rag": null,
              "progress": "", "signOff": null, "leadOfficer": "DCI", "extra": 12345678901234567890 }
            """
        #expect(Self.readsAlike(Action.self, Array(other.utf8)))
        #expect(Self.fast(Action.self, Array(other.utf8))?.title == "café 👍 / A")
    }

    @Test func randomActions_readAlike() throws {
        var random = SplitMix64(seed: 2026)
        let alphabet: [Character] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "✓", "👍", "{", "]"]
        func text() -> String {
            String((0..<Int.random(in: 0...20, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        func maybe(_ s: String) -> String? { Bool.random(using: &random) ? s : nil }
        for n in 0..<300 {
            var action = Action(
                plan: try PlanID("plan-\(n % 7)"), ref: try ActionRef("\(n % 13 + 1).\(n % 5 + 1)"),
                revision: Int64.random(in: 0...Int64.max, using: &random), title: text(),
                recommendation: maybe(text()), description: maybe(text()), ownerAgency: Fixture.csc,
                supportingAgencies: Bool.random(using: &random) ? [Fixture.police] : [], leadOfficer: maybe(text()),
                targetDate: LocalDate(year: 2026, month: n % 12 + 1, day: n % 28 + 1), rag: maybe("green"),
                progress: maybe(text()), archived: Bool.random(using: &random))
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                action.evidence.append(
                    EvidenceItem(
                        kind: Bool.random(using: &random) ? .output : .impact, summary: text(),
                        reference: maybe(text()), author: Fixture.police,
                        recordedAt: Timestamp(millisecondsSinceEpoch: Int64(n) * 86_400_123)))
                action.notes.append(ProgressNote(text: text(), author: Fixture.csc))
            }
            #expect(Self.readsAlike(Action.self, action.json))
            #expect(Self.readsAlike(Action.self, Array(try ConcordJSON.encode(action, pretty: true))))
        }
    }

    @Test func pullAnswers_withConflictsAndReset_readAlike() throws {
        let conflict = ConflictRecord(
            id: 3, changeId: UUID(), agency: Fixture.csc, action: Fixture.action.address,
            conflict: FieldConflict(field: .rag, base: .text("amber"), hub: .text("red"), incoming: .text("green")),
            createdAt: Fixture.now)
        for response in [
            PullResponse(actions: [Fixture.action, Fixture.withEvidence], cursor: 42, more: true, conflicts: []),
            PullResponse(actions: [], cursor: 0, more: false, conflicts: [conflict], reset: true),
            PullResponse(actions: [Fixture.action], cursor: Int64.max, more: false, conflicts: [conflict, conflict]),
        ] {
            let json = Array(try ConcordJSON.encode(response, pretty: false))
            #expect(Self.readsAlike(PullResponse.self, json))
            #expect(try PullResponse.decode(json: json) == response)
        }
    }

    /// What the fast reader does not read goes to Codable: the same inputs fail, with
    /// Codable's message, and the odd forms Codable accepts are still accepted.
    @Test func badOrUnusualInput_isLeftToCodable() throws {
        let good = String(decoding: Fixture.action.json, as: UTF8.self)
        func replacing(_ a: String, _ b: String) -> String {
            precondition(good.contains(a), a)
            return good.replacingOccurrences(of: a, with: b)
        }
        let cases: [String] = [
            "", "{", "[]", "null", good + "x", String(good.dropLast()),
            replacing("\"title\":", "\"title\":\"x\",\"title\":"),  // a duplicate
            replacing("\"title\":\"", "\"title\":null,\"x\":\""),  // a required member null
            replacing("\"revision\":", "\"revision\":1.0,\"x\":"),  // a fraction
            replacing("\"revision\":", "\"revision\":\"1\",\"x\":"),  // a string for a number
            replacing("\"ownerAgency\":\"", "\"ownerAgency\":\"Not Valid"),  // a bad id
            replacing("\"targetDate\":\"", "\"targetDate\":\"2026-02-30\",\"x\":\""),
            replacing("\"title\":\"", "\"title\":\"tab\there"),  // a raw control character
            replacing("\"title\":\"", "\"title\":\"\\q"),  // a bad escape
            replacing("\"title\":\"", "\"title\":\"\\ud800 lone"),  // a lone surrogate
            replacing("\"revision\":", "\"revision\":99999999999999999999,\"x\":"),  // too big
            replacing("\"archived\":false,", ""),  // a required member missing
        ]
        // An escaped key is read as the key it spells, as Codable reads it.
        #expect(Self.readsAlike(Action.self, Array(replacing("\"title\":", "\"titl\\u0065\":").utf8)))
        for text in cases {
            let json = Array(text.utf8)
            #expect(Self.fast(Action.self, json) == nil, "the fast reader read: \(text)")
            let codable = Result { try JSONDecoder().decode(Action.self, from: Data(json)) }
            let both = Result { try Action.decode(json: json) }
            switch (codable, both) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(text)")
            default: Issue.record("Codable and decode(json:) disagree on \(text): \(codable) vs \(both)")
            }
        }
        var invalidUTF8 = Array(good.utf8)
        let title = Array("\"title\":\"".utf8)
        let at = (0...invalidUTF8.count - title.count).first { Array(invalidUTF8[$0..<$0 + title.count]) == title }!
        invalidUTF8.insert(0xFF, at: at + title.count)
        #expect(Self.fast(Action.self, invalidUTF8) == nil)
        #expect(throws: (any Error).self) { try Action.decode(json: invalidUTF8) }
    }
}
