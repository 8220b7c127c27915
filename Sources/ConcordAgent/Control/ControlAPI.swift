import ConcordCodec
import ConcordCore
import ConcordWire
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's control API, served over a Unix socket (mode 0660, for the agency's group) by
/// `ControlServer`: what `concordctl` talks to. Routes are described in docs/control-api.md.
struct ControlAPI {
    let agent: Agent
    let logger: Logger
    /// The routes, with their patterns split once (not per request).
    private(set) var endpoints: [Endpoint] = []

    init(agent: Agent, logger: Logger) {
        self.agent = agent
        self.logger = logger
        endpoints = routes
    }

    struct Endpoint {
        let method: String
        /// Segments; `:name` matches any one segment and names it.
        let pattern: [Substring]
        let handler: @Sendable (ControlRequest, Parameters) async throws -> ControlResponse

        init(
            method: String, path: String,
            handler: @escaping @Sendable (ControlRequest, Parameters) async throws -> ControlResponse
        ) {
            self.method = method
            self.pattern = path.split(separator: "/")
            self.handler = handler
        }

        func match(_ segments: [String]) -> Parameters? {
            guard segments.count == pattern.count else { return nil }
            var parameters = Parameters()
            for (p, s) in zip(pattern, segments) {
                if p.first == ":" {
                    parameters.values[String(p.dropFirst())] = s
                } else if p != s {
                    return nil
                }
            }
            return parameters
        }
    }

    struct Parameters {
        var values: [String: String] = [:]
        func require(_ name: String) -> String { values[name] ?? "" }
    }

    private var routes: [Endpoint] {
        [
            Endpoint(method: "GET", path: "/v1/status", handler: status),
            Endpoint(method: "GET", path: "/v1/actions", handler: list),
            Endpoint(method: "GET", path: "/v1/actions/:plan/:ref", handler: show),
            Endpoint(method: "POST", path: "/v1/actions/:plan/:ref", handler: update),
            Endpoint(method: "POST", path: "/v1/actions/:plan/:ref/evidence", handler: addEvidence),
            Endpoint(method: "POST", path: "/v1/actions/:plan/:ref/notes", handler: addNote),
            Endpoint(method: "POST", path: "/v1/sync", handler: sync),
            Endpoint(method: "GET", path: "/v1/conflicts", handler: conflicts),
            Endpoint(method: "GET", path: "/v1/problems", handler: problems),
        ]
    }

    /// Answers one request; every error as `{"error": {"status", "code", "message"}}`, never
    /// a 500 for bad input.
    func handle(_ request: ControlRequest) async -> ControlResponse {
        var found: (Endpoint, Parameters)?
        for e in endpoints where e.method == request.method {
            if let parameters = e.match(request.segments) {
                found = (e, parameters)
                break
            }
        }
        guard let (endpoint, parameters) = found else {
            return ControlJSON.error(
                status: 404, code: "http404", message: "no such route: \(request.method) \(request.path)")
        }
        do {
            return try await endpoint.handler(request, parameters)
        } catch let error as AgentError {
            let (status, code): (Int, String) =
                switch error {
                case .notFound: (404, "notFound")
                case .invalid: (422, "unprocessable")
                case .badRequest: (400, "badRequest")
                case .config: (500, "config")
                }
            return ControlJSON.error(status: status, code: code, message: error.description)
        } catch {
            logger.error("control request failed", metadata: ["error": "\(type(of: error))"])
            return ControlJSON.error(
                status: 500, code: "internal", message: "the agent could not complete the request: \(error)")
        }
    }

    @Sendable func status(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        try ControlJSON.response(await agent.status())
    }

    /// Filters: `plan`, `agency` (lead or supporting), `rag` (`unrated` for none),
    /// `overdue=true` (target date passed, not completed or archived), `mine=true`.
    @Sendable func list(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        let q = request.query
        var actions = await agent.actions()
        let agency = agent.config.agency
        if let plan = q["plan"] { actions = actions.filter { $0.plan.rawValue == plan } }
        if let a = q["agency"] {
            let id: AgencyID
            do { id = try AgencyID(a) } catch { throw AgentError.badRequest(error.description) }
            actions = actions.filter { $0.isPartner(id) }
        }
        if let rag = q["rag"] { actions = actions.filter { ($0.rag ?? "unrated") == rag } }
        if q["mine"] == "true" { actions = actions.filter { $0.isPartner(agency) } }
        if q["overdue"] == "true" {
            let today = Agent.systemTime().date
            actions = actions.filter { a in
                !a.archived && a.completedOn == nil && a.rag != "blue" && (a.targetDate.map { $0 < today } ?? false)
            }
        }
        return try ControlJSON.response(ActionList(actions: actions))
    }

    @Sendable func show(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        try ControlJSON.response(try await agent.detail(try Self.address(parameters)))
    }

    @Sendable func update(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        let address = try Self.address(parameters)
        let body = try ControlJSON.decode(UpdateRequest.self, from: request)
        let set: [Field: FieldValue]
        do { set = try body.fields() } catch { throw AgentError.badRequest(error.description) }
        guard !set.isEmpty else { throw AgentError.badRequest("give at least one field to set") }
        return try ControlJSON.response(try await agent.edit(address, set: set, reason: body.reason))
    }

    @Sendable func addEvidence(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        let address = try Self.address(parameters)
        let body = try ControlJSON.decode(EvidenceRequest.self, from: request)
        let agency = agent.config.agency
        let item = EvidenceItem(
            kind: body.kind ?? .output, summary: body.summary, reference: body.reference, author: agency)
        return try ControlJSON.response(try await agent.edit(address, set: [:], append: [.evidence(item)]))
    }

    @Sendable func addNote(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        let address = try Self.address(parameters)
        let body = try ControlJSON.decode(NoteRequest.self, from: request)
        let agency = agent.config.agency
        let note = ProgressNote(text: body.text, reference: body.reference, author: agency)
        return try ControlJSON.response(try await agent.edit(address, set: [:], append: [.note(note)]))
    }

    /// `wait=SECONDS` (default 10, at most 300).
    @Sendable func sync(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        let raw = request.query["wait"] ?? "10"
        guard let seconds = Int(raw), (0...300).contains(seconds) else {
            throw AgentError.badRequest("wait must be a whole number of seconds from 0 to 300")
        }
        return try ControlJSON.response(await agent.syncNow(timeout: .seconds(seconds)))
    }

    @Sendable func conflicts(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        try ControlJSON.response(ConflictList(conflicts: await agent.conflicts()))
    }

    @Sendable func problems(_ request: ControlRequest, _ parameters: Parameters) async throws -> ControlResponse {
        try ControlJSON.response(ProblemList(problems: await agent.problems()))
    }

    static func address(_ parameters: Parameters) throws -> ActionAddress {
        let plan = parameters.require("plan"), ref = parameters.require("ref")
        do { return ActionAddress(plan: try PlanID(plan), ref: try ActionRef(ref)) } catch {
            throw AgentError.badRequest(error.description)
        }
    }
}

enum ControlJSON {
    static func response(_ value: some Encodable, status: Int = 200) throws -> ControlResponse {
        ControlResponse(status: status, body: Array(try ConcordJSON.encode(value, pretty: false)))
    }

    static func error(status: Int, code: String, message: String) -> ControlResponse {
        let body = ErrorBody(status: status, code: code, message: message)
        return ControlResponse(
            status: status, body: (try? ConcordJSON.encode(body, pretty: false)).map(Array.init) ?? [])
    }

    static func error(_ error: ControlHTTPError) -> ControlResponse {
        Self.error(status: error.status, code: error.code, message: error.message)
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: ControlRequest) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(request.body)) } catch {
            throw AgentError.badRequest("malformed request body: \(ConcordJSON.explain(error))")
        }
    }
}
