import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

/// Bad input always gets a 4xx with a message that names the problem; never a 500.
@Suite("Bad input", .serialized)
struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let method: String
        let path: String
        let body: [UInt8]?
        let status: Int
        let words: String
        var description: String { name }
    }

    static let oneChange =
        #"{"id":"6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10","action":"child-m/3.1","set":{"progress":{"from":null,"to":"x"}}}"#

    static func batch(_ n: Int) -> [UInt8] {
        var text = #"{"changes":["#
        for i in 0..<n {
            if i > 0 { text += "," }
            text += #"{"id":"\#(UUID().uuidString)","action":"child-m/3.1","set":{"progress":{"from":null,"to":"x"}}}"#
        }
        return Array((text + "]}").utf8)
    }

    static let cases: [Case] = [
        Case(
            name: "malformed JSON", method: "POST", path: "/v1/sync/push", body: Array("{\"changes\": [".utf8),
            status: 400, words: "not valid JSON"),
        Case(
            name: "changes is not a list", method: "POST", path: "/v1/sync/push",
            body: Array(#"{"changes": 5}"#.utf8), status: 400, words: "changes"),
        Case(
            name: "wrong type in a field value", method: "POST", path: "/v1/sync/push",
            body: Array(
                #"{"changes":[{"id":"6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10","action":"child-m/3.1","set":{"rag":{"to":5}}}]}"#
                    .utf8),
            status: 400, words: "set.rag.to"),
        Case(
            name: "bad change id", method: "POST", path: "/v1/sync/push",
            body: Array(#"{"changes":[{"id":"nope","action":"child-m/3.1"}]}"#.utf8), status: 400,
            words: "changes[0].id"),
        Case(
            name: "bad action address", method: "POST", path: "/v1/sync/push",
            body: Array(#"{"changes":[{"id":"6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10","action":"Child M 3.1"}]}"#.utf8),
            status: 400, words: "PLAN/REF"),
        Case(name: "empty body", method: "POST", path: "/v1/sync/push", body: [], status: 400, words: "empty"),
        Case(
            name: "10,001-change batch", method: "POST", path: "/v1/sync/push", body: batch(10_001), status: 413,
            words: "limit of 10000"),
        Case(
            name: "body over the size limit", method: "POST", path: "/v1/sync/push",
            body: Array(repeating: UInt8(ascii: " "), count: 17 * 1024 * 1024), status: 413, words: "limit"),
        Case(
            name: "negative since", method: "GET", path: "/v1/sync/pull?since=-1", body: nil, status: 400,
            words: "since"),
        Case(
            name: "non-numeric wait", method: "GET", path: "/v1/sync/pull?wait=soon", body: nil, status: 400,
            words: "wait"),
        Case(
            name: "unknown plan", method: "GET", path: "/v1/plans/child-z", body: nil, status: 404,
            words: "plan child-z not found"),
        Case(
            name: "malformed plan id", method: "GET", path: "/v1/plans/Child%20M", body: nil, status: 400,
            words: "plan id"),
        Case(
            name: "unknown action history", method: "GET", path: "/v1/actions/child-m/9.9/history", body: nil,
            status: 404, words: "action 9.9 not found in plan child-m"),
        Case(
            name: "unknown conflict", method: "GET", path: "/v1/conflicts/999", body: nil, status: 404,
            words: "conflict 999 not found"),
        Case(
            name: "conflict id not a number", method: "GET", path: "/v1/conflicts/abc", body: nil, status: 400,
            words: "conflict id"),
        Case(
            name: "resolve without rationale", method: "POST", path: "/v1/conflicts/1/resolve",
            body: Array(#"{"choice":"keep-hub","rationale":" "}"#.utf8), status: 422, words: "rationale"),
        Case(
            name: "resolve with unknown choice", method: "POST", path: "/v1/conflicts/1/resolve",
            body: Array(#"{"choice":"toss-a-coin","rationale":"x"}"#.utf8), status: 400, words: "choice"),
        Case(
            name: "import with bad CSV", method: "POST", path: "/v1/plans",
            body: Array(#"{"id":"p2","title":"P","csv":"ref,action,lead_agency\n1.1,A,nobody\n"}"#.utf8),
            status: 422, words: "row 2, column lead_agency"),
        Case(
            name: "import with unknown scheme", method: "POST", path: "/v1/plans",
            body: Array(#"{"id":"p3","title":"P","scheme":"traffic-lights"}"#.utf8), status: 422, words: "scheme"),
        Case(
            name: "agency that exists", method: "POST", path: "/v1/agencies",
            body: Array(#"{"id":"police","name":"Police","role":"agency"}"#.utf8), status: 409, words: "already exists"),
        Case(
            name: "agency with a bad role", method: "POST", path: "/v1/agencies",
            body: Array(#"{"id":"fire","name":"Fire","role":"chief"}"#.utf8), status: 400, words: "role"),
        Case(
            name: "agency name with a NUL", method: "POST", path: "/v1/agencies",
            body: Array(#"{"id":"nul-test","name":"a\u0000b","role":"viewer"}"#.utf8), status: 422,
            words: "control characters"),
        Case(
            name: "time outside years 1-9999", method: "POST", path: "/v1/sync/push",
            body: Array(
                #"{"changes":[{"id":"41111111-2222-3333-4444-555555555555","action":"child-m/1.2","madeAt":"0001-01-01T00:00:00+99:99"}]}"#
                    .utf8),
            status: 400, words: "madeAt"),
        Case(
            name: "unknown route", method: "GET", path: "/v1/nothing-here", body: nil, status: 404,
            words: "no such route"),
    ]

    @Test(arguments: TestStore.allCases) func everyBadRequest_getsA4xxNamingTheProblem(_ store: TestStore) async throws
    {
        try await withTestHub(store: store) { hub in
            _ = try await hub.seed()
            for c in Self.cases {
                let response = try await hub.admin.raw(c.method, c.path, body: c.body)
                #expect(response.status == c.status, "\(c.name): \(response.status) \(response.text.prefix(300))")
                let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body))
                #expect(error?.error.message.contains(c.words) == true, "\(c.name): \(response.text.prefix(300))")
                #expect(error?.error.status == c.status)
            }
            // The hub is still healthy and nothing was written by any of it.
            let plans: PlanList = try await hub.admin.get("/v1/plans")
            #expect(plans.plans.map(\.id.rawValue) == ["child-m"])
        }
    }

    @Test(arguments: TestStore.allCases) func unknownAndRevokedTokens_areRefusedWith401(_ store: TestStore) async throws
    {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let unknown = try await hub.client("cch_not-a-token").error("GET", "/v1/plans", status: 401)
            #expect(unknown.message.contains("unknown or revoked token"))
            let malformed = try await hub.client(nil).raw("GET", "/v1/plans", headers: ["Authorization": "Basic abc"])
            #expect(malformed.status == 401 && malformed.text.contains("Bearer TOKEN"))
            #expect(malformed.headers["www-authenticate"] == "Bearer realm=\"concord\"")

            let police = hub.client(tokens["police"])
            let _: PlanList = try await police.get("/v1/plans")
            let _: AgencyInfo = try await hub.admin.post("/v1/agencies/police/revoke", [String: String]())
            let revoked = try await police.error("GET", "/v1/plans", status: 401)
            #expect(revoked.message.contains("revoked"))

            // Rotation: a new token works, the old one stays dead.
            let rotated: IssuedToken = try await hub.admin.post(
                "/v1/agencies/police/tokens?revokeOthers=true", [String: String](), expect: 201)
            let _: PlanList = try await hub.client(rotated.token).get("/v1/plans")
            #expect(rotated.agency.activeTokens == 1)
        }
    }

    @Test(arguments: TestStore.allCases) func rejectedChangeInABatch_doesNotStopTheOthers(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            let good = edit(
                "child-m/3.1", [.progress: (.text("Performance at 97% for November to January"), .text("New"))])
            var unknownField = edit("child-m/3.1", [:])
            unknownField.set = ["colour": FieldChange(from: .null, to: .text("green"))]
            let missing = edit("child-m/9.9", [.progress: (.null, .text("x"))])
            let results = try await police.push([unknownField, good, missing])
            #expect(results.map(\.outcome) == [.rejected, .applied, .rejected])
            #expect(results[0].violations.first?.rule == .unknownField)
            #expect(results[2].reason?.contains("action 9.9 not found in plan child-m") == true)
        }
    }

    /// M1: a push of a huge hostile change gets a short answer, and the audit trail keeps
    /// its id, not its bulk.
    @Test(arguments: TestStore.allCases) func hugeChangeOfUnknownKeys_getsAShortRejection_andItsBulkIsNotStored(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let police = hub.client(tokens["police"])
            var hostile = edit("child-m/3.1", [:])
            hostile.set = Dictionary(
                uniqueKeysWithValues: (0..<20_000).map { ("field-\($0)", FieldChange(from: .null, to: .text("x"))) })
            let body = Array(try ConcordJSON.encode(PushRequest(changes: [hostile]), pretty: false))
            #expect(body.count > 600_000)
            let response = try await police.raw("POST", "/v1/sync/push", body: body)
            #expect(response.status == 200)
            #expect(response.body.count < 1000, "the answer is \(response.body.count) bytes")
            let result = try JSONDecoder().decode(PushResponse.self, from: Data(response.body)).results[0]
            #expect(result.outcome == .rejected && result.violations.count == 1)
            // What the store kept (either store): the change's id and a note of its size.
            let kept = try await hub.store.storage.history(of: hostile.action).first { $0.change.id == hostile.id }
            let stored = kept.map { $0.change.json.count + $0.result.json.count }
            #expect(kept?.change.set.isEmpty == true)
            #expect((stored ?? 0) > 0 && (stored ?? .max) < 2000, "stored \(stored ?? -1) bytes")
        }
    }
}
