import ConcordCodec
import Foundation

/// The `database` key of the hub config: where the hub keeps its state.
///
/// - `"url": "sqlite:PATH"` — one SQLite file, relative to `dataDir` unless absolute (the
///   embedded default, `sqlite:hub.sqlite`). A bare string (`"database": "hub.sqlite"`, the
///   form of earlier configs) means the same.
/// - `"url": "postgres://USER@HOST:PORT/DB?sslmode=verify-full"` — PostgreSQL, for several
///   hub processes on one database (docs/operations.md). `?host=/run/postgresql` reaches the
///   server over its Unix socket in that directory. `sslmode` is `disable`, `require`
///   (encrypted, the server not verified), `verify-ca` or `verify-full` (the default over
///   TCP); `sslrootcert=FILE` names the CA to trust instead of the system's.
/// - `"passwordFile"` — a file holding the PostgreSQL password. The systemd credential
///   `db-password` wins if present. A password is never in the URL, nor on a command line.
///
/// Env `CONCORD_HUB_DATABASE_URL` replaces `url`.
public struct DatabaseSetting: Codable, Sendable, Equatable {
    /// `sqlite:PATH` or `postgres://…`.
    public var url: String
    /// A file holding the PostgreSQL password, relative to `dataDir` unless absolute.
    public var passwordFile: String?

    /// A setting for `url`, with no password file.
    public init(url: String, passwordFile: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
    }

    private enum CodingKeys: String, CodingKey { case url, passwordFile }

    /// Reads an object, or a bare string naming a SQLite file.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let path = try? single.decode(String.self) {
            self.init(url: path.contains(":") ? path : "sqlite:" + path)
            return
        }
        try ConcordJSON.rejectUnknownKeys(in: decoder, known: ["url", "passwordFile"], what: "database")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            url: try c.decode(String.self, forKey: .url),
            passwordFile: try c.decodeIfPresent(String.self, forKey: .passwordFile))
    }
}

/// Where a hub's store is, resolved: a SQLite file or a PostgreSQL database.
public enum DatabaseLocation: Sendable, Equatable {
    /// The SQLite file at this absolute path.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// Reads a URL; a relative SQLite path is resolved against `dataDir`.
    public init(url: String, dataDir: String, password: String? = nil) throws {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigError("database url 'sqlite:' names no file (sqlite:hub.sqlite)") }
            self = .sqlite(
                path: path.hasPrefix("/") ? path : URL(fileURLWithPath: dataDir).appendingPathComponent(path).path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: url, password: password))
        } else {
            // Only the scheme: the rest may hold a password typed by mistake.
            let scheme = url.split(separator: ":", maxSplits: 1).first.map { String($0.prefix(20)) } ?? ""
            throw ConfigError(
                "database url of scheme '\(scheme)' is neither sqlite:PATH nor postgres://USER@HOST:PORT/DB")
        }
    }

    /// The location said without any secret, for logs and `concord-hub check`.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL database as a hub reaches it.
public struct PostgresLocation: Sendable, Equatable {
    /// How the hub checks the server's TLS certificate.
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS (a Unix socket, or a trusted private network).
        case disable
        /// Encrypted; the server's certificate is not checked.
        case require
        /// Encrypted; the certificate must be signed by a trusted CA, for any name.
        case verifyCA = "verify-ca"
        /// Encrypted; the certificate must be signed by a trusted CA and name the host.
        case verifyFull = "verify-full"
    }

    /// The role the hub logs in as.
    public var user: String
    /// The password, from `passwordFile` or the `db-password` credential; never from the URL.
    public var password: String?
    /// The server's host name or address, when over TCP.
    public var host: String?
    /// The server's port (also the number in its Unix socket's name).
    public var port: Int
    /// The directory of the server's Unix socket, when not over TCP.
    public var socketDirectory: String?
    /// The database's name.
    public var database: String
    /// TLS over TCP.
    public var tls: TLSMode
    /// A PEM file of the CA to trust for the server's certificate; `nil`: the system's.
    public var rootCertificate: String?

    /// The socket file, `DIR/.s.PGSQL.PORT`, when over a Unix socket.
    public var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

    /// Reads `postgres://USER@HOST:PORT/DB?sslmode=…&host=SOCKETDIR&sslrootcert=FILE`.
    public init(url: String, password: String?) throws {
        guard let parts = URLComponents(string: url) else {
            throw ConfigError("database url is not a URL (postgres://USER@HOST:PORT/DB)")
        }
        guard parts.password == nil else {
            throw ConfigError(
                "the database url holds a password: put it in a file named by database.passwordFile (or the systemd credential db-password), never in the URL"
            )
        }
        guard let user = parts.user, !user.isEmpty else {
            throw ConfigError("the database url names no user (postgres://USER@HOST:PORT/DB)")
        }
        let name = String(parts.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty else { throw ConfigError("the database url names no database (postgres://USER@HOST/DB)") }
        var query: [String: String] = [:]
        for item in parts.queryItems ?? [] {
            guard ["sslmode", "host", "sslrootcert"].contains(item.name) else {
                throw ConfigError("database url parameter '\(item.name)' is not one of sslmode, host, sslrootcert")
            }
            query[item.name] = item.value ?? ""
        }
        self.user = user.removingPercentEncoding ?? user
        self.password = password
        self.database = name.removingPercentEncoding ?? name
        port = parts.port ?? 5432
        if let dir = query["host"], dir.hasPrefix("/") {
            socketDirectory = dir
            host = nil
        } else {
            socketDirectory = nil
            host = query["host"] ?? parts.host.flatMap { $0.isEmpty ? nil : $0 }
            guard host != nil else {
                throw ConfigError("the database url names no host (postgres://USER@HOST:PORT/DB or ?host=/socket/dir)")
            }
        }
        let mode = query["sslmode"] ?? (socketDirectory == nil ? "verify-full" : "disable")
        guard let tls = TLSMode(rawValue: mode) else {
            throw ConfigError("sslmode '\(mode)' is not one of disable, require, verify-ca, verify-full")
        }
        self.tls = tls
        rootCertificate = query["sslrootcert"]
    }

    /// The URL without the password.
    public var description: String {
        let at = socketDirectory.map { "?host=\($0)" } ?? ""
        return
            "postgres://\(user)@\(host ?? ""):\(port)/\(database)\(at)\(socketDirectory == nil ? "?sslmode=\(tls.rawValue)" : "")"
    }
}

extension HubConfig {
    /// Where the store is: `database.url` (which `CONCORD_HUB_DATABASE_URL` replaced on load),
    /// with the password read from the systemd credential `db-password` or `database.passwordFile`.
    public func databaseLocation(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DatabaseLocation {
        try DatabaseLocation.resolve(
            url: database.url, passwordFile: database.passwordFile.map(path), dataDir: dataDir,
            environment: environment)
    }
}

extension DatabaseLocation {
    /// A location with its password read from the systemd credential `db-password` when
    /// present, else from `passwordFile`; a relative SQLite path is resolved against `dataDir`.
    public static func resolve(
        url: String, passwordFile: String?, dataDir: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DatabaseLocation {
        var password: String?
        var file = passwordFile
        if let dir = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent("db-password").path
            if FileManager.default.fileExists(atPath: candidate) { file = candidate }
        }
        if let file, url.hasPrefix("postgres") {
            do {
                password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
            } catch {
                throw ConfigError("cannot read the database password file \(file): \(error.localizedDescription)")
            }
        }
        return try DatabaseLocation(url: url, dataDir: dataDir, password: password)
    }
}
