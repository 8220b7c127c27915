import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import Foundation
import Logging
import Testing

@testable import ConcordAgent

/// What an outside review of the trust work found, each with the scenario that shows it.
@Suite("Audit follow-up")
struct AuditFollowUpTests {
    func answer(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [:], body: Array(body.utf8))
    }

    /// A proxy's 400 page must not make the agent give up an agency's edits: only the hub's
    /// own refusal of a batch is a refusal of its content.
    @Test func aProxysErrorPage_isNotTheHubRefusingTheBatch() throws {
        let client = HubClient(HTTPClient(HTTPClientConfiguration(baseURL: "https://hub.example")))
        func refusal(_ response: HTTPResponse) -> HubRefusal? {
            do { try client.refuseUnlessOK(response) } catch let r as HubRefusal { return r } catch { return nil }
            return nil
        }
        let proxy = try #require(refusal(answer(400, "<html><body>Bad Request</body></html>")))
        #expect(!proxy.refusesTheBatch)
        let hub = try #require(
            refusal(answer(413, #"{"error":{"code":"payloadTooLarge","message":"over 16 MiB","status":413}}"#)))
        #expect(hub.refusesTheBatch)
        let busy = try #require(
            refusal(answer(429, #"{"error":{"code":"tooManyRequests","message":"8 open","status":429}}"#)))
        #expect(busy.isBusy && !busy.refusesTheBatch)
        #expect(refusal(answer(429, "slow down"))?.isBusy == false)
    }

    /// A stream's heartbeats change nothing and are not journalled.
    @Test func heartbeats_areHeard_butNotJournalled() async throws {
        try await withTemporaryDirectory { dir in
            let store = try AgentStore(directory: dir.path + "/state", agency: police, logger: logger)
            let config = AgentConfig(stateDir: dir.path, hub: "https://hub.example", agency: police, tokenFile: nil)
            let agent = Agent(store: store, config: config, logger: logger)
            try await agent.pulled(pulled([hubRecord()], cursor: 5))
            let bytes = await agent.journalBytes
            for _ in 0..<100 { try await agent.pulled(pulled([], cursor: 5)) }
            #expect(await agent.journalBytes == bytes)
            #expect(await agent.online)
            try await agent.pulled(pulled([], cursor: 6))
            #expect(await agent.journalBytes > bytes, "a moved cursor is kept")
        }
    }

    /// No waiter is left behind, however wakes, timeouts and cancellations interleave.
    @Test func wakeSignal_leavesNoWaiterBehind() async {
        let signal = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let seen = signal.generation
                    await signal.wait(after: seen, timeout: .milliseconds(i % 3 == 0 ? 0 : 5))
                }
                if i % 7 == 0 { signal.wake() }
            }
        }
        #expect(signal.waiting == 0)
        let seen = signal.generation
        signal.wake()
        await signal.wait(after: seen)  // a wake before the wait is not missed
    }
}
