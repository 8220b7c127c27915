/// A request the hub refuses, with the HTTP status class it maps to and a message that says
/// what was wrong and what to do. Never carries action text.
public struct HubError: Error, Equatable, CustomStringConvertible {
    /// The kind of refusal, one per HTTP status; the raw value is the error body's `code`.
    public enum Kind: String, Sendable {
        /// 400: the request is malformed (bad JSON, wrong content type, bad parameter).
        case badRequest
        /// 401: no bearer token, or one the hub does not know or has revoked.
        case unauthorized
        /// 403: the caller's role or partnership does not allow it.
        case forbidden
        /// 404: no such plan, action, conflict, agency or route.
        case notFound
        /// 409: the request clashes with the current state (a conflict already resolved, say).
        case conflict
        /// 413: the request body is over the limit.
        case payloadTooLarge
        /// 422: well-formed, but breaks a rule (a resolution with no rationale, say).
        case unprocessable
        /// 429: the agency already has as many requests or waits open as its limit allows.
        case tooManyRequests
        /// 503: the hub cannot serve the request now; try again later.
        case unavailable
        /// 500: an unexpected failure in the hub; the message does not say what it was.
        case `internal`
    }

    /// What went wrong, and so the HTTP status.
    public var kind: Kind
    /// What was wrong and what to do, for the caller; never quotes action text.
    public var message: String

    /// A refusal of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The HTTP status code.
    public var statusCode: Int {
        switch kind {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unprocessable: 422
        case .tooManyRequests: 429
        case .unavailable: 503
        case .internal: 500
        }
    }
}
