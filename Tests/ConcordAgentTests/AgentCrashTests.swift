import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// The real `concord-agent` binary takes a stream of edits and is killed with SIGKILL at
/// random moments; every acknowledged edit must be there after the restart, and the store
/// must always load. Kills: `CONCORD_CRASH_KILLS` (default 200; 1,000 for the long run).
@Suite("Agent crash safety", .serialized)
struct AgentCrashTests {
    static let kills = ProcessInfo.processInfo.environment["CONCORD_CRASH_KILLS"].flatMap(Int.init) ?? 200

    @Test func sigkillAtRandomMoments_neverLosesAnAcknowledgedEdit() async throws {
        try await withTemporaryDirectory { dir in
            // The hub is unreachable (nothing listens on port 9): the agent works offline.
            let stateDir = try makeAgentConfig(
                dir, name: "police", hub: "https://127.0.0.1:9", agency: "police", token: "cch_unused", caFile: nil)
            do {
                let store = try AgentStore(directory: stateDir.path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord("3.1"), hubRecord("3.2")], cursor: 2), at: now)
            }
            var rng = SystemRandomNumberGenerator()
            var acknowledged: [UUID] = []
            let log = dir.appendingPathComponent("agent.log")
            for kill in 0..<Self.kills {
                let agent = try await AgentProcess.start(stateDir: stateDir, logFile: log)
                // Every note acknowledged so far is in the store that just loaded.
                if kill % 20 == 0 || kill == Self.kills - 1 {
                    let notes =
                        try await agent.detail("child-m/3.1").action.notes.map(\.id)
                        + agent.detail("child-m/3.2").action.notes.map(\.id)
                    let missing = Set(acknowledged).subtracting(notes)
                    #expect(missing.isEmpty, "after kill \(kill): \(missing.count) acknowledged notes lost")
                    if !missing.isEmpty { break }
                }
                let control = agent.control
                let ledger = Ledger()
                let writer = Task {
                    var i = 0
                    while !Task.isCancelled {
                        i += 1
                        let ref = i % 2 == 0 ? "3.1" : "3.2"
                        guard
                            let response = try? await control.raw(
                                "POST", "/v1/actions/child-m/\(ref)/notes",
                                body: Array(try ConcordJSON.encode(NoteRequest(text: "kill \(kill) note \(i)")))),
                            response.status == 200,
                            let receipt = try? JSONDecoder().decode(EditReceipt.self, from: Data(response.body))
                        else { break }
                        await ledger.add(receipt.change.append[0].itemID)
                    }
                    await ledger.finish()
                }
                // Let the writer get going — at least one note acknowledged, however slow the
                // disk's fsync — then kill at a random moment of its stream.
                _ = await eventually(every: .milliseconds(1)) { await ledger.startedOrFinished }
                let acknowledgedThisRound = await !ledger.ids.isEmpty
                #expect(acknowledgedThisRound, "round \(kill): no note acknowledged (writer stopped, or 30 s passed)")
                try await Task.sleep(for: .microseconds(Int64.random(in: 0..<20_000, using: &rng)))
                agent.process.signal(SIGKILL)
                _ = await agent.process.waitForExit()
                await writer.value
                acknowledged += await ledger.ids
            }
            #expect(acknowledged.count >= Self.kills, "every round must have had an edit acknowledged before its kill")
            let agent = try await AgentProcess.start(stateDir: stateDir, logFile: log)
            let notes =
                try await agent.detail("child-m/3.1").action.notes.map(\.id)
                + agent.detail("child-m/3.2").action.notes.map(\.id)
            #expect(Set(acknowledged).isSubset(of: Set(notes)))
            #expect(Set(notes).count == notes.count, "no note twice")
            let status = try await agent.status()
            #expect(status.pending == notes.count && !status.everythingUploaded && !status.online)
            await agent.process.stop()
        }
    }
}

/// The ids of notes the agent acknowledged in one round.
actor Ledger {
    var ids: [UUID] = []
    /// The writer has stopped (the agent died, or it was cancelled).
    var finished = false
    func add(_ id: UUID) { ids.append(id) }
    func finish() { finished = true }
    var startedOrFinished: Bool { !ids.isEmpty || finished }
}
