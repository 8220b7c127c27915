import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Hummingbird
import NIOCore

/// The hub's API v1 (docs/openapi.yaml). Handlers are thin: they parse, check the role,
/// call the store and encode.
struct HubRoutes {
    let store: Hub
    let metrics: HubMetrics
    let limits: HubConfig.Limits
    let gate: AgencyGate

    /// Mutual TLS is on: a client certificate must name the token's agency.
    let certificatesNameAgencies: Bool

    init(store: Hub, metrics: HubMetrics, limits: HubConfig.Limits, certificatesNameAgencies: Bool = false) {
        self.store = store
        self.metrics = metrics
        self.limits = limits
        self.certificatesNameAgencies = certificatesNameAgencies
        gate = AgencyGate(maxRequests: limits.maxRequestsPerAgency, maxWaiting: limits.maxWaitingPerAgency)
    }

    /// One route of the API: what docs/openapi.yaml must describe (a test keeps them equal).
    struct Endpoint: Sendable {
        let method: HTTPRequest.Method
        /// Hummingbird syntax: `/v1/conflicts/:id`.
        let path: String
        /// Needs a bearer token (every `/v1` route does).
        var authenticated: Bool { path.hasPrefix("/v1/") }
        let handler: @Sendable (Request, HubRequestContext) async throws -> Response
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .get, path: "/healthz", handler: healthz),
            Endpoint(method: .get, path: "/metrics", handler: metricsText),
            Endpoint(method: .post, path: "/v1/sync/push", handler: push),
            Endpoint(method: .get, path: "/v1/sync/pull", handler: pull),
            Endpoint(method: .get, path: "/v1/sync/stream", handler: stream),
            Endpoint(method: .get, path: "/v1/conflicts", handler: listConflicts),
            Endpoint(method: .get, path: "/v1/conflicts/:id", handler: getConflict),
            Endpoint(method: .post, path: "/v1/conflicts/:id/resolve", handler: resolve),
            Endpoint(method: .get, path: "/v1/plans", handler: listPlans),
            Endpoint(method: .post, path: "/v1/plans", handler: importPlan),
            Endpoint(method: .get, path: "/v1/plans/:plan", handler: getPlan),
            Endpoint(method: .get, path: "/v1/actions/:plan/:ref/history", handler: history),
            Endpoint(method: .get, path: "/v1/agencies", handler: listAgencies),
            Endpoint(method: .post, path: "/v1/agencies", handler: addAgency),
            Endpoint(method: .post, path: "/v1/agencies/:agency/tokens", handler: issueToken),
            Endpoint(method: .post, path: "/v1/agencies/:agency/revoke", handler: revokeTokens),
        ] + reportEndpoints + screeningEndpoints
    }

    func register(on router: Router<HubRequestContext>) {
        let v1 = router.group().add(
            middleware: AuthMiddleware(store: store, gate: gate, certificatesNameAgencies: certificatesNameAgencies))
        for endpoint in endpoints {
            if endpoint.authenticated {
                v1.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            } else {
                router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            }
        }
    }

    // MARK: Health and metrics

    @Sendable func healthz(_ request: Request, context: HubRequestContext) async throws -> Response {
        try JSONBody.response(["status": "ok"])
    }

    @Sendable func metricsText(_ request: Request, context: HubRequestContext) async throws -> Response {
        // Who the partners are and when each was last active: for admins and viewers only.
        var agencies: [AgencyInfo]?
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let principal = try await store.authenticate(token: String(header.dropFirst(7))), principal.role != .agency
        {
            agencies = try await store.agencies()
        }
        let text = metrics.render(
            openConflicts: try await store.openConflictCount(), longPolls: await store.feed.waiting,
            agencies: agencies)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
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
        let (results, json, database) = try await store.push(body.changes, by: principal)
        metrics.countPush(results, database: database)
        store.heard(from: principal.agency, pushed: true)
        return JSONBody.response(encoded: json)
    }

    @Sendable func pull(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let since = try Self.integer(request, "since", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(request, "limit", default: 1000, range: 1...Int64.max)
        let wait = try Self.integer(request, "wait", default: 0, range: 0...Int64.max)
        let timeline = try Self.optionalInteger(request, "timeline")
        let ticket = wait > 0 ? try gate.enter(.waiting, for: principal.agency) : nil
        defer { withExtendedLifetime(ticket) {} }
        let page = try await store.pull(
            since: since, limit: Int(min(limit, Int64(limits.maxPullLimit))),
            wait: .seconds(min(wait, Int64(limits.maxWaitSeconds))), timeline: timeline, for: principal)
        return JSONBody.response(encoded: page.json)
    }

    /// Seconds between the lines of a quiet stream, so agents (and proxies) can tell a quiet
    /// hub from a dead connection: at most this, or what the caller asks (`heartbeat`, 1-20).
    static let heartbeat: Int64 = 20

    /// A long-poll that answers more than once: one pull answer per line (NDJSON) as news
    /// arrives — the first at once, then one per change, or an empty one every
    /// ``heartbeat`` — until `wait` ends or the hub stops. Saves each waiting agent a new
    /// request per change, which is most of what a change costs when many agents wait.
    @Sendable func stream(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let since = try Self.integer(request, "since", default: 0, range: 0...Int64.max)
        let limit = Int(
            min(try Self.integer(request, "limit", default: 1000, range: 1...Int64.max), Int64(limits.maxPullLimit)))
        let wait = Duration.seconds(
            min(try Self.integer(request, "wait", default: 0, range: 0...Int64.max), Int64(limits.maxWaitSeconds)))
        let heartbeat = Duration.seconds(
            try Self.integer(request, "heartbeat", default: Self.heartbeat, range: 1...Self.heartbeat))
        let timeline = try Self.optionalInteger(request, "timeline")
        let store = self.store
        let ticket = try gate.enter(.waiting, for: principal.agency)
        let token = context.token
        let metrics = self.metrics
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                // The agency's place is held while the stream is written.
                let held = ticket
                metrics.streamHeld(1)
                defer {
                    withExtendedLifetime(held) {}
                    metrics.streamHeld(-1)
                }
                let deadline = ContinuousClock.now.advanced(by: wait)
                var cursor = since
                var first = true
                while true {
                    let left = ContinuousClock.now.duration(to: deadline)
                    // The caller's timeline counts for its first line; the lines after it go on
                    // from cursors of this hub's own.
                    let page = try await store.pull(
                        since: cursor, limit: limit, wait: first ? .zero : min(left, heartbeat),
                        timeline: first ? timeline : nil, for: principal)
                    var line = page.json
                    line.append(0x0A)
                    try await writer.write(ByteBuffer(bytes: line))
                    store.heard(from: principal.agency)
                    cursor = page.cursor
                    first = false
                    if page.more { continue }
                    let closed = await store.feed.isClosed
                    if closed || ContinuousClock.now >= deadline || Task.isCancelled { break }
                    // A token revoked meanwhile ends the stream: revoking ends every wait, so
                    // the token is looked at again whenever a wait ends with nothing new.
                    if page.isEmpty, let token, try await store.authenticate(token: token) != principal { break }
                }
                try await writer.finish(nil)
            })
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
        return try JSONBody.response(AgencyList(agencies: try await store.agencies(), asOf: store.clock()))
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

    /// An optional whole-number query parameter.
    static func optionalInteger(_ request: Request, _ name: String) throws -> Int64? {
        guard request.uri.queryParameters.get(name) != nil else { return nil }
        return try integer(request, name, default: 0, range: Int64.min...Int64.max)
    }

    static func integer(
        _ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>
    )
        throws -> Int64
    {
        guard let raw = request.uri.queryParameters.get(name) else { return value }
        guard let n = Int64(raw), range.contains(n) else {
            let bounds =
                range.upperBound == Int64.max
                ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw HubError(.badRequest, "query parameter \(name) must be a whole number \(bounds)")
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
