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

    @Test func agentBehindTheEnvironmentsProxy_syncsThroughIt() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let proxy = try ConnectProxy()
            defer { proxy.stop() }
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile)
            let agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("police.log"),
                environment: ["https_proxy": proxy.url, "HTTPS_PROXY": proxy.url, "no_proxy": "", "NO_PROXY": ""])
            defer { agent.process.signal(SIGKILL) }
            let report = try await agent.sync()
            #expect(report.online, "\(report)")
            #expect(try await agent.status().actions == 14)
            #expect(proxy.tunnelCount >= 1, "the agent did not use the proxy")
            await agent.process.stop()
        }
    }
}
