import ConcordCodec
import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's configuration: `agent.json` in the state directory (written by
/// `concord-agent init`) or the file given with `--config`, then environment overrides.
///
/// Keys (every one is in `config/agent.example.json` with its default and meaning):
/// `formatVersion` (1), `stateDir`, `hub` (https URL), `agency`, `role` (agency|admin,
/// default agency), `tokenFile` (or the systemd credential `hub-token`), `caFile`,
/// `clientCertificate`, `clientKey`, `socket` (default STATE-DIR/control.sock),
/// `proxy` (default: the environment's https_proxy/no_proxy), `connectTimeoutSeconds` (10),
/// `requestTimeoutSeconds` (60), `offlineAfterSeconds` (30, at most 30: `online` means the hub
/// answered within this window), `pull` (stream|long-poll, default stream), `pullWaitSeconds` (30),
/// `pushBatch` (500), `ragSchemes`, `logLevel` (info).
/// Environment: `CONCORD_AGENT_HUB`, `CONCORD_AGENT_SOCKET`, `CONCORD_AGENT_LOG_LEVEL`.
public struct AgentConfig: Codable, Sendable, Equatable {
    /// The config format this agent reads and `concord-agent init` writes.
    public static let currentFormatVersion = 1
    /// The config file's name in the state directory.
    public static let fileName = "agent.json"

    /// Version of the file's format; only 1 is read.
    public var formatVersion = AgentConfig.currentFormatVersion
    /// The agent's store: snapshot, journal, lock, control socket. Default: the config file's folder.
    public var stateDir: String
    /// The hub's URL: `https://`, or `http://` to 127.0.0.1, [::1] or localhost only.
    public var hub: String
    /// This agency's id, as the hub knows it.
    public var agency: AgencyID
    /// `agency` (default) or `admin` for the business unit's agent; edits are checked locally with its rules.
    public var role: Role = .agency
    /// File holding the agency's hub token; the systemd credential `hub-token` wins when present.
    public var tokenFile: String?
    /// The hub's CA certificate (PEM); `nil`: the system's trust store.
    public var caFile: String?
    /// PEM client certificate, for a hub that requires mutual TLS; `nil`: none.
    public var clientCertificate: String?
    /// PEM private key of `clientCertificate`.
    public var clientKey: String?
    /// The control socket `concordctl` talks to; `nil`: `control.sock` in `stateDir`.
    public var socket: String?
    /// An explicit proxy URL; `nil`: the environment's `https_proxy`, `all_proxy` and `no_proxy`.
    public var proxy: String?
    /// Seconds to wait for a connection to the hub. Default 10.
    public var connectTimeoutSeconds = 10
    /// Longest a push or plan request may take, in seconds. Default 60.
    public var requestTimeoutSeconds = 60
    /// `online` means the hub answered within this many seconds (2-30); a stream quiet for
    /// this long is dropped and opened again.
    public var offlineAfterSeconds = 30
    /// How news is received: `stream` (one answer per change on an open request) or
    /// `long-poll` (a new request per answer, for proxies that hold streamed answers back).
    public var pull: PullMode = .stream
    /// How long each stream or long-poll stays open, in seconds. Default 30.
    public var pullWaitSeconds = 30
    /// Most changes sent in one push, 1 to 10,000. Default 500.
    public var pushBatch = 500
    /// A RAG scheme file, for checking ratings locally; `nil`: the built-in scheme.
    public var ragSchemes: String?
    /// trace, debug, info, notice, warning, error or critical. Default `info`.
    public var logLevel = "info"

    /// A config with these settings and every other key at its default.
    public init(stateDir: String, hub: String, agency: AgencyID, tokenFile: String?) {
        self.stateDir = stateDir
        self.hub = hub
        self.agency = agency
        self.tokenFile = tokenFile
    }

    private enum CodingKeys: String, CodingKey {
        case formatVersion, stateDir, hub, agency, role, tokenFile, caFile, clientCertificate, clientKey, socket, proxy
        case connectTimeoutSeconds, requestTimeoutSeconds, offlineAfterSeconds, pull, pullWaitSeconds, pushBatch,
            ragSchemes, logLevel
    }

    /// How news from the hub arrives (see `pull`).
    public enum PullMode: String, Codable, Sendable {
        /// One open request brings each change as it happens.
        case stream
        /// A new request for each answer, for proxies that hold streamed answers back.
        case longPoll = "long-poll"
    }

    /// Decodes the file: absent keys take their defaults (`stateDir` stays empty for `load` to fill);
    /// unknown keys and other format versions are refused.
    public init(from decoder: any Decoder) throws {
        try ConcordJSON.rejectUnknownKeys(
            in: decoder,
            known: [
                "formatVersion", "stateDir", "hub", "agency", "role", "tokenFile", "caFile", "clientCertificate",
                "clientKey", "socket", "proxy", "connectTimeoutSeconds", "requestTimeoutSeconds", "offlineAfterSeconds",
                "pull",
                "pullWaitSeconds", "pushBatch", "ragSchemes", "logLevel",
            ], what: "the agent config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 1
        guard formatVersion == Self.currentFormatVersion else {
            throw AgentError.config("config format \(formatVersion) is not one this concord-agent reads (1)")
        }
        stateDir = try c.decodeIfPresent(String.self, forKey: .stateDir) ?? ""
        hub = try c.decode(String.self, forKey: .hub)
        agency = try c.decode(AgencyID.self, forKey: .agency)
        role = try c.decodeIfPresent(Role.self, forKey: .role) ?? .agency
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        clientCertificate = try c.decodeIfPresent(String.self, forKey: .clientCertificate)
        clientKey = try c.decodeIfPresent(String.self, forKey: .clientKey)
        socket = try c.decodeIfPresent(String.self, forKey: .socket)
        proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
        connectTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .connectTimeoutSeconds) ?? 10
        requestTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .requestTimeoutSeconds) ?? 60
        offlineAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .offlineAfterSeconds) ?? 30
        pull = try c.decodeIfPresent(PullMode.self, forKey: .pull) ?? .stream
        pullWaitSeconds = try c.decodeIfPresent(Int.self, forKey: .pullWaitSeconds) ?? 30
        pushBatch = try c.decodeIfPresent(Int.self, forKey: .pushBatch) ?? 500
        ragSchemes = try c.decodeIfPresent(String.self, forKey: .ragSchemes)
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? "info"
    }

    /// The control socket: `socket`, or `control.sock` in the state directory.
    public var socketPath: String { socket ?? stateDir + "/control.sock" }

    /// The variables the agent reads: its overrides and the systemd `CREDENTIALS_DIRECTORY`.
    public static func environment() -> [String: String] {
        var env: [String: String] = [:]
        for key in ["CONCORD_AGENT_HUB", "CONCORD_AGENT_SOCKET", "CONCORD_AGENT_LOG_LEVEL", "CREDENTIALS_DIRECTORY"] {
            if let value = getenv(key) { env[key] = String(cString: value) }
        }
        return env
    }

    /// Reads a config file (comments allowed), applies the environment and checks it.
    public static func load(
        file: String, environment: [String: String] = AgentConfig.environment()
    ) throws
        -> AgentConfig
    {
        guard let bytes = try FileIO.read(file) else {
            throw AgentError.config("config file \(file) does not exist; create it with concord-agent init")
        }
        var config: AgentConfig
        do {
            config = try JSONDecoder().decode(AgentConfig.self, from: ConcordJSON.withoutLineComments(Data(bytes)))
        } catch let error as AgentError {
            throw AgentError.config("\(file): \(error.description)")
        } catch {
            throw AgentError.config("\(file): \(ConcordJSON.explain(error))")
        }
        if config.stateDir.isEmpty {
            config.stateDir = String(
                file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/"))
        }
        if let hub = environment["CONCORD_AGENT_HUB"] { config.hub = hub }
        if let socket = environment["CONCORD_AGENT_SOCKET"] { config.socket = socket }
        if let level = environment["CONCORD_AGENT_LOG_LEVEL"] { config.logLevel = level }
        try config.validate()
        return config
    }

    /// Checks the hub URL, state directory, timeouts, batch size, log level and role; throws naming the problem.
    public func validate() throws {
        guard hub.hasPrefix("https://") || Self.isLoopbackHTTP(hub) else {
            throw AgentError.config(
                "hub '\(hub)' must be an https:// URL (plain http is allowed only to 127.0.0.1, [::1] or localhost)")
        }
        guard !stateDir.isEmpty else { throw AgentError.config("stateDir is empty") }
        guard pullWaitSeconds >= 1, pushBatch >= 1, pushBatch <= 10_000, connectTimeoutSeconds >= 1,
            requestTimeoutSeconds >= 1
        else {
            throw AgentError.config("pullWaitSeconds, pushBatch (1-10000) and the timeouts must be positive")
        }
        guard (2...30).contains(offlineAfterSeconds) else {
            throw AgentError.config("offlineAfterSeconds must be 2 to 30 (seconds without an answer before offline)")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw AgentError.config(
                "logLevel '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard role != .viewer else { throw AgentError.config("role viewer cannot run an agent: viewers edit nothing") }
    }

    /// A plain-http URL whose host is exactly a loopback name (so the token never leaves the
    /// machine unencrypted): `http://127.0.0.1`, `http://[::1]` or `http://localhost`, with
    /// an optional port and path. `http://localhost.example.net` is not one.
    static func isLoopbackHTTP(_ url: String) -> Bool {
        guard url.hasPrefix("http://") else { return false }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return false }
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let after = host[host.index(after: close)...]
            guard after.isEmpty || (after.hasPrefix(":") && after.dropFirst().allSatisfy(\.isNumber)) else {
                return false
            }
            host = host[...close]
        } else if let colon = host.firstIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return false }
            host = host[..<colon]
        }
        return ["127.0.0.1", "[::1]", "localhost"].contains(String(host))
    }

    /// The bearer token: the systemd credential `hub-token` if present, else `tokenFile`.
    public func readToken(environment: [String: String] = AgentConfig.environment()) throws -> String {
        var candidates: [String] = []
        if let dir = environment["CREDENTIALS_DIRECTORY"] { candidates.append(dir + "/hub-token") }
        if let tokenFile { candidates.append(tokenFile) }
        for path in candidates {
            var info = stat()
            if path == tokenFile, stat(path, &info) == 0, info.st_mode & 0o007 != 0 {
                throw AgentError.config(
                    "token file \(path) can be read by any user (mode \(String(info.st_mode & 0o777, radix: 8))): chmod 600 \(path)"
                )
            }
            if let bytes = try FileIO.read(path) {
                let token = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
                guard !token.isEmpty else { throw AgentError.config("token file \(path) is empty") }
                return token
            }
        }
        throw AgentError.config(
            "no hub token: set tokenFile, or give the credential hub-token (LoadCredential=hub-token:FILE)")
    }
}
