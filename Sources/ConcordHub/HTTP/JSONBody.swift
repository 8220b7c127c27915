import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Hummingbird
import NIOCore

/// JSON in and out of the API, in Concord's style, with bad input always a 4xx that names the problem.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try ConcordJSON.encode(value, pretty: false)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An answer whose JSON is already written.
    static func response(encoded: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: encoded)))
    }

    /// Reads and decodes a request body of at most `limit` bytes.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HubError(.payloadTooLarge, "the request body is \(length) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw HubError(.payloadTooLarge, "the request body is over the limit of \(limit) bytes")
        }
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw HubError(.badRequest, "send the body as application/json (got \(contentType.prefix(60)))")
        }
        guard buffer.readableBytes > 0 else { throw HubError(.badRequest, "the request body is empty; send JSON") }
        do {
            return try ConcordJSON.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw HubError(.badRequest, "malformed request body: \(ConcordJSON.explain(error))")
        } catch {
            throw HubError(.badRequest, "the request body is not valid JSON")
        }
    }
}

extension HubError: HTTPResponseError {
    /// The HTTP status of the error's kind.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// The JSON error body (status, code, message); a 401 also asks for a bearer token.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(status: statusCode, code: kind.rawValue, message: message)
        var response = try JSONBody.response(body, status: status)
        if kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"concord\"" }
        return response
    }
}
