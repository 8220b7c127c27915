import Hummingbird
import NIOCore

/// The request context of the hub: Hummingbird's core storage plus the authenticated caller.
public struct HubRequestContext: RequestContext {
    /// Hummingbird's own per-request storage: logger, request id, route parameters.
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` on every `/v1` route.
    public var principal: Principal?
    /// The bearer token it came with (a stream checks it is still valid as it goes on).
    var token: String?
    /// The connection, for its TLS client certificate.
    let channel: (any Channel)?

    /// A context for a new request: no caller until ``AuthMiddleware`` sets one.
    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        token = nil
        channel = source.channel
    }

    /// The caller; routes under `/v1` always have one.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw HubError(.unauthorized, "this route needs a bearer token") }
        return principal
    }
}
