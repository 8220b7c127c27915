import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

/// Waiting pulls are answered from the change feed's last batches; whenever the feed answers,
/// its answer must be the database's, byte for byte, for every caller and cursor.
@Suite("Change feed answers")
struct ChangeFeedTests {
    /// A small seeded generator, so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
    }

    @Test(arguments: TestStore.allCases) func feedAnswers_equalTheDatabases_forEveryCallerAndCursor_throughRandomPushes(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            _ = try await hub.seed()
            let store = hub.store
            let admin = Principal(agency: try AgencyID("lscp"), role: .admin)
            let agencies = try ["csc", "police", "icb", "education", "probation", "nhs-trust"].map(AgencyID.init)
            let callers =
                agencies.map { Principal(agency: $0, role: .agency) } + [
                    admin, Principal(agency: try AgencyID("scrutiny"), role: .viewer),
                ]
            var random = Random(state: 20_261_123)
            var fromFeed = 0, fromDatabase = 0, conflictsSent = 0
            var created = 0
            for step in 0..<150 {
                let plan = try await store.plan(PlanID("child-m"), for: admin)
                let action = plan.actions[random.next(plan.actions.count)]
                let partners = [action.ownerAgency] + action.supportingAgencies
                let author = partners[random.next(partners.count)]
                let principal = Principal(agency: author, role: .agency)
                switch random.next(10) {
                case 0:
                    // A new action, sometimes led by an agency new to the plan (records are
                    // then re-sequenced, and the database must answer).
                    created += 1
                    let owner = agencies[random.next(agencies.count)]
                    _ = try await store.push(
                        [
                            Change(
                                action: ActionAddress(plan: PlanID("child-m"), ref: ActionRef("90.\(created)")),
                                baseRevision: 0, create: true,
                                fields: [
                                    .title: FieldChange(from: .null, to: .text("New \(step)")),
                                    .ownerAgency: FieldChange(from: .null, to: .text(owner.rawValue)),
                                ])
                        ], by: admin)
                case 1:
                    // The admin resolves an open conflict (published without a batch).
                    let open = try await store.conflicts(for: admin, status: .open)
                    if let conflict = open.first {
                        _ = try await store.resolve(
                            conflict.id, ResolveRequest(choice: .keepHub, value: nil, rationale: "Agreed"), by: admin)
                    }
                default:
                    // One to three edits in a batch: from the hub's value (applied), or from a
                    // stale one (a conflict); sometimes the same action twice.
                    var changes: [Change] = []
                    for n in 0..<(1 + random.next(3)) {
                        let target =
                            n > 0 && random.next(2) == 0 ? action : plan.actions[random.next(plan.actions.count)]
                        let stale = random.next(4) == 0
                        let from: FieldValue = stale ? .text("stale \(step)") : target.value(of: .progress)
                        changes.append(
                            Change(
                                action: target.address, baseRevision: target.revision,
                                fields: [.progress: FieldChange(from: from, to: .text("Step \(step).\(n)"))]))
                        if !stale { break }  // a second edit of the same record would start from a stale value
                    }
                    _ = try await store.push(changes, by: principal)
                }
                let latest = try await store.latestSequence()
                for caller in callers {
                    for back in [1, 2, 3, 5, 8, 40] where latest - Int64(back) >= 0 {
                        let since = latest - Int64(back)
                        let database = try await store.pull(since: since, limit: 1000, for: caller)
                        guard var feed = await store.feed.page(since: since, limit: 1000, for: Visibility(caller))
                        else {
                            fromDatabase += 1
                            continue
                        }
                        fromFeed += 1
                        feed.timeline = store.timeline  // as Hub.fresh answers it
                        conflictsSent += feed.conflicts.count
                        let same = feed.json == database.json
                        #expect(
                            same,
                            "step \(step), \(caller.agency) since \(since):\nfeed: \(String(decoding: feed.json, as: UTF8.self))\ndb:   \(String(decoding: database.json, as: UTF8.self))"
                        )
                    }
                }
            }
            // Both ways were taken, and conflicts were among what the feed sent.
            #expect(fromFeed > 1000 && fromDatabase > 100, "feed \(fromFeed), database \(fromDatabase)")
            #expect(conflictsSent > 0)
        }
    }

    @Test(arguments: TestStore.allCases) func afterARestart_orAnImport_theDatabaseAnswers(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let store = hub.store
            let csc = Principal(agency: try AgencyID("csc"), role: .agency)
            let before = try await store.latestSequence()
            // Nothing kept yet: the seed was an import.
            #expect(await store.feed.page(since: before - 1, limit: 1000, for: Visibility(csc)) == nil)
            let current = try await hub.client(tokens["police"]).pull().actions.first { $0.ref.rawValue == "3.1" }!
            _ = try await hub.client(tokens["police"]).push([
                edit("child-m/3.1", [.progress: (current.progress.map(FieldValue.text) ?? .null, .text("Fed"))])
            ])
            let page = try #require(await store.feed.page(since: before, limit: 1000, for: Visibility(csc)))
            #expect(page.records.count == 1 && page.cursor == before + 1)
            // A cursor from before what the feed keeps goes to the database.
            #expect(await store.feed.page(since: before - 1, limit: 1000, for: Visibility(csc)) == nil)
        }
    }

    /// A batch that concerns a waiter wakes it; one that does not leaves it asleep, unless it
    /// starts after what the waiter saw: the commit before it, not heard yet (another
    /// process's), may be for the waiter.
    @Test func aWaitIsWokenByWhatConcernsIt_orByABatchWithAGapBeforeIt() async throws {
        let police = try AgencyID("police"), csc = try AgencyID("csc")
        let visibility = Visibility(Principal(agency: police, role: .agency))
        func batch(after: Int64, plan: String, readers: Set<AgencyID>) throws -> FeedBatch {
            let address = ActionAddress(plan: try PlanID(plan), ref: try ActionRef("1.1"))
            return FeedBatch(
                after: after, through: after + 1,
                records: [FeedBatch.Record(seq: after + 1, address: address, json: "{}")],
                conflicts: [], readers: [try PlanID(plan): readers])
        }
        for (published, woken) in [
            (try batch(after: 8, plan: "other", readers: [csc]), false),  // nothing for police
            (try batch(after: 8, plan: "mine", readers: [police]), true),  // police's plan
            (try batch(after: 9, plan: "other", readers: [csc]), true),  // seq 9 unheard: may be police's
        ] {
            let feed = ChangeFeed(latest: 8)
            let waiting = Task { await feed.wait(beyond: 8, timeout: .seconds(60), for: visibility) }
            _ = await eventually { await feed.waiting == 1 }
            // The feed ends a wait inside publish: what is left waiting right after it was not woken.
            await feed.publish(published.through, batch: published)
            let stillWaiting = await feed.waiting
            #expect(
                (stillWaiting == 0) == woken,
                "batch after \(published.after) of \(published.records[0].address.plan): \(stillWaiting) waiting")
            await feed.close()
            await waiting.value
        }
        // Two batches in a row with nothing for the waiter: the second does not wake it
        // either (after the first, the waiter has seen everything up to it).
        let feed = ChangeFeed(latest: 8)
        let waiting = Task { await feed.wait(beyond: 8, timeout: .seconds(60), for: visibility) }
        _ = await eventually { await feed.waiting == 1 }
        for published in [
            try batch(after: 8, plan: "other", readers: [csc]), try batch(after: 9, plan: "x", readers: [csc]),
        ] {
            await feed.publish(published.through, batch: published)
        }
        #expect(await feed.waiting == 1, "a waiter was woken by batches with nothing for it")
        await feed.publish(11, batch: try batch(after: 10, plan: "mine", readers: [police]))
        #expect(await feed.waiting == 0, "a waiter slept through a batch for it")
        await feed.close()
        await waiting.value
    }
}
