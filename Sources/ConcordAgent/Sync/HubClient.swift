import ConcordClient
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The hub said no: an HTTP error with the hub's own code and message.
public typealias HubRefusal = APIRefusal

extension APIRefusal {
    /// The hub itself (its JSON error body, not a proxy's page) refused the request's content
    /// (malformed, too large, unprocessable): sending the same again would be refused again.
    /// A 400 from anything in between is retried like any other failure.
    public var refusesTheBatch: Bool { (status == 400 || status == 413 || status == 422) && fromServer }

    /// The hub is there but busy with this agency (429 from the hub itself).
    public var isBusy: Bool { status == 429 && fromServer }
}

/// The hub's API v1 as the agent uses it, over the libcurl client.
public struct HubClient: Sendable {
    let http: HTTPClient

    /// A client over `http`, which holds the hub's address, trust and the agency's token.
    public init(_ http: HTTPClient) { self.http = http }

    /// Pushes changes; a transfer where nothing moves for `idle` is dropped.
    public func push(_ changes: [Change], idle: Duration? = nil) async throws -> [ChangeResult] {
        let body = Array(try ConcordJSON.encode(PushRequest(changes: changes), pretty: false))
        let response: PushResponse = try decode(try await http.send("POST", "/v1/sync/push", body: body, idle: idle))
        guard response.results.count == changes.count else {
            throw HubRefusal(
                status: 200, code: "badResponse",
                message: "the hub answered \(response.results.count) of \(changes.count) changes")
        }
        return response.results
    }

    /// Long-polls for up to `wait` seconds; the request may take that long plus 10 s (not
    /// more: a long-poll sent into a partition must end soon after it heals).
    /// Returns the answer and its JSON as received.
    public func pull(
        since: Int64, timeline: Int64? = nil, limit: Int = 1000, wait: Int = 0, idle: Duration? = nil
    ) async throws -> (
        response: PullResponse, raw: [UInt8]
    ) {
        let answer = try await http.send(
            "GET", "/v1/sync/pull?since=\(since)\(Self.timelineQuery(timeline))&limit=\(limit)&wait=\(wait)",
            timeout: .seconds(wait + 10),
            idle: wait == 0 ? idle : nil)
        return (try decode(answer), answer.body)
    }

    /// Opens the hub's stream of pull answers from `since` for up to `wait` seconds, with an
    /// empty answer at least every `heartbeat` seconds, and hands each answer's JSON to
    /// `answer` as it arrives (in order, on the HTTP client's thread); returns when the hub
    /// ends the stream. A stream that brings nothing for `idle` is dropped as dead.
    public func stream(
        since: Int64, timeline: Int64? = nil, limit: Int = 1000, wait: Int, heartbeat: Int = 20,
        idle: Duration = .seconds(60), answer: @escaping @Sendable ([UInt8]) -> Void
    ) async throws {
        let response = try await http.streamLines(
            "/v1/sync/stream?since=\(since)\(Self.timelineQuery(timeline))&limit=\(limit)&wait=\(wait)&heartbeat=\(heartbeat)",
            timeout: .seconds(wait + 60), idle: idle, line: answer)
        try refuseUnlessOK(response)
    }

    /// `&timeline=T` when the agent knows the hub's timeline.
    static func timelineQuery(_ timeline: Int64?) -> String { timeline.map { "&timeline=\($0)" } ?? "" }

    /// Reads one streamed answer.
    public func decodeAnswer(_ line: [UInt8]) throws -> PullResponse { try decodeBody(line) }

    /// The hub's plans and their schemes; a transfer where nothing moves for `idle` is dropped.
    public func plans(idle: Duration? = nil) async throws -> [PlanSummary] {
        let list: PlanList = try decode(try await http.send("GET", "/v1/plans", idle: idle))
        return list.plans
    }

    func decode<T: Decodable>(_ response: HTTPResponse) throws -> T {
        try refuseUnlessOK(response)
        return try decodeBody(response.body)
    }

    /// Throws the hub's refusal (its own code and message) for any answer but 200.
    func refuseUnlessOK(_ response: HTTPResponse) throws { try JSONAPI.require(response) }

    func decodeBody<T: Decodable>(_ body: [UInt8]) throws -> T { try JSONAPI.decode(body) }
}
