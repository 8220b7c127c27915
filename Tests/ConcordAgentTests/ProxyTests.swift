import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import Foundation
import Testing

@testable import ConcordAgent

/// Agencies sit behind corporate proxies: the client tunnels through one, whether it is
/// named in the config or only in the environment (`https_proxy`).
@Suite("Proxies", .serialized)
struct ProxyTests {
    @Test func explicitProxy_carriesTheHubConnection() async throws {
        try await withTestHub { hub in
            let proxy = try ConnectProxy()
            defer { proxy.stop() }
            var config = HTTPClientConfiguration(baseURL: hub.baseURL, caFile: hub.caFile)
            config.proxy = proxy.url
            let response = try await HTTPClient(config).send("GET", "/healthz")
            #expect(response.status == 200)
            #expect(proxy.tunnelCount >= 1)
        }
    }

    @Test func noProxy_sendsTheHubConnectionDirect() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let proxy = try ConnectProxy()
            defer { proxy.stop() }
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile)
            let agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("police.log"),
                environment: [
                    "https_proxy": proxy.url, "HTTPS_PROXY": proxy.url, "no_proxy": "127.0.0.1",
                    "NO_PROXY": "127.0.0.1",
                ])
            defer { agent.process.signal(SIGKILL) }
            let report = try await agent.sync()
            #expect(report.online, "\(report)")
            #expect(try await agent.status().actions == 14)
            #expect(proxy.tunnelCount == 0, "no_proxy names the hub, yet the agent used the proxy")
            await agent.process.stop()
        }
    }

    /// Both ways of receiving news (a stream, or one long-poll per answer) work through a
    /// corporate CONNECT proxy, and another agency's edit arrives without anyone asking.
    @Test(arguments: ["stream", "long-poll"])
    func agentBehindTheEnvironmentsProxy_syncsThroughIt(pull: String) async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let proxy = try ConnectProxy()
            defer { proxy.stop() }
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile,
                settings: ["pull": pull])
            let agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("police.log"),
                environment: ["https_proxy": proxy.url, "HTTPS_PROXY": proxy.url, "no_proxy": "", "NO_PROXY": ""])
            defer { agent.process.signal(SIGKILL) }
            let report = try await agent.sync()
            #expect(report.online, "\(report)")
            #expect(try await agent.status().actions == 14)
            #expect(proxy.tunnelCount >= 1, "the agent did not use the proxy")

            let csc = hub.client(tokens["csc"])
            let record = try await csc.pull().actions.first { $0.ref.rawValue == "3.1" }!
            _ = try await csc.push([
                edit("child-m/3.1", [.progress: (record.progress.map(FieldValue.text) ?? .null, .text("Via \(pull)"))])
            ])
            var seen = false
            for _ in 0..<1000 where !seen {
                seen = try await agent.detail("child-m/3.1").action.progress == "Via \(pull)"
                if !seen { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(seen, "csc's edit never reached the agent through the proxy (\(pull))")
            await agent.process.stop()
        }
    }
}
