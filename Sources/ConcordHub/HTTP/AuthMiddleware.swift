import ConcordCore
import Hummingbird
import NIOSSL
import X509

/// Authenticates `Authorization: Bearer TOKEN` against the hub's hashed tokens.
/// Each agency's requests in progress are capped (``AgencyGate``). With mutual TLS, the
/// client certificate's common name must be the token's agency: a certificate (or a token)
/// taken from one agency does not work with another's token (or certificate).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let store: Hub
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
        store.heard(from: principal.agency)
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
