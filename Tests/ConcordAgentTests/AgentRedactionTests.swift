import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent

/// Issue 14 at the agent: a redaction at the hub keeps the record's revision, so the agent
/// must not go back to an unredacted copy, and what it kept of conflicts follows the hub's.
@Suite("A redaction at the agent")
struct AgentRedactionTests {
    @Test func atTheSameRevision_aCopyWithFewerRedactionMarkers_neverReplacesTheRedactedOne() {
        var state = AgentState(agency: police)
        var before = hubRecord(revision: 4)
        before.progress = "Moved to LS6 2QT"
        var redacted = before
        redacted.progress = "Moved to [redacted: postcode]"
        state.apply(.pulled(pulled([redacted], cursor: 9), at: now))
        // A long-poll answered before the redaction arrives after it (two pulls overlap).
        state.apply(.pulled(pulled([before], cursor: 8), at: now))
        #expect(state.records[address("child-m/3.1")]?.progress == "Moved to [redacted: postcode]")
        // A later revision is taken, markers or not.
        var later = hubRecord(revision: 5)
        later.progress = "Done"
        state.apply(.pulled(pulled([later], cursor: 10), at: now))
        #expect(state.records[address("child-m/3.1")]?.progress == "Done")
    }

    @Test func anAnswerThatToldOfAConflict_tellsItsValuesAsTheHubHoldsThemNow() throws {
        var state = AgentState(agency: police)
        state.apply(.pulled(pulled([hubRecord(revision: 1)], cursor: 1), at: now))
        let change = Change(
            action: address("child-m/3.1"), baseRevision: 1,
            fields: [.progress: FieldChange(from: .text("Performance at 97%"), to: .text("At LS6 2QT"))])
        state.apply(.edit(change))
        let conflict = FieldConflict(
            field: .progress, base: .text("Performance at 97%"), hub: .text("98%"), incoming: .text("At LS6 2QT"))
        var result = ChangeResult(
            id: change.id, action: change.action, outcome: .conflict, revision: 2, seq: 2)
        result.conflicts = [ConflictNotice(id: 7, conflict: conflict)]
        state.apply(.answered([result], at: now))
        var record = ConflictRecord(
            id: 7, changeId: change.id, agency: police, action: change.action, conflict: conflict, createdAt: now)
        record.incoming = .text("At [redacted: postcode]")
        var response = pulled([], cursor: 12)
        response.conflicts = [record]
        #expect(Agent.bringsRedaction(response, raw: nil, kept: state))
        state.apply(.pulled(response, at: now))
        let kept = try #require(state.answers.first { $0.id == change.id })
        #expect(kept.conflicts.map(\.incoming) == [.text("At [redacted: postcode]")])
        #expect(!String(decoding: kept.json, as: UTF8.self).contains("LS6 2QT"))
        #expect(!Agent.bringsRedaction(response, raw: nil, kept: state), "no more markers than kept: no rewrite")
    }
}
