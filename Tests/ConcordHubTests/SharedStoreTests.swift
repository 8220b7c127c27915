import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import Testing

@testable import ConcordHub

/// Two hubs on one PostgreSQL database, as two processes would be: what one commits, the
/// other hears (LISTEN/NOTIFY), reads once, and answers its waiting pulls with from memory —
/// answers that must be its database's, byte for byte.
@Suite("Two hubs on one PostgreSQL database", .serialized)
struct SharedStoreTests {
    /// A second hub on the served hub's database.
    static func withSecondHub(_ hub: TestHub, _ body: (Hub) async throws -> Void) async throws {
        let config = try HubConfig.load(file: hub.dir.appendingPathComponent("hub.json").path, environment: [:])
        let other = try await Hub.open(
            try config.databaseLocation(environment: [:]), logger: Logger(label: "second-hub"))
        do {
            try await body(other)
        } catch {
            try? other.close()
            throw error
        }
        try other.close()
    }

    // Long: one randomised run, pushes through either hub and the other's answers checked after each.
    @Test func theOtherHubsFeed_answersAsItsDatabase_forEveryCallerAndCursor() async throws {
        try await withTestHub(store: .postgres) { hub in
            _ = try await hub.seed()
            try await Self.withSecondHub(hub) { other in
                let hubs = [hub.store, other]
                let admin = Principal(agency: try AgencyID("lscp"), role: .admin)
                let agencies = try ["csc", "police", "icb", "education", "probation", "nhs-trust"].map(AgencyID.init)
                let callers = agencies.map { Principal(agency: $0, role: .agency) } + [admin]
                var random = ChangeFeedTests.Random(state: 20_261_130)
                var fromFeed = 0
                var fromDatabase = 0
                for step in 0..<80 {
                    // Mostly through the served hub; now and then through the other one.
                    let writer = random.next(4) == 0 ? 1 : 0
                    let reader = hubs[1 - writer]
                    let plan = try await hubs[writer].plan(PlanID("child-m"), for: admin)
                    let action = plan.actions[random.next(plan.actions.count)]
                    let partners = [action.ownerAgency] + action.supportingAgencies
                    let author = Principal(agency: partners[random.next(partners.count)], role: .agency)
                    let stale = random.next(5) == 0
                    let from: FieldValue = stale ? .text("stale \(step)") : action.value(of: .progress)
                    let result = try await hubs[writer].push(
                        [
                            Change(
                                action: action.address, baseRevision: action.revision,
                                fields: [.progress: FieldChange(from: from, to: .text("Step \(step)"))])
                        ], by: author
                    ).results[0]
                    // From the value the database holds, whichever hub last changed it: applied
                    // (a hub merging against a copy of its own that the other hub made stale
                    // would call it a conflict).
                    #expect(stale || result.outcome == .applied, "step \(step): \(result.outcome)")
                    let latest = try await hubs[writer].latestSequence()
                    let heard = try await eventually(timeout: .seconds(10), every: .milliseconds(2)) {
                        await reader.feed.latestSequence >= latest
                    }
                    #expect(heard, "step \(step): the other hub never heard of sequence \(latest)")
                    for caller in callers {
                        for back in [1, 2, 3, 6] where latest - Int64(back) >= 0 {
                            let since = latest - Int64(back)
                            let database = try await reader.pull(since: since, limit: 1000, for: caller)
                            guard var page = await reader.feed.page(since: since, limit: 1000, for: Visibility(caller))
                            else {
                                fromDatabase += 1
                                continue
                            }
                            fromFeed += 1
                            page.timeline = reader.timeline
                            #expect(
                                page.json == database.json,
                                "step \(step), \(caller.agency) since \(since): the feed and the database differ")
                        }
                    }
                }
                // The other hub's commits were answered from memory, not only from the database.
                #expect(fromFeed > 500, "feed \(fromFeed), database \(fromDatabase)")
            }
        }
    }

    /// A redaction through one hub: the other answers pulls from memory with the redacted
    /// record and conflict only, as its database does (issue 14).
    @Test func aRedactionThroughOneHub_isAllTheOthersFeedSends() async throws {
        try await withTestHub(store: .postgres) { hub in
            let tokens = try await hub.seed()
            try await Self.withSecondHub(hub) { other in
                let (police, csc) = (hub.client(tokens["police"]), hub.client(tokens["csc"]))
                let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
                let was = try #require(plan.actions.first { $0.ref.rawValue == "3.1" }).value(of: .progress)
                let start = try await hub.store.latestSequence()
                _ = try await police.push([edit("child-m/3.1", [.progress: (was, .text("At LS6 2QT"))])])
                _ = try await csc.push([edit("child-m/3.1", [.progress: (was, .text("Seen at LS6 2QT"))])])
                let answer: RedactionResponse = try await hub.admin.post(
                    "/v1/actions/child-m/3.1/redact",
                    RedactionRequest(field: "progress", kind: .postcode, reason: "An address"))
                #expect(answer.copies == 4)
                let latest = try await hub.store.latestSequence()
                let heard = try await eventually(timeout: .seconds(10), every: .milliseconds(2)) {
                    await other.feed.latestSequence >= latest
                }
                #expect(heard)
                var fromFeed = 0
                for agency in ["police", "csc", "lscp"] {
                    let caller = Principal(agency: try AgencyID(agency), role: agency == "lscp" ? .admin : .agency)
                    let database = try await other.pull(since: start, limit: 1000, for: caller)
                    #expect(
                        !String(decoding: database.json, as: UTF8.self).contains("LS6 2QT"), "\(agency): the database")
                    if var page = await other.feed.page(since: start, limit: 1000, for: Visibility(caller)) {
                        page.timeline = other.timeline
                        #expect(
                            String(decoding: page.json, as: UTF8.self)
                                == String(decoding: database.json, as: UTF8.self),
                            "\(agency): the feed and the database differ")
                        fromFeed += 1
                    }
                }
                #expect(fromFeed == 3, "the other hub answered from memory")
            }
        }
    }

    @Test func aTokenRevokedThroughOneHub_isRefusedByTheOther_andItsWaitsEnd() async throws {
        try await withTestHub(store: .postgres) { hub in
            let tokens = try await hub.seed()
            try await Self.withSecondHub(hub) { other in
                let police = try #require(tokens["police"])
                #expect(try await other.authenticate(token: police)?.agency.rawValue == "police")
                let interruptions = await other.feed.interruptions
                try await hub.store.revokeTokens(of: AgencyID("police"))
                let refused = try await eventually(timeout: .seconds(10), every: .milliseconds(5)) {
                    try await other.authenticate(token: police) == nil
                }
                #expect(refused, "the other hub still takes the revoked token")
                #expect(await other.feed.interruptions > interruptions)
            }
        }
    }
}
