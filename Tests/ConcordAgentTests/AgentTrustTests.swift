import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// A progress edit of child-m/3.1 as the agent would record it from its view.
private func progressEdit(from: String?, to: String, base: Int64) -> Change {
    Change(
        action: address("child-m/3.1"), baseRevision: base,
        fields: [.progress: FieldChange(from: from.map(FieldValue.text) ?? .null, to: .text(to))])
}

private func applied(_ change: Change, revision: Int64, seq: Int64) -> ChangeResult {
    ChangeResult(id: change.id, action: change.action, outcome: .applied, revision: revision, seq: seq)
}

/// The hub's merge of `change` into `record`, as police.
private func hubMerge(_ change: Change, into record: Action) -> MergeResult {
    merge(change, into: record, context: MergeContext(actor: police, role: .agency, now: now))
}

@Suite("The local view keeps the agency's own accepted edits")
struct AcknowledgedViewTests {
    @Test func answeredBeforeItsRecordIsPulled_theViewKeepsTheEdit_andTheNextEditIsNoConflict() {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        var hub = hubRecord(revision: 1)

        let first = progressEdit(from: "Performance at 97%", to: "98%", base: 1)
        state.apply(.edit(first))
        let taken = hubMerge(first, into: hub)
        hub = taken.record!
        state.apply(.answered([applied(first, revision: hub.revision, seq: 2)], at: now))
        // The answer came; the record with it has not (a slow link, a reset stream).
        #expect(state.pending.isEmpty)
        #expect(state.view(address("child-m/3.1"))?.progress == "98%")

        // The next edit starts from what the agency sees, which is what the hub has.
        let view = state.view(address("child-m/3.1"))!
        let second = progressEdit(from: view.progress, to: "99%", base: view.revision)
        #expect(hubMerge(second, into: hub).outcome == .applied)
    }

    @Test func aStalePullDoesNotTakeTheEditAway_theRecordAtTheAnsweredRevisionDoes() {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        let edit = progressEdit(from: "Performance at 97%", to: "98%", base: 1)
        state.apply(.edit(edit))
        state.apply(.answered([applied(edit, revision: 3, seq: 5)], at: now))

        // A stream answer sent before the hub took the edit (revision 2, another agency's).
        var older = hubRecord(revision: 2)
        older.leadOfficer = "DI Shaw"
        state.apply(.pulled(pulled([older], cursor: 4), at: now))
        #expect(state.view(address("child-m/3.1"))?.progress == "98%")
        #expect(state.view(address("child-m/3.1"))?.leadOfficer == "DI Shaw")
        #expect(state.acknowledged.count == 1)

        var current = older
        current.progress = "98%"
        current.revision = 3
        state.apply(.pulled(pulled([current], cursor: 5), at: now))
        #expect(state.acknowledged.isEmpty)
        #expect(state.view(address("child-m/3.1")) == current)
    }

    @Test func aConflictAnswer_showsTheHubsValueForThatField_andTakesTheRest() {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        let edit = Change(
            action: address("child-m/3.1"), baseRevision: 1,
            fields: [
                .progress: FieldChange(from: .text("Performance at 97%"), to: .text("ours")),
                .leadOfficer: FieldChange(from: .null, to: .text("DS Patel")),
            ])
        state.apply(.edit(edit))
        let notice = ConflictNotice(
            id: 9,
            conflict: FieldConflict(
                field: .progress, base: .text("Performance at 97%"), hub: .text("theirs"), incoming: .text("ours")))
        state.apply(
            .answered(
                [
                    ChangeResult(
                        id: edit.id, action: edit.action, outcome: .conflict, revision: 3, seq: 4, conflicts: [notice])
                ], at: now))
        let view = state.view(address("child-m/3.1"))
        #expect(view?.progress == "theirs")
        #expect(view?.leadOfficer == "DS Patel")
    }

    @Test func aRejection_leavesNothingOnTheView() {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        let edit = progressEdit(from: "Performance at 97%", to: "98%", base: 1)
        state.apply(.edit(edit))
        state.apply(
            .answered(
                [ChangeResult(id: edit.id, action: edit.action, outcome: .rejected, revision: 1, seq: 0)], at: now))
        #expect(state.acknowledged.isEmpty)
        #expect(state.view(address("child-m/3.1"))?.progress == "Performance at 97%")
    }

    @Test func theHubRestoredFromABackup_sendsAcceptedButUnpulledEditsAgain() {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        let edit = progressEdit(from: "Performance at 97%", to: "98%", base: 1)
        state.apply(.edit(edit))
        state.apply(.answered([applied(edit, revision: 2, seq: 2)], at: now))
        var reset = pulled([hubRecord(revision: 1)], cursor: 1)
        reset.reset = true
        state.apply(.pulled(reset, at: now))
        #expect(state.pending.map(\.id) == [edit.id])
        #expect(state.acknowledged.isEmpty)
        #expect(state.view(address("child-m/3.1"))?.progress == "98%")
    }

    @Test func acknowledgedEdits_surviveAReopenAndACompaction() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            let edit = progressEdit(from: "Performance at 97%", to: "98%", base: 1)
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                try store.recordPull(pulled([hubRecord(revision: 1)], cursor: 1), at: now)
                try store.recordEdit(edit)
                try store.recordAnswers([applied(edit, revision: 2, seq: 2)], at: now)
            }
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                #expect(store.state.acknowledged.map(\.change.id) == [edit.id])
                try store.compact()
            }
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(store.state.view(address("child-m/3.1"))?.progress == "98%")
        }
    }
}

@Suite("The agent's store on real disks")
struct AgentStoreFaultTests {
    /// The state a store holds after a pull, a compaction and edits on both sides of it.
    private func storeWithHistory(_ path: String) throws -> AgentState {
        let store = try AgentStore(directory: path, agency: police, logger: logger)
        try store.recordPull(pulled([hubRecord(), hubRecord("3.2")], cursor: 7), at: now)
        try store.recordEdit(noteChange("before compaction"))
        try store.compact()
        try store.recordEdit(noteChange("after compaction"))
        return store.state
    }

    @Test func compactionInterruptedBeforeItsSnapshotRename_losesNothingOverTwoRestarts() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            var expected = try storeWithHistory(path)
            // Compaction 2 died after opening journal-2, with its snapshot half written.
            FileManager.default.createFile(atPath: path + "/journal-2.jsonl", contents: Data())
            FileManager.default.createFile(atPath: path + "/state-2.json.tmp", contents: Data("{\"formatVer".utf8))
            let late = noteChange("after the interrupted compaction")
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                #expect(store.state == expected)
                try store.recordEdit(late)
                expected = store.state
            }
            do {
                let store = try AgentStore(directory: path, agency: police, logger: logger)
                #expect(store.state == expected)
            }
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            #expect(store.state == expected)
            #expect(store.state.records.count == 2 && store.state.pending.count == 3)
            #expect(!FileManager.default.fileExists(atPath: path + "/state-2.json.tmp"))
        }
    }

    @Test func snapshotThatCannotBeWritten_losesNothing_andTheNextCompactionSucceeds() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("state").path
            var expected = try storeWithHistory(path)
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            // A directory where the snapshot's temporary file goes makes the write fail.
            try FileManager.default.createDirectory(
                atPath: path + "/state-2.json.tmp", withIntermediateDirectories: false)
            #expect(throws: (any Error).self) { try store.compact() }
            try FileManager.default.removeItem(atPath: path + "/state-2.json.tmp")
            try store.recordEdit(noteChange("after the failed compaction"))
            expected = store.state
            #expect(try AgentStore.reopenState(path) == expected)
            try store.compact()
            try store.recordEdit(noteChange("after the next one"))
            expected = store.state
            #expect(try AgentStore.reopenState(path) == expected)
        }
    }

    /// A full disk mid-line: the fragment is cut off, the edit is refused, and the next edit
    /// (once there is room) is acknowledged and survives a restart. Needs root to mount a
    /// small tmpfs; CI runs as root.
    @Test(.enabled(if: getuid() == 0, "mounts a tmpfs: needs root"))
    func diskFullMidLine_refusesThatEdit_andTheNextAcknowledgedEditSurvivesARestart() async throws {
        try await withTemporaryDirectory { dir in
            let mount = dir.appendingPathComponent("small").path
            try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: false)
            let out = try await ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount])
            try #require(out.status == 0, "mount: \(out.output)")
            do {
                try fillTheDiskMidLine(mount)
            } catch {
                _ = try? await ChildProcess.run("/bin/umount", [mount])
                throw error
            }
            _ = try await ChildProcess.run("/bin/umount", [mount])
        }
    }

    private func fillTheDiskMidLine(_ mount: String) throws {
        do {
            let path = mount + "/state"
            let store = try AgentStore(directory: path, agency: police, logger: logger)
            try store.recordPull(pulled([hubRecord()], cursor: 1), at: now)
            try store.recordEdit(noteChange("before the disk filled"))
            // Fill the disk, then free less than the next line needs.
            let filler = mount + "/filler"
            let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
            let block = [UInt8](repeating: 0x20, count: 4096)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            ftruncate(fd, lseek(fd, 0, SEEK_END) - 2048)
            close(fd)
            let big = noteChange(String(repeating: "a long note ", count: 600))
            #expect(throws: (any Error).self) { try store.recordEdit(big) }
            #expect(store.state.pending.count == 1)
            // A snapshot cannot be written either: its half-written file is not left taking
            // the space.
            #expect(throws: (any Error).self) { try store.compact() }
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
            #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
            try FileManager.default.removeItem(atPath: filler)
            let next = noteChange("after room was made")
            try store.recordEdit(next)
            let expected = store.state
            #expect(expected.pending.map(\.id).contains(next.id))
            #expect(try AgentStore.reopenState(path) == expected)
        }
    }
}

extension AgentStore {
    /// The state a fresh start would read from `path`, while the store there stays open
    /// (its lock refuses a second store on the same directory, so a copy is read).
    static func reopenState(_ path: String) throws -> AgentState {
        let copy = path + "-copy-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try? FileManager.default.removeItem(atPath: copy + "/agent.lock")
        return try AgentStore(directory: copy, agency: police, logger: logger).state
    }
}
