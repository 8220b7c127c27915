import ArgumentParser
import ConcordHub
import Foundation

/// `concord-hub migrate`: moves a partnership's hub from SQLite to PostgreSQL, verified.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite hub into an empty PostgreSQL database, then verify the copy equals it.",
        discussion: """
            Stop the hub first (systemctl stop concord-hub): changes it took after the copy
            began would not be in the copy. Then:
              concord-hub migrate --from sqlite:/var/lib/concord-hub/hub.sqlite \\
                --to 'postgres://concord@db.example.org/concord?sslmode=verify-full' --password-file /etc/concord/db-password
            and set database.url in hub.json to the same postgres:// URL.
            """)

    @Option(help: "The SQLite hub: sqlite:PATH.")
    var from: String

    @Option(help: "The empty PostgreSQL database: postgres://USER@HOST:PORT/DB?sslmode=... (no password in it).")
    var to: String

    @Option(
        name: .customLong("password-file"),
        help: "A file holding the PostgreSQL password (or the systemd credential db-password).")
    var passwordFile: String?

    func run() async throws {
        try await userFacing {
            guard
                case .sqlite(let path) = try DatabaseLocation(
                    url: from, dataDir: FileManager.default.currentDirectoryPath)
            else { throw ConfigError("--from must be sqlite:PATH") }
            let here = FileManager.default.currentDirectoryPath
            guard
                case .postgres(let target) = try DatabaseLocation.resolve(
                    url: to, passwordFile: passwordFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                    dataDir: here)
            else { throw ConfigError("--to must be postgres://USER@HOST:PORT/DB") }
            let report = try await StoreMigration.run(from: path, to: target, logger: makeLogger(level: "warning"))
            for table in report.tables {
                let verdict = table.equal && table.source == table.copy ? "equal" : "DIFFERENT"
                print(
                    "\(table.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(table.source) rows -> \(table.copy) rows, \(verdict)"
                )
            }
            guard report.verified else {
                throw ConfigError(
                    "the copy is not equal to the source (tables marked DIFFERENT above); do not switch to it")
            }
            print("copied and verified: sequence \(report.sequence), to \(target.description)")
        }
    }
}
