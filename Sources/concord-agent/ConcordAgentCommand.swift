import ArgumentParser
import ConcordAgent
import ConcordCodec
import ConcordCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

@main
struct ConcordAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord-agent",
        abstract:
            "An agency's Concord daemon: a local store of its action plans that works offline and syncs with the hub.",
        discussion: """
            First run:
              concord-agent init --state-dir /var/lib/concord-agent --hub https://hub.example.org:8443 \\
                  --agency police --token-file /etc/concord/police.token --ca-file /etc/concord/hub-ca.pem
              concord-agent run --state-dir /var/lib/concord-agent
            """,
        subcommands: [Init.self, Run.self, CheckConfig.self])
}

/// Writes one clear line to stderr and returns exit code 1.
func fail(_ message: String) -> ExitCode {
    let line = Array("concord-agent: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    return ExitCode(1)
}

/// `--config FILE` (the systemd form) or `--state-dir DIR`.
struct Location: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "The agent's state directory (holds agent.json).")
    var stateDir: String?

    @Option(help: "The agent's config file (default: STATE-DIR/agent.json).")
    var config: String?

    func validate() throws {
        if stateDir == nil && config == nil { throw ValidationError("give --state-dir DIR or --config FILE") }
    }

    func load() throws -> AgentConfig {
        try AgentConfig.load(file: config ?? stateDir! + "/" + AgentConfig.fileName)
    }
}

func makeLogger(_ level: String) -> Logger {
    var logger = Logger(label: "concord-agent") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the agent's config into its state directory.")

    @Option(name: .customLong("state-dir"), help: "Where the agent keeps its store (created 0700).")
    var stateDir: String
    @Option(help: "The hub's URL, e.g. https://hub.example.org:8443.")
    var hub: String
    @Option(help: "This agency's id, as the hub knows it.")
    var agency: String
    @Option(name: .customLong("token-file"), help: "File holding the agency's hub token.")
    var tokenFile: String
    @Option(name: .customLong("ca-file"), help: "The hub's CA certificate (PEM); default: the system's store.")
    var caFile: String?

    func run() async throws {
        do {
            let path = try AgentApp.initialize(
                stateDir: stateDir, hub: hub, agency: try AgencyID(agency), tokenFile: tokenFile, caFile: caFile)
            print("wrote \(path)")
            print("next: concord-agent run --state-dir \(stateDir)")
        } catch {
            throw fail("\(error)")
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: control socket, sync with the hub, until SIGTERM.")
    @OptionGroup var location: Location

    func run() async throws {
        let config: AgentConfig
        do { config = try location.load() } catch { throw fail("\(error)") }
        do {
            try await AgentApp.run(config: config, logger: makeLogger(config.logLevel))
        } catch {
            throw fail("\(error)")
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check the config, token and CA files, then exit.")
    @OptionGroup var location: Location

    func run() async throws {
        do {
            let config = try location.load()
            _ = try config.readToken()
            _ = try AgentApp.loadSchemes(config)
            try AgentApp.checkFiles(config)
            print("config OK: agency \(config.agency), hub \(config.hub), control socket \(config.socketPath)")
        } catch {
            throw fail("\(error)")
        }
    }
}
