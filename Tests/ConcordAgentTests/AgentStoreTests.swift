import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import Testing

@testable import ConcordAgent

let police = try! AgencyID("police")
let logger = Logger(label: "agent-test")

/// child-m/3.1 as the hub would send it: led by police.
func hubRecord(_ ref: String = "3.1", revision: Int64 = 1) -> Action {
    Action(
        plan: try! PlanID("child-m"), ref: try! ActionRef(ref), revision: revision,
        title: "Share notifications within 24 hours", ownerAgency: police, supportingAgencies: [try! AgencyID("csc")],
        targetDate: LocalDate("2026-01-31"), rag: "amber", progress: "Performance at 97%")
}

func pulled(_ actions: [Action], cursor: Int64) -> PullResponse {
    PullResponse(actions: actions, cursor: cursor, more: false, conflicts: [])
}

let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)

func noteChange(_ text: String, on ref: String = "3.1") -> Change {
    Change(
        action: address("child-m/\(ref)"), baseRevision: 1,
        append: [.note(ProgressNote(text: text, author: police))])
}

@Suite("Agent store")
struct AgentStoreTests {
    @Test func editsAndPullsSurviveAReopen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            var expected: AgentState?
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord(), hubRecord("3.2")], cursor: 7), at: now)
                for i in 0..<10 { try store.recordEdit(noteChange("note \(i)")) }
                try store.recordAnswers(
                    [
                        ChangeResult(
                            id: store.state.pending[0].id, action: address("child-m/3.1"), outcome: .rejected,
                            revision: 1, seq: 8)
                    ],
                    at: now)
                expected = store.state
            }
            let reopened = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(reopened.state == expected)
            #expect(reopened.state.pending.count == 9)
            #expect(reopened.state.cursor == 7)
            #expect(reopened.state.answers.map(\.outcome) == [.rejected])
            #expect(reopened.state.view(address("child-m/3.1"))?.notes.count == 9)
        }
    }

    @Test func pullJournalledAsReceived_replaysToTheSameState() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            let response = pulled([hubRecord(), hubRecord("3.2")], cursor: 9)
            var expected: AgentState?
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(response, raw: Array(try ConcordJSON.encode(response, pretty: false)), at: now)
                try store.recordEdit(noteChange("x"))
                try store.recordAnswers(
                    [
                        ChangeResult(
                            id: store.state.pending[0].id, action: address("child-m/3.1"), outcome: .applied,
                            revision: 2, seq: 10)
                    ],
                    at: now)
                expected = store.state
            }
            let reopened = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(reopened.state == expected)
            #expect(reopened.state.cursor == 9 && reopened.state.records.count == 2 && reopened.state.pending.isEmpty)
        }
    }

    @Test func tornLastLine_isDroppedWithALogLine_andTheStoreLoads() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
                try store.recordEdit(noteChange("kept"))
            }
            let journal = URL(fileURLWithPath: path + "/journal-0.jsonl")
            let good = try Data(contentsOf: journal)
            let torn = good + Data(#"{"edit":{"id":"6F1C9A64-6E1E-4B5A-9F37-3C1D2B7A9E10","act"#.utf8)
            try torn.write(to: journal)
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(store.state.pending.count == 1)
            #expect(try Data(contentsOf: journal) == good, "the torn bytes are cut off")
            try store.recordEdit(noteChange("after"))
            #expect(store.state.pending.count == 2)
        }
    }

    @Test func damagedLineInTheMiddle_refusesToStart_namingFileAndLine() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
                try store.recordEdit(noteChange("one"))
                try store.recordEdit(noteChange("two"))
            }
            let journal = URL(fileURLWithPath: path + "/journal-0.jsonl")
            var lines = try String(contentsOf: journal, encoding: .utf8).split(separator: "\n").map(String.init)
            lines[1] = "{not json"
            try (lines.joined(separator: "\n") + "\n").write(to: journal, atomically: true, encoding: .utf8)
            let error = #expect(throws: (any Error).self) {
                _ = try AgentStore(directory: path, agency: police, logger: logger)
            }
            #expect("\(error!)".contains("journal-0.jsonl line 2"))
        }
    }

    @Test func compaction_writesASnapshot_startsANewJournal_andLosesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            var expected: AgentState?
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                store.compactionThreshold = 4096
                try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
                for i in 0..<40 { try store.recordEdit(noteChange("note \(i)")) }
                #expect(try store.compactIfNeeded())
                try store.recordEdit(noteChange("after compaction"))
                expected = store.state
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            #expect(names.contains("state-1.json") && names.contains("journal-1.jsonl"))
            #expect(!names.contains("journal-0.jsonl"))
            let reopened = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(reopened.state == expected)
        }
    }

    @Test func crashBetweenJournalRotationAndSnapshot_replaysBothJournals() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
                try store.recordEdit(noteChange("in journal 0"))
            }
            // As if the agent died after opening journal-1 and writing to it, before the snapshot.
            let line = try ConcordJSON.encode(JournalEntry.edit(noteChange("in journal 1")), pretty: false)
            try (line + Data("\n".utf8)).write(to: URL(fileURLWithPath: path + "/journal-1.jsonl"))
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(store.state.pending.count == 2)
        }
    }

    @Test func secondStoreOnTheSameDirectory_refusesWithAClearMessage() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            let first = try AgentStore(directory: path, agency: police, logger: logger)
            let error = #expect(throws: (any Error).self) {
                _ = try AgentStore(directory: path, agency: police, logger: logger)
            }
            #expect("\(error!)".contains("another concord-agent is already running"))
            _ = first
        }
    }

    @Test func storeOfAnotherAgency_isRefused() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
                try store.compact()
            }
            let error = #expect(throws: (any Error).self) {
                _ = try AgentStore(directory: path, agency: try AgencyID("csc"), logger: logger)
            }
            #expect("\(error!)".contains("holds agency police's store"))
        }
    }

    @Test func stateDirectoryAndFiles_arePrivate() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            try store.recordEdit(noteChange("x"))
            try store.compact()
            let mode = { (p: String) in
                (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1
            }
            #expect(try mode(path) == 0o700)
            #expect(try mode(path + "/state-1.json") == 0o600)
            #expect(try mode(path + "/journal-1.jsonl") == 0o600)
        }
    }

    @Test func answers_keepEveryRejectionButOnlyTheLatestRoutineOnes() {
        var state = AgentState(agency: police)
        let routine = (0..<(AgentState.keptAnswers + 50)).map {
            ChangeResult(id: UUID(), action: address("child-m/3.1"), outcome: .applied, revision: 1, seq: Int64($0))
        }
        let rejected = ChangeResult(id: UUID(), action: address("child-m/3.1"), outcome: .rejected, revision: 1, seq: 0)
        state.apply(.answered([rejected], at: now))
        state.apply(.answered(routine, at: now))
        #expect(state.answers.contains(rejected))
        #expect(state.answers.filter { $0.outcome == .applied }.count == AgentState.keptAnswers)
    }
}

@Suite("Agent configuration")
struct AgentConfigTests {
    @Test func shippedExampleConfig_parsesWithItsComments() throws {
        let config = try AgentConfig.load(
            file: repoRoot.appendingPathComponent("config/agent.example.json").path, environment: [:])
        #expect(config.agency.rawValue == "police" && config.socketPath == "/run/concord-agent/control.sock")
    }

    @Test func unknownKey_isRefusedNamingIt() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("agent.json")
            try #"{"hub": "https://hub.example:8443", "agency": "police", "pullWaitSecond": 5}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let error = #expect(throws: AgentError.self) { try AgentConfig.load(file: file.path, environment: [:]) }
            #expect(
                error?.description.contains("unknown key 'pullWaitSecond'") == true, "\(error.map { "\($0)" } ?? "")")
        }
    }
}

@Suite("Backoff")
struct BackoffTests {
    @Test func delaysDoubleFromOneSecondToFiveSeconds_withJitterInTheUpperHalf() {
        var low = Backoff(), high = Backoff()
        var lows: [Duration] = [], highs: [Duration] = []
        for _ in 0..<12 {
            lows.append(low.failed(unit: 0))
            highs.append(high.failed(unit: 0.999_999))
        }
        #expect(lows[0] == .seconds(1))
        #expect(highs[0] < .seconds(1) + .milliseconds(1))
        #expect(lows[1] == .seconds(1) && lows[2] == .seconds(2))
        #expect(highs[2] > .seconds(3.99) && highs[2] <= .seconds(4))
        // Capped at 5 s, so an agent is back within seconds of a healed partition.
        #expect(highs.last! <= .seconds(5) && highs.last! > .seconds(4.99))
        #expect(lows.last! == .seconds(2.5))
        for (l, h) in zip(lows, highs) { #expect(l <= h) }
        low.succeeded()
        #expect(low.failed(unit: 0) == .seconds(1))
    }
}
