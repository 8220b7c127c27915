import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import NIOSSL
import Testing

@testable import ConcordHub

@Suite("Hub sync over TLS", .serialized)
struct SyncTests {
    @Test(arguments: TestStore.allCases) func pushThenPull_roundTripsTheRecordToAnotherAgency(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"]), csc = hub.client(tokens["csc"])
            let before = try await csc.pull()
            let record = try #require(before.actions.first { $0.address == address("child-m/3.1") })
            #expect(before.actions.count == 14)

            let change = edit("child-m/3.1", [.progress: (.text(record.progress!), .text("98% in February"))])
            let results = try await police.push([change])
            #expect(results.map(\.outcome) == [.applied])
            #expect(results[0].revision == record.revision + 1)

            let after = try await csc.pull(since: before.cursor)
            #expect(after.actions.map(\.address) == [address("child-m/3.1")])
            #expect(after.actions[0].progress == "98% in February")
            #expect(after.cursor > before.cursor)
            // A resend is answered from the stored result and changes nothing.
            #expect(try await police.push([change]) == results)
            #expect(try await csc.pull(since: after.cursor).actions.isEmpty)
        }
    }

    @Test(arguments: TestStore.allCases) func longPoll_wakesWhenAnotherAgencyPushes(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"]), police = hub.client(tokens["police"])
            let cursor = try await csc.pull().cursor
            let started = ContinuousClock.now
            async let woken = csc.pull(since: cursor, wait: 30)
            try await Task.sleep(for: .milliseconds(300))
            _ = try await police.push([
                edit("child-m/3.1", [.progress: (.text("Performance at 97% for November to January"), .text("Done"))])
            ])
            let response = try await woken
            #expect(response.actions.map(\.address) == [address("child-m/3.1")])
            #expect(
                ContinuousClock.now - started < .seconds(15), "the long-poll must end on the change, not the timeout")
        }
    }

    /// Lines of a stream as they arrive, for a test to wait on.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [[UInt8]] = []
        func add(_ line: [UInt8]) { lock.withLock { lines.append(line) } }
        var all: [PullResponse] {
            lock.withLock { lines }.compactMap { try? JSONDecoder().decode(PullResponse.self, from: Data($0)) }
        }
        var count: Int { lock.withLock { lines.count } }
        func wait(for n: Int) async throws {
            for _ in 0..<3000 where count < n { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test(arguments: TestStore.allCases) func stream_answersAtOnce_thenOnceForEachChange_inCursorOrder(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"]), police = hub.client(tokens["police"])
            let cursor = try await csc.pull().cursor
            let records = try await police.pull().actions
            let lines = Lines()
            // Open for longer than the test needs; it ends when the hub shuts down. On a
            // client of its own: a client sends one request at a time.
            let streaming = hub.client(tokens["csc"])
            let stream = Task {
                try await streaming.http.streamLines(
                    "/v1/sync/stream?since=\(cursor)&wait=60", timeout: .seconds(120), idle: .seconds(60),
                    line: lines.add)
            }
            defer { stream.cancel() }
            try await lines.wait(for: 1)
            #expect(lines.count == 1, "the first line comes at once")
            #expect(lines.all.first.map { $0.actions.isEmpty && $0.cursor == cursor } == true)
            for (ref, text) in [("3.1", "Done in December"), ("1.1", "Policy published")] {
                let record = records.first { $0.ref.rawValue == ref }!
                let before = lines.count
                _ = try await police.push([
                    edit("child-m/\(ref)", [.progress: (record.progress.map(FieldValue.text) ?? .null, .text(text))])
                ])
                try await lines.wait(for: before + 1)
            }
            let received = lines.all
            #expect(received.count == lines.count, "every line is a pull answer")
            let edits = received.flatMap(\.actions)
            #expect(edits.map(\.address) == [address("child-m/3.1"), address("child-m/1.1")])
            #expect(edits.map(\.progress) == ["Done in December", "Policy published"])
            // Each line goes on from the cursor of the one before, so nothing is skipped.
            #expect(received.map(\.cursor) == received.map(\.cursor).sorted())
            #expect(try await csc.pull(since: received.last!.cursor).actions.isEmpty)
        }
    }

    @Test(arguments: TestStore.allCases) func stream_staysOpenForTheWait_thenEnds(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"])
            let cursor = try await csc.pull().cursor
            let lines = Lines()
            let started = ContinuousClock.now
            let answer = try await csc.http.streamLines(
                "/v1/sync/stream?since=\(cursor)&wait=2", timeout: .seconds(60), idle: .seconds(60), line: lines.add)
            #expect(answer.status == 200 && answer.body.isEmpty)
            #expect(ContinuousClock.now - started >= .seconds(2), "the stream stays open for the wait")
            #expect(lines.count >= 1 && lines.all.allSatisfy { $0.actions.isEmpty && $0.cursor == cursor })
        }
    }

    @Test(arguments: TestStore.allCases) func stream_refusesABadTokenWithAJSONError(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let lines = Lines()
            let answer = try await hub.client("cch_nope").http.streamLines(
                "/v1/sync/stream?wait=5", timeout: .seconds(30), idle: .seconds(30), line: lines.add)
            #expect(answer.status == 401 && answer.text.contains("unknown or revoked token"))
            #expect(lines.count == 0)
        }
    }

    @Test(arguments: TestStore.allCases) func longPoll_endsEmptyAfterTheWait(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"])
            let cursor = try await csc.pull().cursor
            let response = try await csc.pull(since: cursor, wait: 1)
            #expect(response.actions.isEmpty && response.cursor == cursor)
        }
    }

    @Test(arguments: TestStore.allCases) func cursorAheadOfTheHub_afterARestoreFromBackup_resyncsEverything(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"])
            let latest = try await csc.pull().cursor
            let resync = try await csc.pull(since: latest + 1000)
            #expect(resync.actions.count == 14)
            #expect(resync.cursor == latest)
        }
    }

    @Test(arguments: TestStore.allCases) func pull_pagesWithLimitAndLosesNothing(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"])
            var cursor: Int64 = 0
            var seen: [ActionAddress] = []
            var pages = 0
            while true {
                let page = try await csc.pull(since: cursor, limit: 4)
                seen += page.actions.map(\.address)
                cursor = page.cursor
                pages += 1
                if !page.more { break }
            }
            #expect(pages == 4)
            #expect(Set(seen).count == 14 && seen.count == 14)
        }
    }

    @Test(arguments: TestStore.allCases)
    func crossingEdits_recordConflict_adminResolves_resolutionReachesPullAndHistory(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"]), csc = hub.client(tokens["csc"])
            let original = FieldValue.text("Performance at 97% for November to January")
            // Both agencies edited 3.1's progress offline from the same value.
            let first = try await police.push([edit("child-m/3.1", [.progress: (original, .text("Police view"))])])
            let second = try await csc.push([edit("child-m/3.1", [.progress: (original, .text("CSC view"))])])
            #expect(first[0].outcome == .applied)
            #expect(second[0].outcome == .conflict)
            let notice = try #require(second[0].conflicts.first)
            #expect(
                notice.hub == .text("Police view") && notice.incoming == .text("CSC view") && notice.base == original)

            // The agency sees its conflict in its pull; the admin sees it in the open list.
            let cscPull = try await csc.pull()
            #expect(cscPull.conflicts.map(\.id) == [notice.id])
            let open: ConflictList = try await hub.admin.get("/v1/conflicts?status=open")
            #expect(open.conflicts.map(\.id) == [notice.id])
            let policeList: ConflictList = try await police.get("/v1/conflicts")
            #expect(policeList.conflicts.isEmpty, "agencies see only their own conflicts")

            let resolved: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(notice.id)/resolve",
                ResolveRequest(choice: .takeAgency, rationale: "CSC holds the audit figures"))
            #expect(resolved.conflict.status == .resolved)
            #expect(resolved.result.outcome == .applied)

            // The resolution reaches both agencies through pull, with the conflict news for csc.
            let news = try await csc.pull(since: cscPull.cursor)
            #expect(news.actions.first { $0.address == address("child-m/3.1") }?.progress == "CSC view")
            #expect(news.conflicts.map(\.status) == [.resolved])
            #expect(news.conflicts.first?.resolution?.rationale == "CSC holds the audit figures")
            let policeNews = try await police.pull(since: cscPull.cursor)
            #expect(policeNews.actions.first?.progress == "CSC view")

            // A second resolution is refused.
            let again = try await hub.admin.error(
                "POST", "/v1/conflicts/\(notice.id)/resolve",
                body: Array(#"{"choice":"keep-hub","rationale":"x"}"#.utf8), status: 409)
            #expect(again.message.contains("already resolved"))

            // History lists every change: import, police edit, csc conflict, resolution.
            let history: History = try await police.get("/v1/actions/child-m/3.1/history")
            #expect(history.entries.map(\.outcome) == [.applied, .applied, .conflict, .applied])
            #expect(history.entries.map(\.agency.rawValue) == ["lscp", "police", "csc", "lscp"])
            #expect(history.entries.last?.change.reason == "CSC holds the audit figures")
            #expect(history.entries.map(\.seq) == history.entries.map(\.seq).sorted())
        }
    }

    /// csc's progress edit of 3.1 meets police's ("Police view") as a conflict; then police
    /// edits the field again ("February figures"). Returns the conflict's id.
    static func conflictThenALaterEdit(_ hub: TestHub) async throws -> Int64 {
        let tokens = try await hub.seed()
        let police = hub.client(tokens["police"]), csc = hub.client(tokens["csc"])
        let original = FieldValue.text("Performance at 97% for November to January")
        _ = try await police.push([edit("child-m/3.1", [.progress: (original, .text("Police view"))])])
        let conflicted = try await csc.push([edit("child-m/3.1", [.progress: (original, .text("CSC view"))])])
        let id = try #require(conflicted[0].conflicts.first?.id)
        _ = try await police.push([edit("child-m/3.1", [.progress: (.text("Police view"), .text("February figures"))])])
        return id
    }

    /// M4: an edit made after a conflict is never overwritten unseen by its resolution.
    @Test(arguments: TestStore.allCases)
    func resolvingAfterTheFieldMovedOn_isRefusedNamingTheValue_untilTheAdminReplacesItKnowingly(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let id = try await Self.conflictThenALaterEdit(hub)

            let refused = try await hub.admin.error(
                "POST", "/v1/conflicts/\(id)/resolve",
                body: Array(#"{"choice":"take-agency","rationale":"CSC holds the figures"}"#.utf8), status: 409)
            #expect(refused.message.contains("February figures") && refused.message.contains("replaces"))
            let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
            #expect(plan.actions.first { $0.ref.rawValue == "3.1" }?.progress == "February figures")
            let stillOpen: ConflictRecord = try await hub.admin.get("/v1/conflicts/\(id)")
            #expect(stillOpen.status == .open)

            let resolved: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(id)/resolve",
                ResolveRequest(
                    choice: .takeAgency, rationale: "CSC holds the figures", replaces: .text("February figures")))
            #expect(resolved.result.outcome == .applied)
            #expect(resolved.conflict.resolution?.value == .text("CSC view"))
        }
    }

    @Test(arguments: TestStore.allCases) func keepingTheHubsValue_keepsWhatTheFieldHoldsNow(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let id = try await Self.conflictThenALaterEdit(hub)
            let resolved: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(id)/resolve", ResolveRequest(choice: .keepHub, rationale: "Police's is current"))
            #expect(resolved.conflict.resolution?.value == .text("February figures"))
            let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
            #expect(plan.actions.first { $0.ref.rawValue == "3.1" }?.progress == "February figures")
        }
    }

    @Test(arguments: TestStore.allCases) func resolutionWithNewValue_andKeepHub_areAudited(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"]), csc = hub.client(tokens["csc"])
            let base = FieldValue.text("Detective Inspector Public Protection")
            _ = try await police.push([edit("child-m/3.1", [.leadOfficer: (base, .text("DCI"))])])
            let c1 = try await csc.push([edit("child-m/3.1", [.leadOfficer: (base, .text("Head of MASH"))])])
            let id = try #require(c1[0].conflicts.first?.id)
            let r: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(id)/resolve",
                ResolveRequest(
                    choice: .newValue, value: .text("DCI Public Protection"), rationale: "Agreed at subgroup"))
            #expect(r.conflict.resolution?.value == .text("DCI Public Protection"))
            let plan: Plan = try await csc.get("/v1/plans/child-m")
            #expect(plan.actions.first { $0.ref.rawValue == "3.1" }?.leadOfficer == "DCI Public Protection")

            let c2 = try await csc.push([edit("child-m/3.1", [.leadOfficer: (base, .text("Other"))])])
            let id2 = try #require(c2[0].conflicts.first?.id)
            let keep: ResolveResponse = try await hub.admin.post(
                "/v1/conflicts/\(id2)/resolve", ResolveRequest(choice: .keepHub, rationale: "Stays"))
            #expect(keep.result.outcome == .merged)
            let open: ConflictList = try await hub.admin.get("/v1/conflicts?status=open")
            #expect(open.conflicts.isEmpty)
        }
    }

    @Test(arguments: TestStore.allCases) func resolutionThatBreaksARule_isRefusedAndTheConflictStaysOpen(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let csc = hub.client(tokens["csc"])
            // 4.1 is red; the admin rates it amber while csc, offline, rates it green with evidence.
            _ = try await hub.admin.push([edit("child-m/4.1", [.rag: (.text("red"), .text("amber"))])])
            let evidence = EvidenceItem(kind: .output, summary: "Roll-out list", author: try AgencyID("csc"))
            var change = edit("child-m/4.1", [.rag: (.text("red"), .text("green"))])
            change.append = [.evidence(evidence)]
            let result = try await csc.push([change])
            let id = try #require(result[0].conflicts.first?.id)
            // Retract the evidence, then taking csc's green must be refused: green needs evidence.
            let retract = Change(
                action: address("child-m/4.1"), baseRevision: 0,
                append: [.retract(RetractItem(item: evidence.id, reason: "Wrong plan"))])
            #expect(try await csc.push([retract])[0].outcome == .applied)
            let error = try await hub.admin.error(
                "POST", "/v1/conflicts/\(id)/resolve",
                body: Array(#"{"choice":"take-agency","rationale":"csc is right"}"#.utf8), status: 422)
            #expect(error.message.contains("requiresEvidence"))
            let conflict: ConflictRecord = try await hub.admin.get("/v1/conflicts/\(id)")
            #expect(conflict.status == .open)
        }
    }

    @Test(arguments: TestStore.allCases) func importingTheSamePlanTwice_changesNothing_andGreenWithoutEvidenceIsFlagged(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            _ = try await hub.seed()
            let csv = try String(
                contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
            let again: PlanImportResponse = try await hub.admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID("child-m"), title: "CSPR Child M", csv: csv), expect: 201)
            #expect(again.results.allSatisfy { $0.outcome == .merged })
            #expect(again.plan.actions == 14)
            #expect(again.flags.contains { $0.rule == .requiresEvidence && $0.action == address("child-m/2.1") })
            let exported = try await hub.admin.raw("GET", "/v1/plans/child-m?format=csv")
            #expect(exported.status == 200)
            let reimported = try PlanCSV.importPlan(exported.text, id: PlanID("child-m"), title: "x").plan
            #expect(reimported.actions.count == 14)
        }
    }

    @Test(arguments: TestStore.allCases) func newPartner_receivesTheWholePlanOnItsNextPull(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let fire =
                try await hub.admin.post(
                    "/v1/agencies", AgencyRequest(id: AgencyID("fire"), name: "Fire service", role: .agency),
                    expect: 201)
                as IssuedToken
            let fireClient = hub.client(fire.token)
            #expect(try await fireClient.pull().actions.isEmpty)
            _ = tokens
            _ = try await hub.admin.push([
                edit(
                    "child-m/6.2",
                    [
                        .supportingAgencies: (
                            .list(["csc", "education", "icb", "police", "probation"]),
                            .list(["csc", "education", "fire", "icb", "police", "probation"])
                        )
                    ])
            ])
            let pulled = try await fireClient.pull()
            #expect(pulled.actions.count == 14)
        }
    }

    @Test func tls_refusesVersionsBelow1_2_andUnknownCAs() async throws {
        try await withTestHub { hub in
            let hubConfig = try HubConfig.load(file: hub.dir.appendingPathComponent("hub.json").path, environment: [:])
            #expect(try HubApp.tlsConfiguration(hubConfig).minimumTLSVersion == .tlsv12)
            var config = HTTPClientConfiguration(baseURL: hub.baseURL)
            config.caFile = "/etc/ssl/certs/ca-certificates.crt"
            config.proxy = ""
            let untrusted = HTTPClient(config)
            await #expect(throws: HTTPTransportError.self) { _ = try await untrusted.send("GET", "/healthz") }
            let ok = try await hub.client(nil).raw("GET", "/healthz")
            #expect(ok.status == 200)
        }
    }
}
