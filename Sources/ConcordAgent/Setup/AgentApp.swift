import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordSystemd
import Logging
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Builds and runs the agent exactly as production runs it; tests boot the same graph.
public enum AgentApp {
    /// The hub client configuration of an agent config (a client per concurrent stream).
    public static func httpConfiguration(_ config: AgentConfig, token: String) -> HTTPClientConfiguration {
        var http = HTTPClientConfiguration(baseURL: config.hub, caFile: config.caFile, bearerToken: token)
        http.clientCertificate = config.clientCertificate
        http.clientKey = config.clientKey
        http.proxy = config.proxy
        http.connectTimeout = .seconds(config.connectTimeoutSeconds)
        http.requestTimeout = .seconds(config.requestTimeoutSeconds)
        http.userAgent = "concord-agent/1 (\(config.agency))"
        return http
    }

    /// The CA and client certificate files the config names must be readable.
    public static func checkFiles(_ config: AgentConfig) throws {
        for (what, path) in [
            ("CA file", config.caFile), ("client certificate", config.clientCertificate),
            ("client key", config.clientKey),
        ] {
            if let path, try FileIO.read(path) == nil {
                throw AgentError.config("\(what) \(path) does not exist")
            }
        }
    }

    /// The RAG schemes of the config (plus the built-in one).
    public static func loadSchemes(_ config: AgentConfig) throws -> [RAGScheme] {
        guard let path = config.ragSchemes else { return [.standard] }
        guard let bytes = try FileIO.read(path) else {
            throw AgentError.config("RAG scheme file \(path) does not exist")
        }
        do {
            return try ConcordJSON.decode(RAGSchemeCatalog.self, from: Data(bytes)).schemes + [.standard]
        } catch {
            throw AgentError.config("\(path): \(ConcordJSON.explain(error))")
        }
    }

    /// Opens the store and wires the control API, the sync service and systemd notification,
    /// in start order; a `ServiceGroup` shuts them down in reverse (systemd hears STOPPING=1,
    /// sync stops, then the control API drains).
    public static func build(
        config: AgentConfig, logger: Logger, onRunning: @escaping @Sendable () async -> Void = {}
    ) throws -> (services: [any Service], agent: Agent) {
        let token = try config.readToken()
        let schemes = try loadSchemes(config)
        let store = try AgentStore(directory: config.stateDir, agency: config.agency, logger: logger)
        let agent = Agent(store: store, config: config, schemes: schemes, logger: logger)
        let http = httpConfiguration(config, token: token)
        let sync = SyncService(
            agent: agent, pushClient: HubClient(HTTPClient(http)), pullClient: HubClient(HTTPClient(http)),
            logger: logger)

        let socketPath = config.socketPath
        let ready = ReadySignal()
        let api = ControlAPI(agent: agent, logger: logger)
        let control = ControlServer(
            path: socketPath, logger: logger,
            onRunning: {
                logger.notice("control socket ready", metadata: ["socket": "\(socketPath)", "hub": "\(config.hub)"])
                await ready.fire("agency \(config.agency), control socket \(socketPath)")
                await onRunning()
            },
            handler: { await api.handle($0) })
        return ([control, sync, SystemdService(logger: logger, ready: { await ready.wait() })], agent)
    }

    /// Runs until SIGTERM or SIGINT: the current write finishes, then the agent exits.
    public static func run(config: AgentConfig, logger: Logger) async throws {
        umask(0o007)
        // A closed pipe (a client gone, stderr piped to a pager that quit) is an error to
        // handle where it happens, never a reason for the daemon to die.
        signal(SIGPIPE, SIG_IGN)
        let (services, _) = try build(config: config, logger: logger)
        try await ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
        logger.notice("stopped")
    }

    /// `concord-agent init`: writes `agent.json` into the state directory (0700).
    public static func initialize(
        stateDir: String, hub: String, agency: AgencyID, tokenFile: String, caFile: String?
    ) throws -> String {
        umask(0o077)
        try FileIO.makePrivateDirectory(stateDir)
        let path = stateDir + "/" + AgentConfig.fileName
        if try FileIO.read(path) != nil {
            throw AgentError.config("\(path) already exists; edit it, or choose another --state-dir")
        }
        guard try FileIO.read(tokenFile) != nil else {
            throw AgentError.config(
                "token file \(tokenFile) does not exist; ask the business unit for the agency's token")
        }
        if let caFile, try FileIO.read(caFile) == nil {
            throw AgentError.config("CA file \(caFile) does not exist; copy the hub's tls/ca.pem here")
        }
        var config = AgentConfig(stateDir: stateDir, hub: hub, agency: agency, tokenFile: absolute(tokenFile))
        config.caFile = caFile.map(absolute)
        try config.validate()
        var bytes = Array(try ConcordJSON.encode(config))
        bytes.append(0x0A)
        try FileIO.replace(path, with: bytes)
        return path
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }
}
