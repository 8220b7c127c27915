import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

/// An agent must not hammer a hub that ends every wait at once.
@Suite("Sync pacing")
struct SyncPacingTests {
    static func answered(_ hub: TestHub) async throws -> Int {
        let metrics = try await hub.client(nil).raw("GET", "/metrics").text
        return metrics.split(separator: "\n").filter { $0.hasPrefix("concord_http_requests_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
    }

    @Test(arguments: ["stream", "long-poll"])
    func aHubThatNeverWaits_isAskedAtMostAboutOnceASecond(pull: String) async throws {
        try await withTestHub(configure: { $0.limits.maxWaitSeconds = 0 }) { hub in
            let tokens = try await hub.seed()
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile,
                settings: ["pull": pull])
            let agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("police.log"))
            defer { agent.process.signal(SIGKILL) }
            #expect(try await agent.sync().online)
            let before = try await Self.answered(hub)
            try await Task.sleep(for: .seconds(3))
            let asked = try await Self.answered(hub) - before - 1  // the metrics request itself
            #expect(asked <= 10, "\(asked) requests in 3 s")
            // It still receives news: another agency's edit arrives without a sync.
            let csc = hub.client(tokens["csc"])
            let record = try await csc.pull().actions.first { $0.ref.rawValue == "3.1" }!
            _ = try await csc.push([
                edit("child-m/3.1", [.progress: (record.progress.map(FieldValue.text) ?? .null, .text("Paced"))])
            ])
            let arrived = try await eventually { try await agent.detail("child-m/3.1").action.progress == "Paced" }
            #expect(arrived)
            await agent.process.stop()
        }
    }
}
