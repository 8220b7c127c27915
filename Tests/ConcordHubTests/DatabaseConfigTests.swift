import ConcordTestSupport
import Foundation
import Testing

@testable import ConcordHub

/// The `database` key of the hub config, `CONCORD_HUB_DATABASE_URL` and the password's file
/// or credential: every form a sysadmin may write, and every mistake said plainly.
@Suite("Where the hub's database is")
struct DatabaseConfigTests {
    static func load(_ database: String, environment: [String: String] = [:]) throws -> HubConfig {
        try withTemporaryFile(
            #"{"formatVersion": 1, "tls": {"certificate": "a", "privateKey": "b"}, "database": \#(database)}"#
        ) { file in
            try HubConfig.load(file: file, environment: environment)
        }
    }

    static func withTemporaryFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("hub.json").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try body(file)
    }

    @Test func sqlite_asABareStringOrAURL_relativeToTheDataDirectory() throws {
        for form in [#""hub.sqlite""#, #"{"url": "sqlite:hub.sqlite"}"#] {
            let config = try Self.load(form)
            guard case .sqlite(let path) = try config.databaseLocation(environment: [:]) else {
                Issue.record("\(form) is not SQLite")
                continue
            }
            #expect(path == config.dataDir + "/hub.sqlite")
        }
        let absolute = try Self.load(#"{"url": "sqlite:/srv/concord/hub.sqlite"}"#)
        #expect(try absolute.databaseLocation(environment: [:]) == .sqlite(path: "/srv/concord/hub.sqlite"))
    }

    @Test func postgres_overTCPVerifiesTheServerByDefault_andOverASocketUsesNoTLS() throws {
        let tcp = try Self.load(#"{"url": "postgres://concord@db.example.org:5433/hub"}"#)
        guard case .postgres(let server) = try tcp.databaseLocation(environment: [:]) else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(server.host == "db.example.org" && server.port == 5433 && server.database == "hub")
        #expect(server.user == "concord" && server.tls == .verifyFull && server.password == nil)
        let socket = try Self.load(#"{"url": "postgres://concord@/hub?host=/run/postgresql"}"#)
        guard case .postgres(let local) = try socket.databaseLocation(environment: [:]) else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(local.socketPath == "/run/postgresql/.s.PGSQL.5432" && local.tls == .disable && local.host == nil)
    }

    @Test func thePassword_comesFromItsFile_orTheSystemdCredential_whichWins() throws {
        try Self.withTemporaryFile("from-file\n") { passwordFile in
            let config = try Self.load(#"{"url": "postgres://concord@db/hub", "passwordFile": "\#(passwordFile)"}"#)
            guard case .postgres(let fromFile) = try config.databaseLocation(environment: [:]) else { return }
            #expect(fromFile.password == "from-file")
            let credentials = URL(fileURLWithPath: passwordFile).deletingLastPathComponent()
            try "from-credential\n".write(
                to: credentials.appendingPathComponent("db-password"), atomically: true, encoding: .utf8)
            guard
                case .postgres(let fromCredential) = try config.databaseLocation(environment: [
                    "CREDENTIALS_DIRECTORY": credentials.path
                ])
            else { return }
            #expect(fromCredential.password == "from-credential")
        }
    }

    @Test func theEnvironment_replacesTheURL() throws {
        let config = try Self.load(
            #""hub.sqlite""#, environment: ["CONCORD_HUB_DATABASE_URL": "postgres://concord@db/other"])
        guard case .postgres(let server) = try config.databaseLocation(environment: [:]) else {
            Issue.record("the environment's URL was not taken")
            return
        }
        #expect(server.database == "other")
    }

    @Test func mistakes_areRefusedNamingWhatToDo() throws {
        let cases: [(String, String)] = [
            (#"{"url": "postgres://concord:secret@db/hub"}"#, "never in the URL"),
            (#"{"url": "mysql://db/hub"}"#, "neither sqlite:PATH nor postgres://"),
            (#"{"url": "postgres://db/hub"}"#, "names no user"),
            (#"{"url": "postgres://concord@db/"}"#, "names no database"),
            (#"{"url": "postgres://concord@db/hub?sslmode=maybe"}"#, "sslmode 'maybe'"),
            (#"{"url": "postgres://concord@db/hub?pool=3"}"#, "'pool' is not one of"),
            (#"{"url": "sqlite:"}"#, "names no file"),
        ]
        for (form, words) in cases {
            let config = try Self.load(form)
            #expect(throws: ConfigError.self, "\(form)") { try config.databaseLocation(environment: [:]) }
            do {
                _ = try config.databaseLocation(environment: [:])
            } catch let error as ConfigError {
                #expect(error.message.contains(words), "\(form): \(error.message)")
            }
        }
        #expect(throws: (any Error).self) { try Self.load(#"{"url": "sqlite:x", "pool": 3}"#) }
        #expect(throws: (any Error).self) {
            try Self.load(#"{"url": "postgres://concord@db/hub", "passwordFile": "/nonexistent"}"#)
                .databaseLocation(environment: [:])
        }
    }
}
