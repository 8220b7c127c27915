import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import Foundation

@testable import ConcordAgent

/// A `concord-agent run` child process and a client on its control socket.
struct AgentProcess {
    let process: ChildProcess
    let control: JSONClient
    let stateDir: URL

    /// Starts the agent and waits until its control socket answers.
    static func start(stateDir: URL, logFile: URL, environment: [String: String] = [:]) async throws -> AgentProcess {
        let process = try ChildProcess(
            "concord-agent", ["run", "--state-dir", stateDir.path], environment: environment, logFile: logFile)
        let control = controlClient(stateDir)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await control.raw("GET", "/v1/status"), response.status == 200 {
                return AgentProcess(process: process, control: control, stateDir: stateDir)
            }
            guard process.isRunning else { throw ChildError("the agent exited:\n\(process.log)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        process.signal(SIGKILL)
        throw ChildError("the agent's control socket never answered:\n\(process.log)")
    }

    static func controlClient(_ stateDir: URL) -> JSONClient {
        var c = HTTPClientConfiguration(
            baseURL: "http://localhost", unixSocketPath: stateDir.appendingPathComponent("control.sock").path)
        c.requestTimeout = .seconds(30)
        return JSONClient(HTTPClient(c))
    }

    func status() async throws -> AgentStatus { try await control.get("/v1/status") }

    func detail(_ a: String) async throws -> ActionDetail {
        let address = try ActionAddress(a)
        return try await control.get("/v1/actions/\(address.plan)/\(address.ref)")
    }

    func note(_ a: String, _ text: String) async throws -> EditReceipt {
        let address = try ActionAddress(a)
        return try await control.post("/v1/actions/\(address.plan)/\(address.ref)/notes", NoteRequest(text: text))
    }

    func update(_ a: String, _ set: [String: FieldValue], reason: String? = nil) async throws -> EditReceipt {
        let address = try ActionAddress(a)
        return try await control.post(
            "/v1/actions/\(address.plan)/\(address.ref)", UpdateRequest(set: set, reason: reason))
    }

    func sync(wait: Int = 10) async throws -> SyncReport {
        try await control.post("/v1/sync?wait=\(wait)", [String: String]())
    }
}

/// Writes an agent's config (and token file) into a fresh state directory.
func makeAgentConfig(
    _ dir: URL, name: String, hub: String, agency: String, token: String, caFile: String?
) throws -> URL {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let stateDir = dir.appendingPathComponent(name)
    let tokenFile = dir.appendingPathComponent("\(name).token")
    try (token + "\n").write(to: tokenFile, atomically: true, encoding: .utf8)
    _ = try AgentApp.initialize(
        stateDir: stateDir.path, hub: hub, agency: try AgencyID(agency), tokenFile: tokenFile.path, caFile: caFile)
    return stateDir
}

/// A free TCP port on loopback, chosen by the kernel (for a hub that must keep its port
/// across restarts).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
