import ConcordCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's control API, served over a Unix socket (mode 0660, for the agency's group):
/// what `concordctl` talks to. Routes are described in docs/control-api.md.
struct ControlAPI {
    let agent: Agent

    struct Endpoint {
        let method: HTTPRequest.Method
        let path: String
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .get, path: "/v1/status", handler: status),
            Endpoint(method: .get, path: "/v1/actions", handler: list),
            Endpoint(method: .get, path: "/v1/actions/:plan/:ref", handler: show),
            Endpoint(method: .post, path: "/v1/actions/:plan/:ref", handler: update),
            Endpoint(method: .post, path: "/v1/actions/:plan/:ref/evidence", handler: addEvidence),
            Endpoint(method: .post, path: "/v1/actions/:plan/:ref/notes", handler: addNote),
            Endpoint(method: .post, path: "/v1/sync", handler: sync),
            Endpoint(method: .get, path: "/v1/conflicts", handler: conflicts),
            Endpoint(method: .get, path: "/v1/problems", handler: problems),
        ]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: ControlErrorMiddleware())
        for e in endpoints { router.on(RouterPath(e.path), method: e.method, use: e.handler) }
    }

    @Sendable func status(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try ControlJSON.response(await agent.status())
    }

    /// Filters: `plan`, `agency` (lead or supporting), `rag` (`unrated` for none),
    /// `overdue=true` (target date passed, not completed or archived), `mine=true`.
    @Sendable func list(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        var actions = await agent.actions()
        let agency = agent.config.agency
        if let plan = q.get("plan") { actions = actions.filter { $0.plan.rawValue == plan } }
        if let a = q.get("agency") {
            let id: AgencyID
            do { id = try AgencyID(a) } catch { throw AgentError.badRequest(error.description) }
            actions = actions.filter { $0.isPartner(id) }
        }
        if let rag = q.get("rag") { actions = actions.filter { ($0.rag ?? "unrated") == rag } }
        if q.get("mine") == "true" { actions = actions.filter { $0.isPartner(agency) } }
        if q.get("overdue") == "true" {
            let today = Agent.systemTime().date
            actions = actions.filter { a in
                !a.archived && a.completedOn == nil && a.rag != "blue" && (a.targetDate.map { $0 < today } ?? false)
            }
        }
        return try ControlJSON.response(ActionList(actions: actions))
    }

    @Sendable func show(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try ControlJSON.response(try await agent.detail(try Self.address(context)))
    }

    @Sendable func update(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let address = try Self.address(context)
        let body = try await ControlJSON.decode(UpdateRequest.self, from: request)
        var set: [Field: FieldValue] = [:]
        for (name, value) in body.set {
            guard let field = Field(rawValue: name) else {
                throw AgentError.badRequest(
                    "unknown field '\(name.prefix(40))'; fields are: \(Field.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            set[field] = value
        }
        guard !set.isEmpty else { throw AgentError.badRequest("give at least one field to set") }
        return try ControlJSON.response(try await agent.edit(address, set: set, reason: body.reason))
    }

    @Sendable func addEvidence(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let address = try Self.address(context)
        let body = try await ControlJSON.decode(EvidenceRequest.self, from: request)
        let agency = agent.config.agency
        let item = EvidenceItem(
            kind: body.kind ?? .output, summary: body.summary, reference: body.reference, author: agency)
        return try ControlJSON.response(try await agent.edit(address, set: [:], append: [.evidence(item)]))
    }

    @Sendable func addNote(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let address = try Self.address(context)
        let body = try await ControlJSON.decode(NoteRequest.self, from: request)
        let agency = agent.config.agency
        let note = ProgressNote(text: body.text, reference: body.reference, author: agency)
        return try ControlJSON.response(try await agent.edit(address, set: [:], append: [.note(note)]))
    }

    /// `wait=SECONDS` (default 10, at most 300).
    @Sendable func sync(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let raw = request.uri.queryParameters.get("wait") ?? "10"
        guard let seconds = Int(raw), (0...300).contains(seconds) else {
            throw AgentError.badRequest("wait must be a whole number of seconds from 0 to 300")
        }
        return try ControlJSON.response(await agent.syncNow(timeout: .seconds(seconds)))
    }

    @Sendable func conflicts(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try ControlJSON.response(ConflictList(conflicts: await agent.conflicts()))
    }

    @Sendable func problems(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try ControlJSON.response(ProblemList(problems: await agent.problems()))
    }

    static func address(_ context: BasicRequestContext) throws -> ActionAddress {
        let plan = try context.parameters.require("plan"), ref = try context.parameters.require("ref")
        do { return ActionAddress(plan: try PlanID(plan), ref: try ActionRef(ref)) } catch {
            throw AgentError.badRequest(error.description)
        }
    }
}

enum ControlJSON {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try ConcordJSON.encode(value, pretty: false))))
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 1 << 20) } catch {
            throw AgentError.badRequest("the request body is over 1 MiB")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
            throw AgentError.badRequest("malformed request body: \(ConcordJSON.explain(error))")
        }
    }
}

/// Every error as `{"error": {"status", "code", "message"}}`; never a 500 for bad input.
struct ControlErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as AgentError {
            let (status, code): (HTTPResponse.Status, String) =
                switch error {
                case .notFound: (.notFound, "notFound")
                case .invalid: (.unprocessableContent, "unprocessable")
                case .badRequest: (.badRequest, "badRequest")
                case .config: (.internalServerError, "config")
                }
            return try ControlJSON.response(
                ErrorBody(status: Int(status.code), code: code, message: error.description), status: status)
        } catch let error as any HTTPResponseError {
            let message =
                error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : "\(error.status)"
            return try ControlJSON.response(
                ErrorBody(status: error.status.code, code: "http\(error.status.code)", message: message),
                status: error.status)
        } catch {
            context.logger.error("control request failed", metadata: ["error": "\(type(of: error))"])
            return try ControlJSON.response(
                ErrorBody(status: 500, code: "internal", message: "the agent could not complete the request: \(error)"),
                status: .internalServerError)
        }
    }
}
