import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

/// Each role × each route × own and other agency's action.
@Suite("Authorization matrix", .serialized)
struct AuthorizationTests {
    /// Callers: the business unit, the lead of 3.1 (police), a supporter of 3.1 (csc), a plan
    /// partner with no part in 3.1 (education, lead of 4.1), an agency in no plan (fire),
    /// a scrutiny committee, and no token at all.
    static let callers = ["lscp", "police", "csc", "education", "fire", "scrutiny", "anonymous"]

    struct Row: CustomStringConvertible {
        let route: String
        let method: String
        let path: String
        let body: String?
        /// Expected HTTP status for each caller.
        let status: [String: Int]
        var description: String { "\(method) \(path) (\(route))" }
    }

    static func everyone(_ status: Int, except: [String: Int] = [:]) -> [String: Int] {
        var map = Dictionary(uniqueKeysWithValues: callers.map { ($0, status) })
        map["anonymous"] = 401
        for (k, v) in except { map[k] = v }
        return map
    }

    static let adminOnly = everyone(403, except: ["lscp": 200])

    @Test(arguments: TestStore.allCases) func everyRoleOnEveryRoute_getsTheStatusItsRoleAllows(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            var tokens = try await hub.seed()
            let fire: IssuedToken = try await hub.admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID("fire"), name: "Fire", role: .agency), expect: 201)
            tokens["fire"] = fire.token
            // A conflict of police's, for the conflict routes.
            let base = FieldValue.text("Detective Inspector Public Protection")
            _ = try await hub.admin.push([edit("child-m/3.1", [.leadOfficer: (base, .text("DCI"))])])
            let conflictID = try #require(
                try await hub.client(tokens["police"]).push([edit("child-m/3.1", [.leadOfficer: (base, .text("DI"))])])[
                    0
                ]
                .conflicts.first?.id)

            let readers = Self.everyone(200, except: ["fire": 403])
            let rows: [Row] = [
                Row(route: "pull", method: "GET", path: "/v1/sync/pull", body: nil, status: Self.everyone(200)),
                Row(route: "plans", method: "GET", path: "/v1/plans", body: nil, status: Self.everyone(200)),
                Row(route: "plan", method: "GET", path: "/v1/plans/child-m", body: nil, status: readers),
                Row(
                    route: "history", method: "GET", path: "/v1/actions/child-m/3.1/history", body: nil,
                    status: readers),
                Row(route: "conflicts", method: "GET", path: "/v1/conflicts", body: nil, status: Self.everyone(200)),
                Row(
                    route: "conflict", method: "GET", path: "/v1/conflicts/\(conflictID)", body: nil,
                    status: Self.everyone(403, except: ["lscp": 200, "police": 200, "scrutiny": 200])),
                Row(
                    route: "import", method: "POST", path: "/v1/plans",
                    body: #"{"id":"p-CALLER","title":"New plan"}"#, status: Self.everyone(403, except: ["lscp": 201])),
                Row(route: "agencies", method: "GET", path: "/v1/agencies", body: nil, status: Self.adminOnly),
                Row(
                    route: "add agency", method: "POST", path: "/v1/agencies",
                    body: #"{"id":"x-CALLER","name":"X","role":"agency"}"#,
                    status: Self.everyone(403, except: ["lscp": 201])),
                Row(
                    route: "rotate token", method: "POST", path: "/v1/agencies/probation/tokens", body: nil,
                    status: Self.everyone(403, except: ["lscp": 201])),
                Row(
                    route: "revoke", method: "POST", path: "/v1/agencies/nhs-trust/revoke", body: nil,
                    status: Self.adminOnly),
                Row(route: "report", method: "GET", path: "/v1/reports/child-m", body: nil, status: readers),
                Row(
                    route: "report of all plans", method: "GET", path: "/v1/reports/all?format=csv", body: nil,
                    status: Self.everyone(200)),
                Row(route: "meetings", method: "GET", path: "/v1/meetings", body: nil, status: Self.everyone(200)),
                Row(
                    route: "add meeting", method: "POST", path: "/v1/meetings",
                    body: #"{"id":"m-CALLER","date":"2026-03-12T00:00:00.000Z","title":"Committee"}"#,
                    status: Self.everyone(403, except: ["lscp": 201])),
                Row(
                    route: "remove meeting", method: "DELETE", path: "/v1/meetings/m-lscp", body: nil,
                    status: Self.everyone(403, except: ["lscp": 204])),
                // Last, so the conflict stays open for the rows above.
                Row(
                    route: "resolve", method: "POST", path: "/v1/conflicts/\(conflictID)/resolve",
                    body: #"{"choice":"keep-hub","rationale":"Agreed"}"#, status: Self.adminOnly),
            ]
            for row in rows {
                for caller in Self.callers {
                    let client = hub.client(tokens[caller])
                    let body = row.body.map { Array($0.replacingOccurrences(of: "CALLER", with: caller).utf8) }
                    let response = try await client.raw(row.method, row.path, body: body)
                    #expect(
                        response.status == row.status[caller], "\(caller): \(row) → \(response.status) \(response.text)"
                    )
                    if response.status >= 400 {
                        let error = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body))
                        #expect(!error.error.message.isEmpty)
                    }
                }
            }
        }
    }

    /// Push: own action, supported action, another agency's action, by role.
    @Test(arguments: TestStore.allCases) func pushOutcome_dependsOnRoleAndOnWhoLeadsOrSupportsTheAction(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            var tokens = try await hub.seed()
            let fire: IssuedToken = try await hub.admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID("fire"), name: "Fire", role: .agency), expect: 201)
            tokens["fire"] = fire.token
            // 3.1: led by police, supported by csc. 4.1: led by education, supported by csc.
            let expected: [(caller: String, action: String, outcome: Outcome?, status: Int)] = [
                ("lscp", "child-m/3.1", .applied, 200),
                ("police", "child-m/3.1", .applied, 200),
                ("csc", "child-m/3.1", .applied, 200),
                ("education", "child-m/3.1", .rejected, 200),
                ("police", "child-m/4.1", .rejected, 200),
                ("education", "child-m/4.1", .applied, 200),
                ("fire", "child-m/4.1", .rejected, 200),
                ("scrutiny", "child-m/4.1", nil, 403),
                ("anonymous", "child-m/4.1", nil, 401),
            ]
            for (caller, action, outcome, status) in expected {
                let client = hub.client(tokens[caller])
                let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
                let current = plan.actions.first { $0.address == address(action) }!
                let change = edit(action, [.progress: (current.value(of: .progress), .text("Update by \(caller)"))])
                let response = try await client.raw(
                    "POST", "/v1/sync/push", body: Array(try ConcordJSON.encode(PushRequest(changes: [change]))))
                #expect(response.status == status, "\(caller) on \(action): \(response.text)")
                if let outcome {
                    let results = try JSONDecoder().decode(PushResponse.self, from: Data(response.body)).results
                    #expect(results.first?.outcome == outcome, "\(caller) on \(action): \(response.text)")
                    if outcome == .rejected {
                        #expect(results.first?.violations.first?.rule == .notPartner)
                    }
                }
            }
            // Admin-only fields, by an agency on its own action.
            let ownerChange = edit("child-m/3.1", [.ownerAgency: (.text("police"), .text("csc"))])
            let result = try await hub.client(tokens["police"]).push([ownerChange])
            #expect(result[0].outcome == .rejected && result[0].violations.first?.rule == .adminOnly)
        }
    }
}
