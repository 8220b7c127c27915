import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordScreening
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

/// Issue 14 at the hub, on both stores: the configured policy, protected names, what is
/// stored screened, and a redaction of every stored copy.
@Suite("Identifier screening at the hub")
struct ScreeningHubTests {
    static let action = "child-m/3.1"

    /// The current value of `field` on child-m/3.1.
    static func current(_ hub: TestHub, _ field: Field) async throws -> FieldValue {
        let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
        return try #require(plan.actions.first { $0.ref.rawValue == "3.1" }).value(of: field)
    }

    static func json(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }

    static func note(_ text: String, by agency: String) -> Change {
        Change(
            action: address(action), baseRevision: 1,
            append: [.note(ProgressNote(text: text, author: try! AgencyID(agency)))])
    }

    @Test(arguments: TestStore.allCases) func thePolicyOfTheConfig_isSentWithThePlanList_andEnforcedOnEveryPush(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store, configure: { $0.screening = ["postcode": "block", "email": "off"] }) {
            hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            let plans: PlanList = try await police.get("/v1/plans")
            let sent = try #require(plans.plans.first?.screening)
            #expect(sent.policy["postcode"] == "block" && sent.policy["email"] == "off")
            #expect(
                sent.policy["nhs-number"] == "block" && sent.policy["phone"] == "flag" && sent.protectedNames.isEmpty)
            let results = try await police.push([
                Self.note("Moved to LS6 2QT", by: "police"), Self.note("Write to jo@example.org", by: "police"),
                Self.note("Mum on 07700 900123", by: "police"),
            ])
            #expect(results.map(\.outcome) == [.rejected, .applied, .applied])
            #expect(results[0].violations.map(\.rule) == [.identifyingDetail])
            #expect(results[1].flags.isEmpty)
            #expect(results[2].flags.map(\.rule) == [.identifyingDetail])
            #expect(results[2].flags.first?.message.contains("a phone number at characters 8–19") == true)
        }
    }

    @Test(arguments: TestStore.allCases) func protectedNames_areTheAdminsToSet_keptAsDigests_andRefusedInPushes(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            let path = "/v1/plans/child-m/protected-names"
            let body = Array(#"{"add": ["Liam Smith"]}"#.utf8)
            #expect(try await police.error("POST", path, body: body, status: 403).code == "forbidden")
            // A plan not created yet: its names are protected before its first import.
            let early: ProtectedNamesResponse = try await hub.admin.post(
                "/v1/plans/child-n/protected-names", ProtectedNamesRequest(add: ["Ayesha"]))
            #expect(early.count == 1)
            let csv = "ref,action,lead_agency,progress\n1.1,Audit,police,Ayesha seen at school\n"
            let refused = try await hub.admin.error(
                "POST", "/v1/plans",
                body: try Self.json(PlanImportRequest(id: try PlanID("child-n"), title: "CSPR Child N", csv: csv)),
                status: 422)
            #expect(refused.message.contains("row 2, column progress: contains a protected name at characters 1–6"))
            let tooLong = Array(#"{"add": ["one two three four"]}"#.utf8)
            #expect(
                try await hub.admin.error("POST", path, body: tooLong, status: 422).message.contains(
                    "one to three words"))
            var answer: ProtectedNamesResponse = try await hub.admin.post(
                path, ProtectedNamesRequest(add: ["Liam Smith", "liam  smith", "Ayesha"]))
            #expect(answer.count == 2 && answer.added == 2)
            // Agencies are sent the digests, never the names.
            let plans: PlanList = try await police.get("/v1/plans")
            let digests = try #require(plans.plans.first?.screening?.protectedNames)
            let plan = try PlanID("child-m")
            // A viewer edits nothing and is sent none.
            let viewed: PlanList = try await hub.client(tokens["scrutiny"]).get("/v1/plans")
            #expect(viewed.plans.first?.screening?.protectedNames == [])
            #expect(
                Set(digests)
                    == Set(["Liam Smith", "Ayesha"].compactMap { ProtectedNames.digests(of: $0, plan: plan)?.name }))
            var results = try await police.push([Self.note("Liam Smith attended", by: "police")])
            #expect(
                results[0].violations.first?.message.hasPrefix("contains a protected name at characters 1–10") == true)
            answer = try await hub.admin.post(path, ProtectedNamesRequest(remove: ["LIAM SMITH"]))
            #expect(answer.count == 1 && answer.removed == 1)
            results = try await police.push([Self.note("Liam Smith attended", by: "police")])
            #expect(results[0].outcome == .applied)
        }
    }

    /// A change refused for anything keeps no detail in the trail or in its answer: a
    /// value of a field that holds no text, a `from` that was not what the hub held.
    @Test(arguments: TestStore.allCases) func aRefusedChange_keepsNoDetail_whereverItWas(
        _ store: TestStore
    )
        async throws
    {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            let results = try await police.push([
                edit(Self.action, [.targetDate: (.null, .text("DOB 12/03/2014"))]),
                edit(Self.action, [.progress: (.text("NHS 943 476 5919"), .text("Done"))]),
            ])
            // The first is refused; the second's from is kept redacted (it meets the hub's
            // value as a conflict).
            #expect(results.map(\.outcome) == [.rejected, .conflict])
            #expect(results[1].conflicts.first?.base == .text("NHS [redacted: nhs-number]"))
            let history: History = try await hub.admin.get("/v1/actions/child-m/3.1/history")
            let trail = String(decoding: try Self.json(history), as: UTF8.self)
            #expect(!trail.contains("12/03/2014") && !trail.contains("5919"), "\(trail.suffix(600))")
            #expect(history.entries.suffix(2).first?.change.set.isEmpty == true)
            let conflicts: ConflictList = try await hub.admin.get("/v1/conflicts")
            #expect(!String(decoding: try Self.json(conflicts), as: UTF8.self).contains("5919"))
        }
    }

    @Test(arguments: TestStore.allCases) func whatIsStored_isScreenedForAdminsAndViewers_notAgencies(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            _ = try await police.push([Self.note("Moved to LS6 2QT", by: "police")])
            #expect(try await police.error("GET", "/v1/screening", status: 403).code == "forbidden")
            let report: ScreeningReport = try await hub.client(tokens["scrutiny"]).get("/v1/screening?plan=child-m")
            let found = report.findings.filter { $0.kind == .postcode }
            #expect(found.map(\.place) == [.record, .history])
            #expect(found.allSatisfy { $0.action == address(Self.action) && $0.field == "note" && $0.start == 9 })
            #expect(found.last?.seq != nil && found.first?.seq == nil)
            let all: ScreeningReport = try await hub.admin.get("/v1/screening")
            #expect(all.plans.map(\.rawValue) == ["child-m"] && all.findings.count == report.findings.count)
        }
    }

    // Long: one redaction, checked in every place the hub keeps a copy, then the refusals.
    @Test(arguments: TestStore.allCases) func aRedaction_rewritesTheRecordTrailAndConflicts_andAgenciesPullItAgain(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let (police, csc) = (hub.client(tokens["police"]), hub.client(tokens["csc"]))
            let was = try await Self.current(hub, .progress)
            // The postcode goes into progress, is edited over a few times, and csc crosses it.
            var value = was
            for text in ["At LS6 2QT", "At LS6 2QT since May, seen twice", "At LS6 2QT"] {
                let results = try await police.push([edit(Self.action, [.progress: (value, .text(text))])])
                #expect(results.map(\.outcome) == [.applied])
                value = .text(text)
            }
            let crossing = try await csc.push([edit(Self.action, [.progress: (was, .text("Seen at LS6 2QT too"))])])
            #expect(crossing.map(\.outcome) == [.conflict])
            let policeCursor = try await police.pull().cursor
            let cscCursor = try await csc.pull().cursor

            let request = RedactionRequest(field: "progress", kind: .postcode, reason: "A family's address")
            #expect(
                try await police.error(
                    "POST", "/v1/actions/child-m/3.1/redact", body: try Self.json(request), status: 403
                )
                .code == "forbidden")
            let answer: RedactionResponse = try await hub.admin.post("/v1/actions/child-m/3.1/redact", request)
            // The record, four changes of the trail, one conflict.
            #expect(answer.copies == 6 && answer.scrubbed)
            #expect(try await Self.current(hub, .progress) == .text("At [redacted: postcode]"))

            let history: History = try await hub.admin.get("/v1/actions/child-m/3.1/history")
            let trail = String(decoding: try Self.json(history), as: UTF8.self)
            #expect(!trail.contains("LS6 2QT") && trail.contains("[redacted: postcode]"))
            let last = try #require(history.entries.last)
            #expect(last.change.id == answer.changeId && last.agency.rawValue == "lscp")
            #expect(last.change.reason == "redaction of postcodes in progress (6 stored copies): A family's address")
            let conflicts: ConflictList = try await hub.admin.get("/v1/conflicts")
            #expect(!String(decoding: try Self.json(conflicts), as: UTF8.self).contains("LS6 2QT"))

            // The trail replayed (the committee report) gives the record as stored.
            let stored: Plan = try await hub.admin.get("/v1/plans/child-m")
            let replayed = Report.build(
                plans: [ReportPlan(id: stored.id, title: stored.title, scheme: .standard)],
                trail: try await hub.store.trail(of: [stored.id], through: Hub.systemTime()), conflicts: [],
                period: ReportPeriod(asOf: Hub.systemTime()))
            #expect(replayed.plans[0].actions.map(\.record) == stored.actions.sorted { $0.ref < $1.ref })

            // Police pulls the record again; csc, the conflict too.
            let pulled = try await police.pull(since: policeCursor)
            #expect(pulled.actions.first { $0.ref.rawValue == "3.1" }?.revision == answer.revision)
            let cscPulled = try await csc.pull(since: cscCursor)
            #expect(cscPulled.conflicts.map(\.incoming) == [.text("Seen at [redacted: postcode] too")])

            if store == .sqlite {
                // No copy in any of the database's files: the old row versions were in free space.
                for file in ["hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm"] {
                    let bytes = (try? Data(contentsOf: hub.dir.appendingPathComponent(file))) ?? Data()
                    #expect(bytes.range(of: Data("LS6 2QT".utf8)) == nil, "\(file)")
                }
            }

            // Nothing left to redact; a text that is not one; a reason that is itself a detail.
            #expect(
                try await hub.admin.error(
                    "POST", "/v1/actions/child-m/3.1/redact", body: try Self.json(request), status: 422
                ).message.contains("nothing to redact"))
            let field = RedactionRequest(field: "rag", kind: .postcode, reason: "x")
            #expect(
                try await hub.admin.error(
                    "POST", "/v1/actions/child-m/3.1/redact", body: try Self.json(field), status: 422
                ).message.contains("not a text"))
            let reason = RedactionRequest(field: "progress", kind: .phone, reason: "NHS 943 476 5919")
            #expect(
                try await hub.admin.error(
                    "POST", "/v1/actions/child-m/3.1/redact", body: try Self.json(reason), status: 422
                ).message.contains("the reason contains an NHS number"))
        }
    }
}
