import ArgumentParser
import ConcordCodec
import ConcordCore
import ConcordHub
import ConcordWire
import Foundation
import Logging

@main
struct ConcordHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord-hub",
        abstract:
            "The partnership's hub: merges agencies' action-plan changes, keeps the audit trail, reports conflicts.",
        discussion: """
            First run:
              concord-hub init --data-dir /var/lib/concord-hub --hostname hub.example.org
              concord-hub serve --data-dir /var/lib/concord-hub
            Add an agency (prints its token once):
              concord-hub agency add police --name "Northshire Police" --role agency --data-dir /var/lib/concord-hub
            """,
        subcommands: [Init.self, Serve.self, AgencyCommand.self, CheckConfig.self, Migrate.self])
}

/// Where the hub's config is: `--config FILE` (the systemd form) or `--data-dir DIR`.
struct Location: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The hub's data directory (holds hub.json).")
    var dataDir: String?

    @Option(help: "The hub's config file (default: DATA-DIR/hub.json).")
    var config: String?

    func validate() throws {
        if dataDir == nil && config == nil {
            throw ValidationError("give --data-dir DIR or --config FILE")
        }
    }

    func load() throws -> HubConfig {
        let file = config ?? URL(fileURLWithPath: dataDir!).appendingPathComponent(HubConfig.fileName).path
        return try HubConfig.load(file: file)
    }
}

func makeLogger(level: String = "info") -> Logger {
    var logger = Logger(label: "concord-hub") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

/// Runs `body`, turning any error into one clear line on stderr and exit code 1.
func userFacing(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let error as ConfigError {
        FileHandle.standardError.write(Data("concord-hub: \(error.message)\n".utf8))
        throw ExitCode(1)
    } catch let error as HubError {
        FileHandle.standardError.write(Data("concord-hub: \(error.message)\n".utf8))
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("concord-hub: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the data directory, database, TLS certificates and the first admin token.")

    @Option(name: .customLong("data-dir"), help: "Where the hub keeps its state (created 0700).")
    var dataDir: String

    @Option(name: .customLong("hostname"), help: "A name or address agents use to reach the hub (repeatable).")
    var hostnames: [String] = []

    @Option(help: "Address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "TCP port to listen on.")
    var port = 8443

    @Option(name: .customLong("cert"), help: "Use this PEM certificate chain instead of generating a local CA.")
    var certificate: String?

    @Option(name: .customLong("key"), help: "The PEM private key of --cert.")
    var key: String?

    @Option(name: .customLong("admin-id"), help: "The business unit's agency id.")
    var adminID = "lscp"

    @Option(name: .customLong("admin-name"), help: "The business unit's name.")
    var adminName = "Partnership business unit"

    @Option(
        name: .customLong("database-url"),
        help:
            "sqlite:PATH (default sqlite:hub.sqlite in the data directory) or postgres://USER@HOST:PORT/DB?sslmode=verify-full. Never a password: see --database-password-file."
    )
    var databaseURL: String?

    @Option(
        name: .customLong("database-password-file"),
        help: "A file holding the PostgreSQL password (the systemd credential db-password wins when present).")
    var databasePasswordFile: String?

    func run() async throws {
        try await userFacing {
            var options = HubSetup.Options(dataDir: dataDir)
            options.hostnames = hostnames
            options.host = host
            options.port = port
            options.certificate = certificate
            options.privateKey = key
            options.adminID = try AgencyID(adminID)
            options.adminName = adminName
            if let databaseURL {
                options.database = DatabaseSetting(
                    url: databaseURL,
                    passwordFile: databasePasswordFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
            } else if databasePasswordFile != nil {
                throw ConfigError("--database-password-file goes with --database-url postgres://…")
            }
            let result = try await HubSetup.initialize(options, logger: makeLogger(level: "warning"))
            print("Initialised \(dataDir)")
            print("  config:      \(result.configFile)")
            if let ca = result.caFile { print("  CA for agents: \(ca)") }
            print("  admin token (also in \(result.adminTokenFile), shown once):")
            print("  \(result.adminToken)")
            print("Next: concord-hub serve --data-dir \(dataDir)")
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTPS API until SIGTERM or SIGINT.")

    @OptionGroup var location: Location

    @Option(
        help:
            "Listen on this port instead of the config's (several hub processes on one PostgreSQL database share one config)."
    )
    var port: Int?

    func run() async throws {
        try await userFacing {
            var config = try location.load()
            if let port {
                config.port = port
                try config.validate()
            }
            try await HubApp.run(config: config, logger: makeLogger(level: config.logLevel))
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check the config, TLS files and RAG schemes, then exit.")

    @OptionGroup var location: Location

    func run() async throws {
        try await userFacing {
            let config = try location.load()
            try HubApp.check(config)
            print(
                "config OK: https://\(config.host):\(config.port), database \(try config.databaseLocation().description)"
            )
        }
    }
}

struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency", abstract: "Manage agencies and tokens directly on the database.",
        subcommands: [Add.self, List.self, Revoke.self, Rotate.self, ClientCertificate.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an agency and print its token once.")
        @Argument(help: "The agency id, e.g. police.") var id: String
        @Option(help: "The agency's name.") var name: String
        @Option(help: "agency, admin or viewer.") var role: String = "agency"
        @Option(name: .customLong("token-file"), help: "Write the token to this file (0600) instead of printing it.")
        var tokenFile: String?
        @OptionGroup var location: Location

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be agency, admin or viewer") }
        }

        func run() async throws {
            try await userFacing {
                let issued = try await withStore(location) { store in
                    try await store.addAgency(
                        AgencyRequest(id: try AgencyID(id), name: name, role: Role(rawValue: role)!))
                }
                try show(issued, tokenFile: tokenFile)
            }
        }
    }

    struct ClientCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certificate",
            abstract: "Issue a client certificate for an agency's agent, signed by the hub's local CA.",
            discussion: """
                For mutual TLS: set tls.clientCA to the local CA (tls/ca.pem) in hub.json, and give
                the agent the two files written here as clientCertificate and clientKey.
                """)
        @Argument(help: "The agency id, e.g. police.") var id: String
        @OptionGroup var location: Location

        func run() async throws {
            try await userFacing {
                let agency = try AgencyID(id)
                let config = try location.load()
                guard FileManager.default.fileExists(atPath: config.path("tls/ca-key.pem")) else {
                    throw ConfigError(
                        "\(config.path("tls/ca-key.pem")) does not exist: the hub has no local CA (init made none); issue the certificate with your own CA"
                    )
                }
                let files = try HubCertificates.issueClientCertificate(
                    commonName: agency.rawValue, dataDir: URL(fileURLWithPath: config.dataDir))
                print("certificate: \(files.certificate)")
                print("key (0600):  \(files.key)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agencies, their roles and active tokens.")
        @OptionGroup var location: Location

        func run() async throws {
            try await userFacing {
                let agencies = try await withStore(location) { try await $0.agencies() }
                for a in agencies {
                    print("\(a.id.rawValue)\t\(a.role.rawValue)\t\(a.activeTokens) active token(s)\t\(a.name)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every token of an agency.")
        @Argument var id: String
        @OptionGroup var location: Location

        func run() async throws {
            try await userFacing {
                let n = try await withStore(location) { try await $0.revokeTokens(of: try AgencyID(id)) }
                print("revoked \(n) token(s) of \(id)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token for an agency and revoke its old ones.")
        @Argument var id: String
        @Option(name: .customLong("token-file"), help: "Write the token to this file (0600) instead of printing it.")
        var tokenFile: String?
        @OptionGroup var location: Location

        func run() async throws {
            try await userFacing {
                let issued = try await withStore(location) {
                    try await $0.issueToken(for: try AgencyID(id), revokingOthers: true)
                }
                try show(issued, tokenFile: tokenFile)
            }
        }
    }
}

func withStore<T: Sendable>(_ location: Location, _ body: (Hub) async throws -> T) async throws -> T {
    let config = try location.load()
    let store = try await Hub.open(
        try config.databaseLocation(), schemes: try HubApp.loadSchemes(config),
        logger: makeLogger(level: "warning"))
    do {
        let value = try await body(store)
        try store.close()
        return value
    } catch {
        try? store.close()
        throw error
    }
}

func show(_ issued: IssuedToken, tokenFile: String?) throws {
    if let tokenFile {
        try SecureFiles.write(issued.token + "\n", to: tokenFile, mode: 0o600)
        print("token for \(issued.agency.id) written to \(tokenFile)")
    } else {
        print("token for \(issued.agency.id) (shown once; store it safely):")
        print(issued.token)
    }
}
