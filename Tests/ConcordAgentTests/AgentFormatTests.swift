import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import PropertyBased
import Testing

@testable import ConcordAgent

/// The agent store's formats: every version ever written still opens (fixture files in
/// Fixtures/agent-store/vN, made by `fixturesAreWritten` below), round trips over random
/// values, and versions from the future are refused with a clear message.
@Suite("Agent store formats")
struct AgentFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/agent-store")

    static let a = UUID(uuidString: "0A000000-0000-4000-8000-00000000000A")!
    static let b = UUID(uuidString: "0B000000-0000-4000-8000-00000000000B")!
    static let c = UUID(uuidString: "0C000000-0000-4000-8000-00000000000C")!

    /// Opens a copy of fixture version `version`.
    static func openFixture(_ version: Int, in dir: URL) throws -> AgentStore {
        let path = dir.appendingPathComponent("state").path
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("v\(version)").path, toPath: path)
        return try AgentStore(directory: path, agency: police, logger: logger)
    }

    /// What every version holds: plans, three pulled records, two pending edits (b, c), the
    /// hub's answer to a, cursor 9.
    static func expectCommonState(_ state: AgentState) {
        #expect(state.cursor == 9)
        #expect(state.records.keys.sorted().map(\.description) == ["child-m/3.1", "child-m/3.2", "child-m/3.3"])
        #expect(state.pending.map(\.id) == [b, c])
        #expect(state.answers.map(\.id) == [a])
        #expect(state.plans.keys.map(\.rawValue) == ["child-m"])
        #expect(state.view(address("child-m/3.2"))?.progress == "Venue booked")
        #expect(state.view(address("child-m/3.2"))?.notes.map(\.text) == ["Invitations sent"])
    }

    @Test func version1Store_opens_withNoAcknowledgedChanges() async throws {
        try await withTemporaryDirectory { dir in
            var before: AgentState?
            var directory = ""
            do {
                let store = try Self.openFixture(1, in: dir)
                Self.expectCommonState(store.state)
                // Version 1 kept no taken changes: a's note shows again once its record is pulled.
                #expect(store.state.acknowledged.isEmpty)
                #expect(store.state.view(address("child-m/3.1"))?.notes.isEmpty == true)
                // Opening it moved it to the current version at once: the version-1 journal is
                // never appended to (its lines and new ones would be migrated as one).
                let journals = try FileManager.default.contentsOfDirectory(atPath: store.directory)
                    .filter { $0.hasPrefix("journal-") }
                #expect(journals == ["journal-2.jsonl"])
                let first = try String(contentsOfFile: store.directory + "/journal-2.jsonl", encoding: .utf8)
                    .split(separator: "\n").first
                #expect(first == "{\"format\":2}")
                // Compacted, it is written as the current version and reads back the same.
                before = store.state
                directory = store.directory
                try store.compact()
            }
            let snapshot = try #require(
                try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("state-") })
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + snapshot))
            #expect(try FormatProbe.decode(json: bytes).formatVersion == Snapshot.history.current)
            let reopened = try AgentStore(directory: directory, agency: police, logger: logger)
            #expect(reopened.state == before)
        }
    }

    @Test func version2Store_opens_withItsAcknowledgedChange() async throws {
        try await withTemporaryDirectory { dir in
            let store = try Self.openFixture(2, in: dir)
            Self.expectCommonState(store.state)
            #expect(store.state.acknowledged.map(\.change.id) == [Self.a])
            #expect(store.state.view(address("child-m/3.1"))?.notes.map(\.text) == ["Training held"])
        }
    }

    @Test func everyVersionUpToTheCurrent_hasAFixture() {
        for version in 1...Snapshot.history.current {
            #expect(FileManager.default.fileExists(atPath: Self.fixtures.appendingPathComponent("v\(version)").path))
        }
        #expect(Snapshot.history.current == JournalEntry.history.current)
    }

    @Test func aSnapshotFromANewerAgent_isRefusedByName() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("v2").path, toPath: path)
            let file = path + "/state-1.json"
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try text.replacingOccurrences(of: "\"formatVersion\":2", with: "\"formatVersion\":99")
                .write(toFile: file, atomically: true, encoding: .utf8)
            #expect {
                _ = try AgentStore(directory: path, agency: police, logger: logger)
            } throws: { "\($0)".contains("format 99, newer than this build reads") }
        }
    }

    @Test func aJournalFromANewerAgent_isRefusedByName() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Data("{\"format\":99}\n".utf8).write(to: URL(fileURLWithPath: path + "/journal-0.jsonl"))
            #expect {
                _ = try AgentStore(directory: path, agency: police, logger: logger)
            } throws: { "\($0)".contains("format 99, newer than this concord-agent reads") }
        }
    }

    // MARK: Property-based

    static func gen<T: Sendable>(
        _ make: @Sendable @escaping (inout Arbitrary<AgentSeededBridge>) -> T
    ) -> Generator<T, Shrink.None<T>> {
        Generator { rng in
            var arbitrary = Arbitrary(AgentSeededBridge(base: rng))
            let value = make(&arbitrary)
            rng = arbitrary.rng.base
            return value
        }
    }

    @Test func journalEntries_roundTrip() async {
        await propertyCheck(
            count: 200,
            input: Self.gen { r -> JournalEntry in
                switch r.int(0...3) {
                case 0: return .edit(r.change())
                case 1: return .answered(r.list(0...3) { $0.result() }, at: r.timestamp())
                case 2: return .pulled(r.pull(), at: r.timestamp())
                default: return .plans(r.list(0...3) { $0.planSummary() })
                }
            }
        ) { entry in
            let broken = FormatLaws.broken(by: entry)
            #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
        }
    }

    @Test func snapshots_roundTrip() async {
        await propertyCheck(
            count: 100,
            input: Self.gen { r -> Snapshot in
                var state = AgentState(agency: r.agency())
                state.cursor = r.int64()
                state.timeline = r.maybe { $0.int64() }
                for action in r.list(0...4, { $0.action() }) { state.records[action.address] = action }
                state.pending = r.list(0...3) { $0.change() }
                state.acknowledged = r.list(0...2) {
                    AcknowledgedChange(
                        change: $0.change(), revision: $0.int64(), hubValues: [$0.field().rawValue: $0.fieldValue()])
                }
                state.answers = r.list(0...3) { $0.result() }
                for conflict in r.list(0...2, { $0.conflictRecord() }) { state.conflicts[conflict.id] = conflict }
                for plan in r.list(0...2, { $0.planSummary() }) { state.plans[plan.id] = plan }
                state.lastPush = r.maybe { $0.timestamp() }
                state.lastPull = r.maybe { $0.timestamp() }
                return Snapshot(state, generation: r.int(0...1000))
            }
        ) { snapshot in
            let broken = FormatLaws.broken(by: snapshot)
            #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
            #expect((try? Snapshot.read(snapshot.json))?.state == snapshot.state)
        }
    }

    @Test func everyStoreFormatShape_listsEveryStoredProperty() {
        let unlisted =
            FormatLaws.unlisted(Snapshot.self) + FormatLaws.unlisted(AcknowledgedChange.self)
            + FormatLaws.unlisted(JournalEntry.Form.self) + FormatLaws.unlisted(JournalEntry.Answered.self)
            + FormatLaws.unlisted(JournalEntry.Pulled.self) + FormatLaws.unlisted(JournalHeader.self)
        #expect(unlisted.isEmpty, "\(unlisted)")
    }

    // MARK: Making the fixtures

    /// Writes Fixtures/agent-store/vN for the current version N (run with
    /// CONCORD_WRITE_FIXTURES=1 when a format gets a new version; earlier versions' files are
    /// never rewritten). Version 1 was made from version 2's files as a version-1 agent wrote
    /// them: the snapshot without `acknowledged` and `timeline`, the journal without its header.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONCORD_WRITE_FIXTURES"] == "1"))
    func fixturesAreWritten() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            let plan = try PlanID("child-m")
            try store.recordPlans([
                PlanSummary(id: plan, title: "Child M", scheme: "standard", actions: 3, rag: ["amber": 3])
            ])
            let first = pulled([hubRecord("3.1"), hubRecord("3.2")], cursor: 7)
            try store.recordPull(first, raw: first.json, at: now)
            try store.recordEdit(
                Change(
                    id: Self.a, action: address("child-m/3.1"), baseRevision: 1,
                    append: [.note(ProgressNote(id: Self.a, text: "Training held", author: police))]))
            try store.recordEdit(
                Change(
                    id: Self.b, action: address("child-m/3.2"), baseRevision: 1,
                    fields: [.progress: FieldChange(from: .text("Performance at 97%"), to: .text("Venue booked"))]))
            try store.recordAnswers(
                [ChangeResult(id: Self.a, action: address("child-m/3.1"), outcome: .applied, revision: 2, seq: 8)],
                at: now)
            try store.compact()
            try store.recordEdit(
                Change(
                    id: Self.c, action: address("child-m/3.2"), baseRevision: 1,
                    append: [.note(ProgressNote(id: Self.c, text: "Invitations sent", author: police))]))
            try store.recordPull(pulled([hubRecord("3.3")], cursor: 9), at: now)
            let target = Self.fixtures.appendingPathComponent("v\(Snapshot.history.current)")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for name in ["state-1.json", "journal-1.jsonl"] {
                try FileManager.default.copyItem(atPath: path + "/" + name, toPath: target.path + "/" + name)
            }
        }
    }
}

struct AgentSeededBridge: RandomNumberGenerator {
    var base: any SeededRandomNumberGenerator
    mutating func next() -> UInt64 { base.next() }
}
