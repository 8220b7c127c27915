import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import Testing

@testable import ConcordHub

/// M7: a hub put back from a backup numbers changes anew from the backup's sequence; an
/// agent whose cursor came from the lost timeline must start again, not skip them.
@Suite("Hub restored from a backup")
struct RestoreTests {
    static let admin = Principal(agency: try! AgencyID("lscp"), role: .admin)
    static let logger = Logger(label: "restore-test")

    static func notes(_ n: Int, _ prefix: String) -> [Change] {
        (0..<n).map { i in
            Change(
                action: address("child-m/3.1"), baseRevision: 1,
                append: [.note(ProgressNote(text: "\(prefix) \(i)", author: admin.agency))])
        }
    }

    @Test func cursorOfTheLostTimeline_startsAgain_evenWhenTheRestoredHubHasOvertakenIt() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("hub.sqlite").path
            let backup = dir.appendingPathComponent("backup.sqlite").path
            do {
                let store = try await Hub(path: path, logger: Self.logger)
                for id in ["lscp", "csc", "police", "icb", "education", "probation", "nhs-trust"] {
                    _ = try await store.addAgency(
                        AgencyRequest(id: try AgencyID(id), name: id, role: id == "lscp" ? .admin : .agency))
                }
                let csv = try String(
                    contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
                _ = try await store.importPlan(
                    PlanImportRequest(id: try PlanID("child-m"), title: "Child M", csv: csv), by: Self.admin)
                try store.close()
            }
            // The backup: the database as it stood (with its WAL, as an online backup has it).
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: backup + suffix)
            }

            // After the backup: changes an agent pulls, then the hub is restored.
            let lost: (cursor: Int64, timeline: Int64)
            do {
                let store = try await Hub(path: path, logger: Self.logger)
                _ = try await store.push(Self.notes(5, "lost"), by: Self.admin)
                let page = try await store.pull(since: 0, limit: 1000, for: Self.admin)
                lost = (page.cursor, page.timeline)
                try store.close()
            }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: backup + suffix) {
                try FileManager.default.copyItem(atPath: backup + suffix, toPath: path + suffix)
            }

            let store = try await Hub(path: path, logger: Self.logger)
            #expect(store.timeline != lost.timeline, "a restored database gets a new timeline")
            // The restored hub numbers new changes past the agent's old cursor.
            _ = try await store.push(Self.notes(8, "new"), by: Self.admin)
            #expect(try await store.latestSequence() > lost.cursor)

            let page = try await store.pull(since: lost.cursor, limit: 1000, timeline: lost.timeline, for: Self.admin)
            #expect(page.reset)
            let response = try page.response
            let record = try #require(response.actions.first { $0.address == address("child-m/3.1") })
            #expect(record.notes.map(\.text) == (0..<8).map { "new \($0)" })
            #expect(response.timeline == store.timeline)
            // The same cursor on the hub's own timeline goes on from where it is.
            let own = try await store.pull(since: lost.cursor, limit: 1000, timeline: store.timeline, for: Self.admin)
            #expect(!own.reset)
            try store.close()

            // A restart that is not a restore keeps the timeline.
            let again = try await Hub(path: path, logger: Self.logger)
            #expect(again.timeline == store.timeline)
            try again.close()
        }
    }
}
