import ConcordCodec
import ConcordHTTP
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Concord server's refusal of a request: the status and, when the answer was the server's
/// own JSON error body (``ErrorBody``), its code and message; otherwise (a proxy's page, say)
/// the code `httpNNN`.
public struct APIRefusal: Error, CustomStringConvertible, Sendable, Equatable {
    /// The HTTP status of the answer.
    public var status: Int
    /// The server's stable error code (`badRequest`, `forbidden`…), or `httpNNN`.
    public var code: String
    /// What was wrong and what to do, as the server said it.
    public var message: String

    /// A refusal with these parts.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The answer carried the server's own error body, not something in between's.
    public var fromServer: Bool { code != "http\(status)" }

    /// `HTTP STATUS: MESSAGE`.
    public var description: String { "HTTP \(status): \(message)" }
}

/// JSON over the libcurl client: the one way Concord's clients (the agent, `concordctl`, the
/// tests and benchmarks) talk to a Concord server (the hub, or an agent's control socket).
/// Bodies are written and answers read with the codec; a refusal is always an ``APIRefusal``.
public struct JSONAPI: Sendable {
    /// The HTTP client requests go through.
    public let http: HTTPClient

    /// A JSON API over `http`.
    public init(_ http: HTTPClient) { self.http = http }

    /// Sends a request and returns the answer, whatever its status (transport failures are
    /// thrown as the HTTP client throws them).
    public func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
        timeout: Duration? = nil, idle: Duration? = nil
    ) async throws -> HTTPResponse {
        try await http.send(method, path, body: body, headers: headers, timeout: timeout, idle: idle)
    }

    /// Sends `body` (as JSON, when given) and decodes the answer; throws the refusal unless
    /// the status is `expect`.
    public func call<T: Decodable>(
        _ method: String, _ path: String, body: (any Encodable)? = nil, expect: Int = 200, timeout: Duration? = nil,
        idle: Duration? = nil
    ) async throws -> T {
        let bytes = try body.map { try Self.json($0) }
        let response = try await send(method, path, body: bytes, timeout: timeout, idle: idle)
        try Self.require(response, status: expect)
        return try Self.decode(response.body, status: response.status)
    }

    /// The JSON of a request body.
    public static func json(_ value: any Encodable) throws -> [UInt8] {
        Array(try ConcordJSON.encode(value, pretty: false))
    }

    /// Throws the refusal the answer carries unless its status is `expect`.
    // Untyped throws: typed throws inlined into async callers crashed the release compiler
    // (LLVM's coroutine splitting, Swift 6.3.1).
    public static func require(_ response: HTTPResponse, status expect: Int = 200) throws {
        guard response.status == expect else { throw refusal(of: response) }
    }

    /// The refusal an answer carries: the server's error body, or its bare status.
    public static func refusal(of response: HTTPResponse) -> APIRefusal {
        if let detail = try? ConcordJSON.decode(ErrorBody.self, from: Data(response.body)).error {
            return APIRefusal(status: response.status, code: detail.code, message: detail.message)
        }
        return APIRefusal(status: response.status, code: "http\(response.status)", message: "HTTP \(response.status)")
    }

    /// Reads an answer's body; an unreadable one is a refusal `badResponse` that says why.
    public static func decode<T: Decodable>(_ body: [UInt8], status: Int = 200) throws -> T {
        do { return try ConcordJSON.decode(T.self, from: Data(body)) } catch {
            throw APIRefusal(
                status: status, code: "badResponse", message: "unreadable answer: \(ConcordJSON.explain(error))")
        }
    }
}
