import ConcordCore
import HTTPTypes
import Hummingbird
import Logging
import NIOSSL
import X509

/// Turns every error into a JSON error body with the right status, so bad input is never a
/// 500, counts responses for the metrics, and logs each request by route and status only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let metrics: HubMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HubError {
            response = try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let code = error.status.code
            let message =
                switch code {
                case 404: "no such route: \(request.method) \(request.uri.path.prefix(200)); see docs/openapi.yaml"
                case 405: "method \(request.method) is not allowed here"
                case 413: "the request body is too large"
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            response = try HubError(Self.kind(code), message).response(from: request, context: context)
                .with(status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            response = try HubError(
                .internal,
                "the hub could not complete the request; try again, and tell the hub's administrator if it persists"
            )
            .response(from: request, context: context)
        }
        metrics.countRequest(status: response.status.code)
        return response
    }

    static func kind(_ code: Int) -> HubError.Kind {
        switch code {
        case 401: .unauthorized
        case 403: .forbidden
        case 404, 405: .notFound
        case 409: .conflict
        case 413: .payloadTooLarge
        case 422: .unprocessable
        case 503: .unavailable
        case 500...: .internal
        default: .badRequest
        }
    }
}

extension Response {
    fileprivate func with(status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}

/// Authenticates `Authorization: Bearer TOKEN` against the hub's hashed tokens.
/// Each agency's requests in progress are capped (``AgencyGate``). With mutual TLS, the
/// client certificate's common name must be the token's agency: a certificate (or a token)
/// taken from one agency does not work with another's token (or certificate).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let store: HubStore
    let gate: AgencyGate
    /// `tls.clientCA` is set: every connection has a certificate from the partnership's CA.
    let certificatesNameAgencies: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw HubError(.unauthorized, "missing Authorization header: send 'Authorization: Bearer TOKEN'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw HubError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'")
        }
        guard let principal = try await store.authenticate(token: String(parts[1])) else {
            throw HubError(.unauthorized, "unknown or revoked token; ask the business unit for a new one")
        }
        if certificatesNameAgencies { try await checkCertificate(of: context, names: principal.agency) }
        let ticket = try gate.enter(.request, for: principal.agency)
        var context = context
        context.principal = principal
        context.token = String(parts[1])
        context.logger[metadataKey: "agency"] = "\(principal.agency)"
        defer { withExtendedLifetime(ticket) {} }
        return try await next(request, context)
    }
}

extension AuthMiddleware {
    /// Refuses (403) a request whose client certificate names another agency.
    func checkCertificate(of context: Context, names agency: AgencyID) async throws {
        let peer = try await context.channel?.nioSSL_peerCertificate().get()
        guard let peer else {
            throw HubError(.forbidden, "this hub requires a client certificate (tls.clientCA); present the agency's")
        }
        let names = try Certificate(derEncoded: peer.toDERBytes()).subject.flatMap { $0 }.compactMap { attribute in
            attribute.type == .RDNAttributeType.commonName ? String(describing: attribute.value) : nil
        }
        guard names.contains(agency.rawValue) else {
            throw HubError(
                .forbidden,
                "the client certificate is for \(names.first.map { FieldRules.shown($0) } ?? "no agency"), but the token is agency \(agency)'s; each agency uses its own certificate and token"
            )
        }
    }
}
