import ConcordCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The hub's API v1 (docs/openapi.yaml). Handlers are thin: they parse, check the role,
/// call the store and encode.
struct HubRoutes {
    let store: HubStore
    let metrics: HubMetrics
    let limits: HubConfig.Limits

    func register(on router: Router<HubRequestContext>) {
        router.get("healthz") { _, _ in try JSONBody.response(["status": "ok"]) }
        router.get("metrics") { _, _ in
            let text = metrics.render(
                openConflicts: try await store.openConflictCount(), longPolls: await store.feed.waiting)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        let v1 = router.group("v1").add(middleware: AuthMiddleware(store: store))
        v1.post("sync/push", use: push)
        v1.get("sync/pull", use: pull)
        v1.get("conflicts", use: listConflicts)
        v1.get("conflicts/:id", use: getConflict)
        v1.post("conflicts/:id/resolve", use: resolve)
        v1.get("plans", use: listPlans)
        v1.post("plans", use: importPlan)
        v1.get("plans/:plan", use: getPlan)
        v1.get("actions/:plan/:ref/history", use: history)
        v1.get("agencies", use: listAgencies)
        v1.post("agencies", use: addAgency)
        v1.post("agencies/:agency/tokens", use: issueToken)
        v1.post("agencies/:agency/revoke", use: revokeTokens)
    }

    // MARK: Sync

    @Sendable func push(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await JSONBody.decode(PushRequest.self, from: request, limit: limits.maxBodyBytes)
        guard body.changes.count <= limits.maxBatch else {
            throw HubError(
                .payloadTooLarge,
                "a batch of \(body.changes.count) changes is over the limit of \(limits.maxBatch); send smaller batches"
            )
        }
        let results = try await store.push(body.changes, by: principal)
        metrics.count(results)
        return try JSONBody.response(PushResponse(results: results))
    }

    @Sendable func pull(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let since = try Self.integer(request, "since", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(request, "limit", default: 1000, range: 1...Int64.max)
        let wait = try Self.integer(request, "wait", default: 0, range: 0...Int64.max)
        let response = try await store.pull(
            since: since, limit: Int(min(limit, Int64(limits.maxPullLimit))),
            wait: .seconds(min(wait, Int64(limits.maxWaitSeconds))), for: principal)
        return try JSONBody.response(response)
    }

    // MARK: Conflicts

    @Sendable func listConflicts(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var status: ConflictRecord.Status?
        if let raw = request.uri.queryParameters.get("status") {
            guard let parsed = ConflictRecord.Status(rawValue: raw) else {
                throw HubError(.badRequest, "status must be open or resolved")
            }
            status = parsed
        }
        return try JSONBody.response(ConflictList(conflicts: try await store.conflicts(for: principal, status: status)))
    }

    @Sendable func getConflict(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return try JSONBody.response(try await store.conflict(try Self.conflictID(context), for: principal))
    }

    @Sendable func resolve(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.conflictID(context)
        let body = try await JSONBody.decode(ResolveRequest.self, from: request, limit: limits.maxBodyBytes)
        return try JSONBody.response(try await store.resolve(id, body, by: principal))
    }

    // MARK: Plans and history

    @Sendable func listPlans(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return try JSONBody.response(PlanList(plans: try await store.plans(for: principal)))
    }

    @Sendable func importPlan(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) creates and imports plans")
        }
        let body = try await JSONBody.decode(PlanImportRequest.self, from: request, limit: limits.maxBodyBytes)
        return try JSONBody.response(try await store.importPlan(body, by: principal), status: .created)
    }

    /// `?format=csv` gives the spreadsheet form.
    @Sendable func getPlan(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.identifier(context, "plan", PlanID.init)
        let plan = try await store.plan(id, for: principal)
        switch request.uri.queryParameters.get("format") ?? "json" {
        case "json":
            return try JSONBody.response(plan)
        case "csv":
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: PlanCSV.export(plan))))
        default:
            throw HubError(.badRequest, "format must be json or csv")
        }
    }

    @Sendable func history(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let plan = try Self.identifier(context, "plan", PlanID.init)
        let ref = try Self.identifier(context, "ref", ActionRef.init)
        return try JSONBody.response(
            try await store.history(of: ActionAddress(plan: plan, ref: ref), for: principal))
    }

    // MARK: Agencies

    @Sendable func listAgencies(_ request: Request, context: HubRequestContext) async throws -> Response {
        try Self.requireAdmin(context)
        return try JSONBody.response(AgencyList(agencies: try await store.agencies()))
    }

    @Sendable func addAgency(_ request: Request, context: HubRequestContext) async throws -> Response {
        try Self.requireAdmin(context)
        let body = try await JSONBody.decode(AgencyRequest.self, from: request, limit: 64 * 1024)
        return try JSONBody.response(try await store.addAgency(body), status: .created)
    }

    /// `?revokeOthers=true` rotates: the new token replaces every old one.
    @Sendable func issueToken(_ request: Request, context: HubRequestContext) async throws -> Response {
        try Self.requireAdmin(context)
        let agency = try Self.identifier(context, "agency", AgencyID.init)
        let revoke = request.uri.queryParameters.get("revokeOthers") == "true"
        return try JSONBody.response(try await store.issueToken(for: agency, revokingOthers: revoke), status: .created)
    }

    @Sendable func revokeTokens(_ request: Request, context: HubRequestContext) async throws -> Response {
        try Self.requireAdmin(context)
        let agency = try Self.identifier(context, "agency", AgencyID.init)
        _ = try await store.revokeTokens(of: agency)
        return try JSONBody.response(try await store.agencyInfo(agency))
    }

    // MARK: Parameters

    static func requireAdmin(_ context: HubRequestContext) throws {
        guard try context.requirePrincipal().role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) manages agencies and tokens")
        }
    }

    static func integer(
        _ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>
    )
        throws -> Int64
    {
        guard let raw = request.uri.queryParameters.get(name) else { return value }
        guard let n = Int64(raw), range.contains(n) else {
            throw HubError(
                .badRequest, "query parameter \(name) must be a whole number of at least \(range.lowerBound)")
        }
        return n
    }

    static func conflictID(_ context: HubRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init), id > 0 else {
            throw HubError(.badRequest, "a conflict id is a positive whole number")
        }
        return id
    }

    static func identifier<T>(
        _ context: HubRequestContext, _ name: String, _ parse: (String) throws(IdentifierError) -> T
    ) throws -> T {
        let raw = try context.parameters.require(name)
        do { return try parse(raw) } catch { throw HubError(.badRequest, error.description) }
    }
}
