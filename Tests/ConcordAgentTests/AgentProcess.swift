import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
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

    /// Syncs until the agent is online with nothing pending, or `timeout` has passed (a sync
    /// returns at once while the hub refuses connections); returns the last report.
    func syncUntilUploaded(timeout: Duration = .seconds(60)) async throws -> SyncReport {
        let deadline = ContinuousClock.now + timeout
        // Each sync waits less than the control client's 30 s request timeout.
        var report = try await sync(wait: 20)
        while !(report.online && report.pending == 0) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            report = try await sync(wait: 20)
        }
        return report
    }
}

/// Writes an agent's config (and token file) into a fresh state directory.
func makeAgentConfig(
    _ dir: URL, name: String, hub: String, agency: String, token: String, caFile: String?,
    settings: [String: Any] = [:]
) throws -> URL {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let stateDir = dir.appendingPathComponent(name)
    let tokenFile = dir.appendingPathComponent("\(name).token")
    try writeSecret(token + "\n", to: tokenFile)
    _ = try AgentApp.initialize(
        stateDir: stateDir.path, hub: hub, agency: try AgencyID(agency), tokenFile: tokenFile.path, caFile: caFile)
    if !settings.isEmpty {
        // Keys init does not set (pull, clientCertificate…), as an agency would edit them in.
        let file = stateDir.appendingPathComponent(AgentConfig.fileName)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        config.merge(settings) { _, new in new }
        try JSONSerialization.data(withJSONObject: config).write(to: file)
    }
    return stateDir
}
