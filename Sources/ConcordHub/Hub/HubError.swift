/// A request the hub refuses, with the HTTP status class it maps to and a message that says
/// what was wrong and what to do. Never carries action text.
public struct HubError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
        case payloadTooLarge
        case unprocessable
        case tooManyRequests
        case unavailable
        case `internal`
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

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
