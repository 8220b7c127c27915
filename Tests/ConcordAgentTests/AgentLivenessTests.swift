import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// Honest liveness: `online` means the hub answered within `offlineAfterSeconds`; a link
/// where packets vanish is noticed without anything being refused, and the agent is back as
/// soon as the link is.
@Suite("Agent liveness", .serialized)
struct AgentLivenessTests {
    @Test(arguments: ["stream", "long-poll"])
    func blackHolePartition_isReportedOffline_editsWait_andHealingBringsEverythingBack(_ pull: String) async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let proxy = try ConnectProxy()
            defer { proxy.stop() }
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!,
                caFile: hub.caFile, settings: ["proxy": proxy.url, "offlineAfterSeconds": 3, "pull": pull])
            let agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("a.log"))
            defer { agent.process.signal(SIGKILL) }
            #expect(try await agent.syncUntilUploaded().online)
            #expect(try await agent.status().problem == nil)

            proxy.blackHole = true
            let offline = try await eventually(timeout: .seconds(20)) { try await !agent.status().online }
            #expect(offline, "the agent still says online with the link down")
            let status = try await agent.status()
            #expect(status.lastContact != nil && status.problem != nil, "\(status)")
            // A sync asked for now says the hub is unreachable instead of waiting its wait out.
            let report = try await agent.sync(wait: 30)
            #expect(!report.online)
            let receipt = try await agent.update("child-m/3.1", ["progress": .text("Written during the outage")])
            #expect(try await agent.status().pending == 1)

            proxy.blackHole = false
            let back = try await eventually(timeout: .seconds(20)) {
                let s = try await agent.status()
                return s.online && s.pending == 0
            }
            let final = try await agent.status()
            #expect(back, "\(final)")
            let history: History = try await hub.admin.get("/v1/actions/child-m/3.1/history")
            #expect(history.entries.contains { $0.change.id == receipt.change.id && $0.outcome == .applied })
        }
    }

    @Test func offlineAfterSeconds_isLimitedTo30() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("agent.json")
            try #"{"hub": "https://hub.example:8443", "agency": "police", "offlineAfterSeconds": 60}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let error = #expect(throws: AgentError.self) { try AgentConfig.load(file: file.path, environment: [:]) }
            #expect(error?.description.contains("offlineAfterSeconds must be 2 to 30") == true)
        }
    }
}

/// M5: a push the hub refuses as a whole is not sent again and again.
@Suite("Pushes the hub refuses", .serialized)
struct RefusedPushTests {
    @Test func batchOverTheHubsLimits_isSplit_andAChangeTooLargeAloneEndsRejected() async throws {
        try await withTestHub(configure: {
            $0.limits.maxBatch = 2
            $0.limits.maxBodyBytes = 5000  // the sample plan's import is 4,790 bytes
        }) { hub in
            let tokens = try await hub.seed()
            let dir = hub.dir.appendingPathComponent("agents")
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: hub.baseURL, agency: "police", token: tokens["police"]!, caFile: hub.caFile)
            var agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("1.log"))
            defer { agent.process.signal(SIGKILL) }
            #expect(try await agent.syncUntilUploaded().online)
            await agent.process.stop()
            // Offline: five notes, and one too large for the hub's body limit on its own.
            agent = try await AgentProcess.start(
                stateDir: stateDir, logFile: dir.appendingPathComponent("2.log"),
                environment: ["CONCORD_AGENT_HUB": "https://127.0.0.1:9"])
            var small: [UUID] = []
            for i in 0..<2 { small.append(try await agent.note("child-m/3.1", "Note \(i)").change.id) }
            let big = try await agent.note("child-m/3.1", String(repeating: "Long minutes. ", count: 500)).change.id
            for i in 2..<5 { small.append(try await agent.note("child-m/3.1", "Note \(i)").change.id) }
            await agent.process.stop()
            agent = try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("3.log"))

            let report = try await agent.syncUntilUploaded()
            #expect(report.online && report.pending == 0, "\(report)")
            let history: History = try await hub.admin.get("/v1/actions/child-m/3.1/history")
            let onHub = Set(history.entries.map(\.change.id))
            #expect(small.allSatisfy(onHub.contains), "every small note reached the hub")
            #expect(!onHub.contains(big))
            let problems: ProblemList = try await agent.control.get("/v1/problems")
            let refused = try #require(problems.problems.first { $0.id == big })
            #expect(refused.outcome == .rejected && refused.violations.map(\.rule) == [.refusedByHub])
            #expect(refused.violations.first?.message.contains("413") == true, "\(refused)")
        }
    }
}
