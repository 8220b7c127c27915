// The values of the HTTP client: what it is told, what it answers, how it fails.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How to reach a server: the hub over HTTPS, or an agent's control API over a Unix socket.
public struct HTTPClientConfiguration: Sendable {
    /// `https://hub.example.org:8443` — or, with `unixSocketPath`, any `http://localhost`.
    public var baseURL: String
    /// Speak HTTP over this Unix socket instead of TCP.
    public var unixSocketPath: String?
    /// PEM file of the CA(s) to trust; `nil` uses the system's store.
    public var caFile: String?
    /// PEM client certificate and key for mutual TLS.
    public var clientCertificate: String?
    /// The private key of `clientCertificate`, PEM.
    public var clientKey: String?
    /// Sent as `Authorization: Bearer …`.
    public var bearerToken: String?
    /// The longest to wait for a connection to be made.
    public var connectTimeout: Duration = .seconds(10)
    /// The longest a request may take, unless the request says otherwise (long-polls do).
    public var requestTimeout: Duration = .seconds(60)
    /// An explicit proxy URL. `nil` lets libcurl read `https_proxy`, `HTTPS_PROXY`,
    /// `all_proxy` and `no_proxy` from the environment, as agencies behind proxies expect.
    public var proxy: String?
    /// Sent as `User-Agent`.
    public var userAgent = "concord/1"
    /// The largest answer body (or streamed line) taken; a bigger one is dropped with an
    /// error instead of growing memory without bound. The hub's pages stay far below it.
    public var maxBodyBytes = 64 << 20

    /// A configuration for `baseURL`; everything not given keeps its default.
    public init(baseURL: String, unixSocketPath: String? = nil, caFile: String? = nil, bearerToken: String? = nil) {
        self.baseURL = baseURL
        self.unixSocketPath = unixSocketPath
        self.caFile = caFile
        self.bearerToken = bearerToken
    }
}

/// An HTTP answer.
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    /// The body's bytes as received; empty when there is none.
    public var body: [UInt8]
    /// Connections this request had to open (0 when it reused a kept-alive one).
    public var newConnections = 0

    /// An answer with these parts.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8], newConnections: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.newConnections = newConnections
    }

    /// The body as UTF-8 text, invalid bytes replaced.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A request that never got an answer: the server could not be reached, TLS failed, or it
/// timed out. Says what happened in words, with libcurl's code for the log.
public struct HTTPTransportError: Error, CustomStringConvertible, Sendable {
    /// libcurl's error code (`CURLcode`), e.g. 7 for a refused connection or 28 for a timeout.
    public var code: Int
    /// What happened, in words.
    public var message: String
    /// The URL the request was for.
    public var url: String

    /// `URL: message (curl CODE)`.
    public var description: String { "\(url): \(message) (curl \(code))" }

    /// True when the certificate could not be verified: a wrong CA file, not a network problem.
    public var isCertificateProblem: Bool {
        code == 60 || code == 58 || code == 77 || code == 83 || code == 90 || code == 91
    }
}
