import ConcordCore
import ConcordWire
import Hummingbird
import NIOCore

extension HubRoutes {
    /// Identifier screening's routes (issue 14).
    var screeningEndpoints: [Endpoint] {
        [
            Endpoint(method: .get, path: "/v1/plans/:plan/protected-names", handler: protectedNames),
            Endpoint(method: .post, path: "/v1/plans/:plan/protected-names", handler: changeProtectedNames),
            Endpoint(method: .get, path: "/v1/screening", handler: screen),
            Endpoint(method: .post, path: "/v1/actions/:plan/:ref/redact", handler: redact),
        ]
    }

    /// How many names the plan protects.
    @Sendable func protectedNames(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let plan = try Self.identifier(context, "plan", PlanID.init)
        return try JSONBody.response(try await store.protectedNameCount(of: plan, by: principal))
    }

    /// Adds and removes protected names.
    @Sendable func changeProtectedNames(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let plan = try Self.identifier(context, "plan", PlanID.init)
        let body = try await JSONBody.decode(ProtectedNamesRequest.self, from: request, limit: 256 * 1024)
        return try JSONBody.response(try await store.changeProtectedNames(of: plan, body, by: principal))
    }

    /// `GET /v1/screening?plan=…`: identifying details in what the hub stores.
    @Sendable func screen(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let plan = try request.uri.queryParameters.get("plan").map { raw in
            do { return try PlanID(raw) } catch { throw HubError(.badRequest, "plan: \(error)") }
        }
        return try JSONBody.response(try await store.screen(plan: plan, for: principal))
    }

    /// Redacts one kind of detail from one text of an action, in every stored copy.
    @Sendable func redact(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let plan = try Self.identifier(context, "plan", PlanID.init)
        let ref = try Self.identifier(context, "ref", ActionRef.init)
        let body = try await JSONBody.decode(RedactionRequest.self, from: request, limit: 64 * 1024)
        return try JSONBody.response(
            try await store.redact(ActionAddress(plan: plan, ref: ref), body, by: principal))
    }
}
