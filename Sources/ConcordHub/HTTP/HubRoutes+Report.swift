import ConcordCore
import ConcordWire
import Hummingbird
import NIOCore

extension HubRoutes {
    /// The report's and the meetings' routes.
    var reportEndpoints: [Endpoint] {
        [
            Endpoint(method: .get, path: "/v1/reports/:plan", handler: report),
            Endpoint(method: .get, path: "/v1/meetings", handler: listMeetings),
            Endpoint(method: .post, path: "/v1/meetings", handler: addMeeting),
            Endpoint(method: .delete, path: "/v1/meetings/:id", handler: removeMeeting),
        ]
    }

    /// `GET /v1/reports/{plan}?asOf=…&since=…&format=html|md|csv`.
    @Sendable func report(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let plan = context.parameters.get("plan") else { throw HubError(.badRequest, "name a plan, or all") }
        let query = request.uri.queryParameters
        let name = query.get("format") ?? "html"
        guard let format = ReportFormat(rawValue: name) else {
            throw HubError(.badRequest, "format must be html, md or csv (not '\(name.prefix(20))')")
        }
        let text = try await store.report(
            plan, asOf: query.get("asOf"), since: query.get("since"), format: format, for: principal)
        return Response(
            status: .ok, headers: [.contentType: format.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func listMeetings(_ request: Request, context: HubRequestContext) async throws -> Response {
        _ = try context.requirePrincipal()
        return try JSONBody.response(try await store.meetings())
    }

    @Sendable func addMeeting(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let meeting = try await JSONBody.decode(MeetingRequest.self, from: request, limit: 64 * 1024)
        return try JSONBody.response(try await store.add(meeting, by: principal), status: .created)
    }

    @Sendable func removeMeeting(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = context.parameters.get("id") else { throw HubError(.badRequest, "name a meeting") }
        try await store.removeMeeting(id, by: principal)
        return Response(status: .noContent)
    }
}
