import ConcordCodec
import ConcordCore
import ConcordReport
import Foundation

/// The hub's configuration, read from a JSON file (`hub.json` in the data directory, or the
/// file given with `--config`), then overridden by environment variables.
///
/// Keys (every one is in `config/hub.example.json` with its default and meaning):
/// - `formatVersion` — version of this file's format; 1.
/// - `dataDir` — the hub's state: database, TLS files, admin token. Default: the config file's folder.
/// - `host` — address to listen on. Default `0.0.0.0`. Env `CONCORD_HUB_HOST`.
/// - `port` — TCP port; 0 picks a free one. Default 8443. Env `CONCORD_HUB_PORT`.
/// - `database.url` — `sqlite:PATH` (relative to `dataDir`; default `sqlite:hub.sqlite`) or
///   `postgres://USER@HOST:PORT/DB?sslmode=…`; `database.passwordFile` (or the systemd
///   credential `db-password`) holds PostgreSQL's password. Env `CONCORD_HUB_DATABASE_URL`.
///   See ``DatabaseSetting``.
/// - `tls.certificate`, `tls.privateKey` — PEM files, relative to `dataDir` (or absolute).
///   `tls.privateKey` may also come from the systemd credential `tls-key` (`LoadCredential=`).
/// - `tls.clientCA` — optional PEM file of the CA(s) that sign agencies' client
///   certificates: when set, the hub requires one on every connection (mutual TLS).
/// - `ragSchemes` — a RAG scheme file (see `config/rag-schemes.json`); absent: the built-in
///   red/amber/green/blue scheme.
/// - `limits.maxBodyBytes` (16 MiB), `limits.maxBatch` (10,000 changes),
///   `limits.maxPullLimit` (5,000 actions), `limits.maxWaitSeconds` (60),
///   `limits.maxConnections` (1,000 open connections; more wait to be accepted),
///   `limits.idleTimeoutSeconds` (60: a connection with no request in progress, or one
///   sending a request that stalls, is closed), `limits.maxWaitingPerAgency` (8 streams and
///   long-polls held at once by one agency), `limits.maxRequestsPerAgency` (32 requests in
///   progress at once for one agency). Refusals are 429 naming the limit.
/// - `screening` — identifier screening (issue 14): `{"nhs-number": "block", …}`, each kind
///   (`nhs-number`, `date-of-birth`, `protected-name`, `postcode`, `phone`, `email`) `block`,
///   `flag` or `off`; kinds not named keep their defaults (the first three block, the rest
///   flag). Agents are sent it with the plan list.
/// - `logLevel` — trace, debug, info, notice, warning, error, critical. Default `info`.
///   Env `CONCORD_HUB_LOG_LEVEL`.
/// - `report.staleDays` (42), `report.driftDays` (90), `report.redDays` (90),
///   `report.themes` (`[{"name": …, "keywords": […]}]`), `report.timeZone` (`Europe/London`) —
///   the committee report's flags, themes and time zone.
/// - `portFile` — if set, the bound port is written there once listening (for scripts
///   and tests that start the hub on port 0). Env `CONCORD_HUB_PORT_FILE`.
public struct HubConfig: Codable, Sendable, Equatable {
    /// The config format this hub reads and `concord-hub init` writes.
    public static let currentFormatVersion = 1
    /// The config file's name in the data directory.
    public static let fileName = "hub.json"

    /// The TLS files (PEM), relative to `dataDir` unless absolute.
    public struct TLS: Codable, Sendable, Equatable {
        /// The server's certificate chain, e.g. `tls/server.pem`.
        public var certificate: String
        /// The server's private key, e.g. `tls/server-key.pem`; the systemd credential `tls-key` wins if present.
        public var privateKey: String
        /// PEM file of the CA(s) that sign agencies' client certificates. When set, every
        /// connection must present one (mutual TLS), on top of its bearer token.
        public var clientCA: String?
    }

    /// Request limits; a request over one is refused with a 4xx that names it.
    public struct Limits: Codable, Sendable, Equatable {
        /// Largest request body, in bytes. Default 16 MiB.
        public var maxBodyBytes: Int = 16 * 1024 * 1024
        /// Most changes in one push. Default 10,000.
        public var maxBatch: Int = 10_000
        /// Most actions in one pull page; a larger `limit` is cut to this. Default 5,000.
        public var maxPullLimit: Int = 5_000
        /// Longest a long-poll or stream stays open, in seconds; a longer `wait` is cut to this. Default 60.
        public var maxWaitSeconds: Int = 60
        /// Most connections open at once; more wait to be accepted. Default 1,000.
        public var maxConnections: Int = 1000
        /// Seconds a connection may sit idle, or stall mid-request, before it is closed. Default 60.
        public var idleTimeoutSeconds: Int = 60
        /// Streams and long-polls one agency may hold at once (an agent holds one). Default 8.
        public var maxWaitingPerAgency: Int = 8
        /// Requests one agency may have in progress at once. Default 32.
        public var maxRequestsPerAgency: Int = 32

        /// Every limit at its default.
        public init() {}

        /// Decodes `limits`: absent keys keep their defaults, unknown keys are refused.
        public init(from decoder: any Decoder) throws {
            try ConcordJSON.rejectUnknownKeys(
                in: decoder,
                known: [
                    "maxBodyBytes", "maxBatch", "maxPullLimit", "maxWaitSeconds", "maxConnections",
                    "idleTimeoutSeconds",
                    "maxWaitingPerAgency", "maxRequestsPerAgency",
                ], what: "limits")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Limits()
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
            maxBatch = try c.decodeIfPresent(Int.self, forKey: .maxBatch) ?? d.maxBatch
            maxPullLimit = try c.decodeIfPresent(Int.self, forKey: .maxPullLimit) ?? d.maxPullLimit
            maxWaitSeconds = try c.decodeIfPresent(Int.self, forKey: .maxWaitSeconds) ?? d.maxWaitSeconds
            maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
            idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
            maxWaitingPerAgency =
                try c.decodeIfPresent(Int.self, forKey: .maxWaitingPerAgency) ?? d.maxWaitingPerAgency
            maxRequestsPerAgency =
                try c.decodeIfPresent(Int.self, forKey: .maxRequestsPerAgency) ?? d.maxRequestsPerAgency
        }
    }

    /// Version of the file's format; only 1 is read.
    public var formatVersion: Int = HubConfig.currentFormatVersion
    /// The hub's state: database, TLS files, admin token. Default: the config file's folder.
    public var dataDir: String
    /// Address to listen on. Default `0.0.0.0` (every IPv4 interface); `::` for IPv6 too.
    public var host: String = "0.0.0.0"
    /// TCP port. Default 8443; 0 picks a free one (see `portFile`).
    public var port: Int = 8443
    /// The store: a SQLite file (default `sqlite:hub.sqlite`) or a PostgreSQL database.
    public var database = DatabaseSetting(url: "sqlite:hub.sqlite")
    /// The TLS files; required.
    public var tls: TLS
    /// A RAG scheme file (see `config/rag-schemes.json`); `nil`: the built-in `brag` scheme.
    public var ragSchemes: String?
    /// Request limits, each with its default unless set.
    public var limits = Limits()
    /// The committee report's thresholds and themes.
    public var report = ReportSettings()
    /// Identifier screening: an action per kind; kinds not named keep their defaults.
    public var screening: [String: String] = [:]
    /// trace, debug, info, notice, warning, error or critical. Default `info`.
    public var logLevel: String = "info"
    /// Where to write the bound port once listening (scripts and tests); `nil`: nowhere.
    public var portFile: String?

    /// A config with these paths and every other key at its default.
    public init(dataDir: String, tls: TLS) {
        self.dataDir = dataDir
        self.tls = tls
    }

    private enum CodingKeys: String, CodingKey {
        case formatVersion, dataDir, host, port, database, tls, ragSchemes, limits, report, screening, logLevel,
            portFile
    }

    /// Decodes the file: absent keys take their defaults (`dataDir` stays empty for `load` to fill);
    /// unknown keys and other format versions are refused.
    public init(from decoder: any Decoder) throws {
        try ConcordJSON.rejectUnknownKeys(
            in: decoder,
            known: [
                "formatVersion", "dataDir", "host", "port", "database", "tls", "ragSchemes", "limits", "report",
                "screening", "logLevel", "portFile",
            ], what: "the hub config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 1
        guard formatVersion == HubConfig.currentFormatVersion else {
            throw ConfigError(
                "config format \(formatVersion) is not one this concord-hub reads (\(HubConfig.currentFormatVersion))")
        }
        dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir) ?? ""
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? "0.0.0.0"
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 8443
        database =
            try c.decodeIfPresent(DatabaseSetting.self, forKey: .database) ?? DatabaseSetting(url: "sqlite:hub.sqlite")
        tls = try c.decode(TLS.self, forKey: .tls)
        ragSchemes = try c.decodeIfPresent(String.self, forKey: .ragSchemes)
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        report = try c.decodeIfPresent(ReportSettings.self, forKey: .report) ?? ReportSettings()
        guard TimeZone(identifier: report.timeZone) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .report, in: c,
                debugDescription:
                    "report.timeZone '\(report.timeZone.prefix(60))' is not a time zone (e.g. Europe/London)")
        }
        screening = try c.decodeIfPresent([String: String].self, forKey: .screening) ?? [:]
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? "info"
        portFile = try c.decodeIfPresent(String.self, forKey: .portFile)
    }

    /// Reads a config file and applies the environment. `dataDir` defaults to the file's folder.
    public static func load(
        file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws -> HubConfig
    {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ConfigError("cannot read config file \(file): \(error.localizedDescription)")
        }
        var config: HubConfig
        do { config = try JSONDecoder().decode(HubConfig.self, from: ConcordJSON.withoutLineComments(data)) } catch let
            error as ConfigError
        {
            throw ConfigError("\(file): \(error.message)")
        } catch {
            throw ConfigError("\(file): \(ConcordJSON.explain(error))")
        }
        if config.dataDir.isEmpty { config.dataDir = URL(fileURLWithPath: file).deletingLastPathComponent().path }
        try config.applyEnvironment(environment)
        try config.validate()
        return config
    }

    /// Environment overrides: `CONCORD_HUB_HOST`, `CONCORD_HUB_PORT`, `CONCORD_HUB_LOG_LEVEL`,
    /// `CONCORD_HUB_PORT_FILE`, `CONCORD_HUB_DATABASE_URL`.
    public mutating func applyEnvironment(_ environment: [String: String]) throws {
        if let host = environment["CONCORD_HUB_HOST"] { self.host = host }
        if let port = environment["CONCORD_HUB_PORT"] {
            guard let p = Int(port) else { throw ConfigError("CONCORD_HUB_PORT '\(port)' is not a port number") }
            self.port = p
        }
        if let level = environment["CONCORD_HUB_LOG_LEVEL"] { logLevel = level }
        if let file = environment["CONCORD_HUB_PORT_FILE"] { portFile = file }
        if let url = environment["CONCORD_HUB_DATABASE_URL"] { database.url = url }
    }

    /// Checks the port, host, log level and limits, throwing a `ConfigError` that names the problem.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigError("port \(port) is outside 0-65535") }
        guard !host.isEmpty else { throw ConfigError("host is empty; use 0.0.0.0 for every interface") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigError(
                "logLevel '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard limits.maxBatch > 0, limits.maxBodyBytes > 0, limits.maxPullLimit > 0, limits.maxWaitSeconds >= 0,
            limits.maxConnections > 0, limits.idleTimeoutSeconds > 0, limits.maxWaitingPerAgency > 0,
            limits.maxRequestsPerAgency > 0
        else {
            throw ConfigError("limits must be positive")
        }
        _ = try screeningPolicy()
    }

    /// The screening policy the config sets.
    public func screeningPolicy() throws -> ScreeningPolicy {
        do { return try ScreeningPolicy(settings: screening) } catch { throw ConfigError(error.description) }
    }

    /// A path from the config, resolved against `dataDir` unless absolute.
    public func path(_ p: String) -> String {
        p.hasPrefix("/") ? p : URL(fileURLWithPath: dataDir).appendingPathComponent(p).path
    }

    /// The TLS key file: the systemd credential `tls-key` when present, else `tls.privateKey`.
    public func privateKeyPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent("tls-key").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path(tls.privateKey)
    }
}

/// A configuration problem, said so that the operator can fix it.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var message: String
    /// An error with this message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
