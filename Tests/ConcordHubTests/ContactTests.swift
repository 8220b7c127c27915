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
    @Test(arguments: TestStore.allCases) func lastContactAndLastPush_areStored_andSurviveARestart(
        _ store: TestStore
    ) async throws {
        try await withTemporaryDirectory { dir in
            try await withDatabase(store, in: dir) { location in
                let police = try AgencyID("police")
                do {
                    let hub = try await Hub.open(location, logger: Logger(label: "contact-test"))
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
                let hub = try await Hub.open(location, logger: Logger(label: "contact-test"))
                defer { try? hub.close() }
                let agencies = Dictionary(uniqueKeysWithValues: try await hub.agencies().map { ($0.id.rawValue, $0) })
                #expect(agencies["police"]?.lastContact != nil)
                #expect(agencies["police"]?.lastPush == agencies["police"]?.lastContact)
                #expect(agencies["icb"]?.lastContact == nil)
            }
        }
    }

    @Test func contactsAreWrittenWhenFirstHeard_thenAtMostOnceAMinute() {
        let book = ContactBook()
        let police = try! AgencyID("police")
        let icb = try! AgencyID("icb")
        func at(_ seconds: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: 1_000_000 + seconds * 1000) }
        let first = book.note(police, at: at(0), pushed: false)
        #expect(first?[police]?.lastSeen == at(0))
        // icb falls due while police's write runs: it is written when that write ends.
        #expect(book.note(icb, at: at(1), pushed: false) == nil)
        let next = book.wrote(first!, at: at(1), stored: true)
        #expect(next.map { Set($0.keys) } == [icb])
        #expect(book.wrote(next!, at: at(2), stored: true) == nil)
        #expect(book.note(police, at: at(30), pushed: false) == nil)
        // A first push is written at once; after a failed write, not again for 10 s.
        let pushed = book.note(police, at: at(31), pushed: true)
        #expect(pushed?[police]?.lastPush == at(31))
        #expect(book.wrote(pushed!, at: at(31), stored: false) == nil)
        #expect(book.note(police, at: at(35), pushed: true) == nil)
        #expect(book.note(police, at: at(42), pushed: true)?[police]?.lastPush == at(42))
        #expect(Set(book.unwritten.keys) == [police])
    }
}
