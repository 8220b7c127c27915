import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import Testing

@testable import ConcordHub

/// When the hub last heard from each agency outlives the hub process.
@Suite("Agency contact")
struct ContactTests {
    @Test func lastContactAndLastPush_areStored_andSurviveARestart() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("hub.sqlite").path
            let police = try AgencyID("police")
            do {
                let hub = try await Hub(path: path, logger: Logger(label: "contact-test"))
                _ = try await hub.addAgency(AgencyRequest(id: police, name: "Police", role: .agency))
                _ = try await hub.addAgency(AgencyRequest(id: try AgencyID("icb"), name: "ICB", role: .agency))
                hub.heard(from: police, pushed: true)
                // Stored in the background: wait for the row.
                let stored = try await eventually {
                    (try? await hub.storage.agency(police))??.lastPush != nil
                }
                #expect(stored)
                try hub.close()
            }
            let hub = try await Hub(path: path, logger: Logger(label: "contact-test"))
            defer { try? hub.close() }
            let agencies = Dictionary(uniqueKeysWithValues: try await hub.agencies().map { ($0.id.rawValue, $0) })
            #expect(agencies["police"]?.lastContact != nil)
            #expect(agencies["police"]?.lastPush == agencies["police"]?.lastContact)
            #expect(agencies["icb"]?.lastContact == nil)
        }
    }

    @Test func contactsAreWrittenWhenFirstHeard_thenAtMostOnceAMinute() {
        let book = ContactBook()
        let police = try! AgencyID("police")
        let t0 = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let first = book.note(police, at: t0, pushed: false)
        #expect(first?[police]?.lastSeen == t0)
        book.wrote(first!, stored: true)
        #expect(book.note(police, at: Timestamp(millisecondsSinceEpoch: 1_030_000), pushed: false) == nil)
        // A first push is written at once; a failed write is tried again at the next contact.
        let pushed = book.note(police, at: Timestamp(millisecondsSinceEpoch: 1_031_000), pushed: true)
        #expect(pushed?[police]?.lastPush != nil)
        book.wrote(pushed!, stored: false)
        #expect(book.note(police, at: Timestamp(millisecondsSinceEpoch: 1_032_000), pushed: false) != nil)
    }
}
