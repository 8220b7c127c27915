import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation
import Logging

/// `concord-hub init`: everything a first run needs, without ceremony.
public enum HubSetup {
    /// What `concord-hub init` was asked for; everything but the data directory has a default.
    public struct Options: Sendable {
        /// The directory to create for the hub's configuration, database, TLS files and admin token.
        public var dataDir: String
        /// Names the generated server certificate is for; empty means this machine's host name.
        public var hostnames: [String] = []
        /// The address the hub listens on; all interfaces by default.
        public var host: String = "0.0.0.0"
        /// The HTTPS port the hub listens on.
        public var port: Int = 8443
        /// Use these instead of generating a local CA.
        public var certificate: String?
        /// The private key of `certificate`; give both or neither.
        public var privateKey: String?
        /// The id of the first admin agency: the partnership's business unit.
        public var adminID: AgencyID = try! AgencyID("lscp")
        /// The first admin agency's display name.
        public var adminName: String = "Partnership business unit"
        /// The store: the SQLite file `hub.sqlite` in the data directory unless set (`--database-url`).
        public var database = DatabaseSetting(url: "sqlite:hub.sqlite")

        /// Defaults for everything but the data directory.
        public init(dataDir: String) { self.dataDir = dataDir }
    }

    /// What `initialize` made, for the command to report.
    public struct Result: Sendable {
        /// The path of the `hub.json` written.
        public var configFile: String
        /// The path of `admin.token` (0600), which holds the admin token.
        public var adminTokenFile: String
        /// The first admin's bearer token; it is shown once and only its hash is in the database.
        public var adminToken: String
        /// The CA agents must trust, when one was generated.
        public var caFile: String?
    }

    /// Creates the data directory (0700), TLS files (unless given), the database, the first
    /// admin agency and its token (written 0600 to `admin.token`), and `hub.json`. Refuses
    /// to touch a directory that already has a config.
    public static func initialize(_ options: Options, logger: Logger) async throws -> Result {
        umask(0o077)
        let dir = URL(fileURLWithPath: options.dataDir).standardizedFileURL
        let configPath = dir.appendingPathComponent(HubConfig.fileName).path
        if FileManager.default.fileExists(atPath: configPath) {
            throw ConfigError(
                "\(configPath) already exists: this data directory is initialised. Use serve, or another directory")
        }
        try SecureFiles.makeDirectory(dir.path)

        let tls: HubConfig.TLS
        var caFile: String?
        switch (options.certificate, options.privateKey) {
        case (let cert?, let key?):
            tls = HubConfig.TLS(certificate: absolute(cert), privateKey: absolute(key))
        case (nil, nil):
            let hostnames = options.hostnames.isEmpty ? [ProcessInfo.processInfo.hostName] : options.hostnames
            let files = try HubCertificates.generate(hostnames: hostnames, dataDir: dir)
            tls = HubConfig.TLS(certificate: files.certificate, privateKey: files.key)
            caFile = dir.appendingPathComponent(files.caCertificate).path
        default:
            throw ConfigError("give both --cert and --key, or neither to generate a local CA")
        }

        var config = HubConfig(dataDir: dir.path, tls: tls)
        config.host = options.host
        config.port = options.port
        config.database = options.database
        try config.validate()

        let store = try await Hub.open(try config.databaseLocation(), logger: logger)
        let issued: IssuedToken
        do {
            issued = try await store.addAgency(
                AgencyRequest(id: options.adminID, name: options.adminName, role: .admin))
            try store.close()
        } catch {
            try? store.close()
            throw error
        }
        let tokenFile = dir.appendingPathComponent("admin.token").path
        try SecureFiles.write(issued.token + "\n", to: tokenFile, mode: 0o600)

        var written = config
        written.dataDir = dir.path
        let data = try ConcordJSON.encode(written)
        try SecureFiles.write(String(decoding: data, as: UTF8.self) + "\n", to: configPath, mode: 0o600)
        return Result(configFile: configPath, adminTokenFile: tokenFile, adminToken: issued.token, caFile: caFile)
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
