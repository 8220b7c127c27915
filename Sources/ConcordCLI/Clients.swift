import ArgumentParser
import ConcordClient
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// An error the user can fix: printed as one line on stderr, exit status 1.
public struct UserError: Error, CustomStringConvertible, Equatable {
    /// The one line printed on stderr: what went wrong and what to do.
    public var description: String
    /// An error with this message.
    public init(_ description: String) { self.description = description }
}

func environment(_ key: String) -> String? {
    getenv(key).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
}

func readFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw UserError("cannot read \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw UserError("cannot read \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// JSON over HTTP (``JSONAPI``) with errors turned into one clear line.
struct APIClient: Sendable {
    let http: HTTPClient
    /// What to tell the user when the server cannot be reached.
    let unreachable: @Sendable (HTTPTransportError) -> String

    var api: JSONAPI { JSONAPI(http) }

    func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, timeout: Duration? = nil
    ) async throws
        -> HTTPResponse
    {
        let response: HTTPResponse
        do {
            response = try await api.send(method, path, body: body, timeout: timeout)
        } catch let error as HTTPTransportError {
            throw UserError(unreachable(error))
        }
        guard (200..<300).contains(response.status) else {
            let refusal = JSONAPI.refusal(of: response)
            if refusal.fromServer { throw UserError(refusal.message) }
            throw UserError("HTTP \(response.status) from \(http.configuration.baseURL)\(path)")
        }
        return response
    }

    func get<T: Decodable>(_ path: String, timeout: Duration? = nil) async throws -> T {
        try decode(try await send("GET", path, timeout: timeout))
    }

    func post<T: Decodable>(_ path: String, _ body: some Encodable, timeout: Duration? = nil) async throws -> T {
        try decode(try await send("POST", path, body: try JSONAPI.json(body), timeout: timeout))
    }

    func decode<T: Decodable>(_ response: HTTPResponse) throws -> T {
        do { return try JSONAPI.decode(response.body, status: response.status) } catch {
            let why = (error as? APIRefusal)?.message ?? "\(error)"
            throw UserError("unexpected answer from \(http.configuration.baseURL): \(why)")
        }
    }
}

/// Where the local agent's control socket is: `--socket`, `CONCORD_SOCKET`, or the
/// systemd unit's `/run/concord-agent/control.sock`.
public struct AgentOptions: ParsableArguments {
    /// The socket the systemd unit gives the agent, used when neither `--socket` nor `CONCORD_SOCKET` is set.
    public static let defaultSocket = "/run/concord-agent/control.sock"

    @Option(help: "The agent's control socket (default: $CONCORD_SOCKET or \(AgentOptions.defaultSocket)).")
    var socket: String?

    @Flag(help: "Print JSON (stable field names) instead of tables.")
    var json = false

    /// Options as ArgumentParser fills them: no socket given, tables rather than JSON.
    public init() {}

    var socketPath: String { socket ?? environment("CONCORD_SOCKET") ?? Self.defaultSocket }

    func client() -> APIClient {
        let path = socketPath
        var c = HTTPClientConfiguration(baseURL: "http://localhost", unixSocketPath: path)
        c.requestTimeout = .seconds(330)
        return APIClient(http: HTTPClient(c)) { _ in
            if access(path, F_OK) == 0 && access(path, R_OK | W_OK) != 0 {
                return
                    "you may not use the agent's socket \(path): ask for membership of its group (concord), then log in again"
            }
            return
                "the Concord agent is not running (no answer on \(path)); start it with `systemctl start concord-agent`, or give --socket"
        }
    }
}

/// How to reach the hub as an administrator: flags, environment, or a small config file
/// (`$CONCORD_HUB_CONFIG`, default `~/.config/concord/hub-admin.json`, keys `hub`,
/// `tokenFile`, `caFile`).
public struct HubOptions: ParsableArguments {
    @Option(help: "The hub's URL (or $CONCORD_HUB).")
    var hub: String?

    @Option(name: .customLong("token-file"), help: "File holding an admin token (or $CONCORD_TOKEN_FILE).")
    var tokenFile: String?

    @Option(name: .customLong("ca-file"), help: "The hub's CA certificate, PEM (or $CONCORD_CA_FILE).")
    var caFile: String?

    @Flag(help: "Print JSON (stable field names) instead of tables.")
    var json = false

    /// Options as ArgumentParser fills them: nothing given, tables rather than JSON.
    public init() {}

    struct File: Decodable {
        var hub: String?
        var tokenFile: String?
        var caFile: String?
    }

    func client() throws -> APIClient {
        var file = File()
        let path =
            environment("CONCORD_HUB_CONFIG")
            ?? (environment("HOME").map { $0 + "/.config/concord/hub-admin.json" } ?? "")
        if !path.isEmpty, access(path, R_OK) == 0 {
            do {
                file = try JSONDecoder().decode(
                    File.self, from: ConcordJSON.withoutLineComments(Data(try readFile(path).utf8)))
            } catch let error as UserError {
                throw error
            } catch {
                throw UserError("\(path): \(ConcordJSON.explain(error))")
            }
        }
        guard let url = hub ?? environment("CONCORD_HUB") ?? file.hub else {
            throw UserError("which hub? give --hub URL, set CONCORD_HUB, or write \(path)")
        }
        guard let tokenPath = tokenFile ?? environment("CONCORD_TOKEN_FILE") ?? file.tokenFile else {
            throw UserError("no token: give --token-file FILE (the admin token), or set CONCORD_TOKEN_FILE")
        }
        var info = stat()
        if stat(tokenPath, &info) == 0, info.st_mode & 0o007 != 0 {
            throw UserError(
                "token file \(tokenPath) can be read by any user (mode \(String(info.st_mode & 0o777, radix: 8))): chmod 600 \(tokenPath)"
            )
        }
        let token = try readFile(tokenPath).filter { !$0.isWhitespace }
        var c = HTTPClientConfiguration(
            baseURL: url.hasSuffix("/") ? String(url.dropLast()) : url,
            caFile: caFile ?? environment("CONCORD_CA_FILE") ?? file.caFile,
            bearerToken: token)
        c.requestTimeout = .seconds(120)
        return APIClient(http: HTTPClient(c)) { error in
            error.isCertificateProblem
                ? "the hub's certificate is not trusted: give --ca-file with the hub's CA (\(error.message))"
                : "the hub at \(url) is unreachable: \(error.message)"
        }
    }
}

/// Prints a value as JSON (sorted keys, pretty) for scripts.

/// Parses `PLAN/REF`, or says how to write it.
func parseAddress(_ text: String) throws -> ActionAddress {
    do { return try ActionAddress(text) } catch { throw ValidationError(error.description) }
}
