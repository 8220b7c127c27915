import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordHub

@Suite("The committee report at the hub", .serialized)
struct ReportHubTests {
    /// The report replays the audit trail through the merge; replayed to now, it must give
    /// exactly the records the hub holds, whatever happened: edits from stale bases
    /// (conflicts), rejected changes, evidence, notes, retractions, date moves, archiving,
    /// resolutions.
    @Test(arguments: TestStore.allCases) func replayingTheTrail_givesTheHubsRecords_afterRandomEdits(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            var rng = SystemRandomNumberGenerator()
            var seed = UInt64.random(in: 0...UInt64.max, using: &rng)
            let note = "seed \(seed)"
            var random = SplitMix(seed: &seed)
            let agencies = ["lscp", "police", "csc", "education", "icb"]
            var evidence: [ActionAddress: [UUID]] = [:]
            for round in 0..<120 {
                let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
                let action = plan.actions[Int(random.next() % UInt64(plan.actions.count))]
                let who = agencies[Int(random.next() % UInt64(agencies.count))]
                let client = hub.client(tokens[who])
                let stale = random.next() % 4 == 0
                func from(_ f: Field) -> FieldValue { stale ? .text("stale \(round)") : action.value(of: f) }
                var change: Change
                switch random.next() % 7 {
                case 0:
                    let rag = ["red", "amber", "green", "blue"][Int(random.next() % 4)]
                    change = edit(action.address.description, [.rag: (from(.rag), .text(rag))])
                case 1:
                    let day = LocalDate(daysSinceEpoch: 20_500 + Int(random.next() % 300))
                    change = edit(
                        action.address.description, [.targetDate: (from(.targetDate), .text(day.description))],
                        reason: "Moved in round \(round)")
                case 2:
                    let item = EvidenceItem(
                        kind: random.next() % 2 == 0 ? .output : .impact, summary: "Evidence \(round)", author: .unset)
                    evidence[action.address, default: []].append(item.id)
                    change = Change(action: action.address, baseRevision: 0, append: [.evidence(item)])
                case 3:
                    let note = ProgressNote(text: "Note \(round)", author: .unset)
                    change = Change(action: action.address, baseRevision: 0, append: [.note(note)])
                case 4:
                    guard let id = evidence[action.address]?.first else { continue }
                    change = Change(
                        action: action.address, baseRevision: 0,
                        append: [.retract(RetractItem(item: id, reason: "Wrong file"))])
                case 5:
                    change = edit(
                        action.address.description, [.progress: (from(.progress), .text("Progress \(round)"))])
                default:
                    change = edit(
                        action.address.description, [.archived: (.flag(action.archived), .flag(!action.archived))])
                }
                _ = try await client.push([change])
            }
            let open = try await hub.store.conflicts(
                for: Principal(agency: AgencyID("lscp"), role: .admin), status: .open)
            for c in open.prefix(3) {
                _ = try? await hub.store.resolve(
                    c.id, ResolveRequest(choice: .takeAgency, rationale: "Agreed"),
                    by: Principal(agency: AgencyID("lscp"), role: .admin))
            }

            let now = Hub.systemTime()
            let plan: Plan = try await hub.admin.get("/v1/plans/child-m")
            let report = Report.build(
                plans: [ReportPlan(id: plan.id, title: plan.title, scheme: .standard)],
                trail: try await hub.store.storage.trail(of: [plan.id], through: now), conflicts: [],
                period: ReportPeriod(asOf: now))
            let replayed = report.plans[0].actions.map(\.record)
            #expect(replayed.count == plan.actions.count, "\(note)")
            let held = Dictionary(uniqueKeysWithValues: plan.actions.map { ($0.address, $0) })
            for record in replayed {
                #expect(record == held[record.address], "\(record.address) differs (\(note))")
            }
            let history = try await hub.store.storage.trail(of: [plan.id], through: now)
            #expect(history.count > 14, "the trail holds the import and the edits (\(note))")
        }
    }

    /// Who reads which report, what `all` holds for each, and bad parameters named.
    @Test(arguments: TestStore.allCases) func reports_followTheReadRule_andRefuseBadParametersByName(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            try await hub.importPlanP2()
            func csv(_ token: String?, _ path: String) async throws -> (Int, String) {
                let r = try await hub.client(token).raw("GET", path)
                return (r.status, r.text)
            }
            // icb leads actions of child-m only; police leads p2's 1.1 and supports child-m.
            var (status, text) = try await csv(tokens["icb"], "/v1/reports/all?format=csv")
            #expect(status == 200 && text.contains("\r\nchild-m,") && !text.contains("\r\np2,"), "\(text)")
            (status, text) = try await csv(tokens["police"], "/v1/reports/all?format=csv")
            #expect(text.contains("\r\nchild-m,") && text.contains("\r\np2,"))
            (status, text) = try await csv(tokens["scrutiny"], "/v1/reports/all?format=csv")
            #expect(status == 200 && text.contains("\r\np2,"))
            (status, text) = try await csv(tokens["icb"], "/v1/reports/p2")
            #expect(status == 403 && text.contains("not a partner in plan p2"))
            (status, text) = try await csv(tokens["lscp"], "/v1/reports/nope")
            #expect(status == 404)
            for (query, code, words) in [
                ("format=pdf", 400, "format must be html, md or csv"),
                ("asOf=yesterday", 400, "asOf must be a date"),
                ("asOf=2026-01-01&since=2026-02-01", 422, "must be before asOf"),
                ("since=last-meeting", 422, "no meeting before"),
                ("since=board-7", 404, "neither a date, a time, 'last-meeting' nor a meeting id"),
            ] {
                (status, text) = try await csv(tokens["lscp"], "/v1/reports/child-m?" + query)
                #expect(status == code && text.contains(words), "\(query): \(status) \(text)")
            }
            // Meetings: a bad id or a blank title is refused; a duplicate is a conflict.
            for (body, code) in [
                (#"{"id":"Board 1","date":"2026-03-12T00:00:00Z","title":"Board"}"#, 422),
                (#"{"id":"board-1","date":"2026-03-12T00:00:00Z","title":"  "}"#, 422),
                (#"{"id":"board-1","date":"2026-03-12T00:00:00Z","title":"Board"}"#, 201),
                (#"{"id":"board-1","date":"2026-04-12T00:00:00Z","title":"Board"}"#, 409),
            ] {
                let r = try await hub.admin.raw("POST", "/v1/meetings", body: Array(body.utf8))
                #expect(r.status == code, "\(body): \(r.text)")
            }
            (status, text) = try await csv(tokens["lscp"], "/v1/reports/child-m?since=board-1&format=md")
            #expect(status == 200 && text.contains("Changes are those since Board (12 March 2026, 00:00 GMT)."))
            for id in ["last-meeting", "2026-03-12"] {
                let body = #"{"id":"ID","date":"2026-03-12T00:00:00Z","title":"Board"}"#.replacingOccurrences(
                    of: "ID", with: id)
                let r = try await hub.admin.raw("POST", "/v1/meetings", body: Array(body.utf8))
                #expect(r.status == 422 && r.text.contains("would read as a date or as last-meeting"), "\(r.text)")
            }
            // A plan made after asOf is not in the report of all plans as at then.
            (status, text) = try await csv(tokens["lscp"], "/v1/reports/all?format=csv&asOf=2000-01-01")
            #expect(status == 200 && !text.contains("\r\nchild-m,") && !text.contains("\r\np2,"), "\(text)")
            (status, text) = try await csv(tokens["lscp"], "/v1/reports/all?format=csv")
            #expect(text.contains("\r\nchild-m,") && text.contains("\r\np2,"))
            let all = #"{"id":"all","title":"All"}"#
            let refused = try await hub.admin.raw("POST", "/v1/plans", body: Array(all.utf8))
            #expect(refused.status == 422 && refused.text.contains("'all' names every plan"), "\(refused.text)")
        }
    }
}

/// A small seeded generator, so a failing run names the seed that repeats it.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: inout UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Report times")
struct ReportTimeTests {
    /// `asOf` and `since` read any hub time exactly, a date as its start or end (UTC), and
    /// refuse anything else, over random values and random bytes.
    @Test func times_andDates_readBack_andGarbageIsRefused() {
        var seed = UInt64.random(in: 0...UInt64.max)
        let note = "seed \(seed)"
        var random = SplitMix(seed: &seed)
        for _ in 0..<2000 {
            let ms = Int64(random.next() % 253_402_300_799_000)  // year 1 to 9999
            let t = Timestamp(millisecondsSinceEpoch: ms)
            #expect(Hub.time(t.description, endOfDay: false, zone: .utc) == t, "\(t) (\(note))")
            let day = t.date
            let start = Int64(day.daysSinceEpoch) * 86_400_000
            #expect(Hub.time(day.description, endOfDay: false, zone: .utc)?.millisecondsSinceEpoch == start, "\(note)")
            #expect(Hub.time(day.description, endOfDay: true, zone: .utc)?.millisecondsSinceEpoch == start + 86_399_999)
            let bytes = (0..<Int(random.next() % 30)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let garbage = String(decoding: bytes, as: UTF8.self)
            if let read = Hub.time(garbage, endOfDay: false, zone: .utc) {
                // Only a date or a time is read, and it reads back as itself.
                #expect(LocalDate(garbage) != nil || Timestamp(garbage) == read, "\(garbage) (\(note))")
            }
        }
        // In the committee's zone, a summer day starts and ends an hour before UTC's.
        let london = ReportTimeZone(foundation: "Europe/London")!
        #expect(Hub.time("2026-06-30", endOfDay: true, zone: london) == Timestamp("2026-06-30T22:59:59.999Z"))
        #expect(Hub.time("2026-06-30", endOfDay: false, zone: london) == Timestamp("2026-06-29T23:00:00Z"))
        #expect(Hub.time("2026-01-30", endOfDay: false, zone: london) == Timestamp("2026-01-30T00:00:00Z"))
        #expect(london.offset(at: Timestamp("2026-06-30T12:00:00Z")!) == (3600, "BST"))
        #expect(ReportTimeZone(foundation: "Nowhere/Land") == nil)
        for bad in ["", "yesterday", "2026-02-30", "2026-13-01", "2026-01-01T25:00:00Z", "last-meeting"] {
            #expect(Hub.time(bad, endOfDay: true, zone: .utc) == nil, "\(bad)")
        }
    }
}
