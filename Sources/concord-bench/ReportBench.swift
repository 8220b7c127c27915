import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordHub
import ConcordReport
import ConcordTestSupport
import ConcordWire
import Foundation

/// `concord-bench report`: the committee report of a 5,000-action plan whose audit trail
/// holds 100,000 changes, asked of a real hub over TLS (goal: at most 1 s), and the same
/// report's parts timed in process (read the trail, replay and build, write each format).
enum ReportBench {
    static let actions = ProcessInfo.processInfo.environment["CONCORD_BENCH_REPORT_ACTIONS"].flatMap(Int.init) ?? 5000
    static let changes =
        ProcessInfo.processInfo.environment["CONCORD_BENCH_REPORT_CHANGES"].flatMap(Int.init) ?? 100_000
    static let day: Int64 = 86_400_000

    static func run() async throws {
        let start = Timestamp("2025-01-01T09:00:00Z")!
        let clock = TestClock(start)
        try await withTestHub(clock: clock) { hub in
            let batches = try await fill(hub, clock: clock, start: start)
            let asOf = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(batches) * 7 * day)
            clock.set(asOf)
            let since = Timestamp(millisecondsSinceEpoch: asOf.millisecondsSinceEpoch - 42 * day)
            print("")
            print(
                "| report of plan bench (\(actions) actions, \(changes) changes), since 42 days before | best s | median s | bytes |"
            )
            print("| --- | ---: | ---: | ---: |")
            var c = HTTPClientConfiguration(baseURL: hub.baseURL, caFile: hub.caFile, bearerToken: hub.adminToken)
            c.proxy = ""
            c.requestTimeout = .seconds(600)
            let admin = HTTPClient(c)
            for format in ["html", "md", "csv"] {
                var size = 0
                let (best, median) = try await time(5) {
                    let r = try await admin.send("GET", "/v1/reports/bench?since=\(since)&format=\(format)")
                    guard r.status == 200 else { fatalError("report: \(r.status) \(r.text.prefix(300))") }
                    size = r.body.count
                }
                print(
                    "| GET /v1/reports/bench, \(format), over TLS | \(HubBench.fmt(best)) | \(HubBench.fmt(median)) | \(size) |"
                )
            }
            try await parts(hub.store, asOf: asOf, since: since)
            print("")
            print("peak RSS \(HubBench.peakRSSMiB()) MiB")
        }
    }

    /// The report's steps apart, in process.
    static func parts(_ hub: Hub, asOf: Timestamp, since: Timestamp) async throws {
        let plan = try PlanID("bench")
        var trail: [TrailEntry] = []
        let (readBest, readMedian) = try await time(5) { trail = try await hub.trail(of: [plan], through: asOf) }
        print("| read the trail (\(trail.count) changes) | \(HubBench.fmt(readBest)) | \(HubBench.fmt(readMedian)) | |")
        var report: Report?
        let (buildBest, buildMedian) = try await time(5) {
            report = Report.build(
                plans: [ReportPlan(id: plan, title: "Bench", scheme: .standard)], trail: trail, conflicts: [],
                period: ReportPeriod(asOf: asOf, since: since))
        }
        print("| replay and build | \(HubBench.fmt(buildBest)) | \(HubBench.fmt(buildMedian)) | |")
        for (name, write) in [("html", { $0.html }), ("md", { $0.markdown }), ("csv", { $0.csv })]
            as [(String, (Report) -> String)]
        {
            var size = 0
            let (best, median) = try await time(5) { size = write(report!).utf8.count }
            print("| write \(name) | \(HubBench.fmt(best)) | \(HubBench.fmt(median)) | \(size) |")
        }
    }

    /// Best and median seconds of `n` runs.
    static func time(_ n: Int, _ body: () async throws -> Void) async throws -> (Double, Double) {
        var times: [Double] = []
        for _ in 0..<n {
            let t = ContinuousClock.now
            try await body()
            times.append((ContinuousClock.now - t).seconds)
        }
        times.sort()
        return (times[0], times[n / 2])
    }

    // Long: the plan's creation and its edits, batch by batch, each batch a day of hub time.
    /// Creates the plan and its trail through the hub's own push, a week of hub time per batch
    /// of 1,000; returns the number of days (batches).
    static func fill(_ hub: TestHub, clock: TestClock, start: Timestamp) async throws -> Int {
        let plan = try PlanID("bench")
        _ = try await hub.store.importPlan(
            PlanImportRequest(id: plan, title: "Bench"), by: Principal(agency: AgencyID("lscp"), role: .admin))
        let admin = Principal(agency: try AgencyID("lscp"), role: .admin)
        var rag = [String](repeating: "red", count: actions)
        var progress = [String?](repeating: nil, count: actions)
        var target = [String](repeating: "2025-06-30", count: actions)
        var all: [Change] = []
        func address(_ i: Int) -> ActionAddress {
            ActionAddress(plan: plan, ref: try! ActionRef("\(i / 100 + 1).\(i % 100 + 1)"))
        }
        for i in 0..<actions {
            all.append(
                Change(
                    action: address(i), baseRevision: 0, create: true,
                    fields: [
                        .title: FieldChange(from: .null, to: .text("Action \(i): audit of case files")),
                        .ownerAgency: FieldChange(from: .null, to: .text("lscp")),
                        .rag: FieldChange(from: .null, to: .text("red")),
                        .targetDate: FieldChange(from: .null, to: .text("2025-06-30")),
                        .recommendation: FieldChange(from: .null, to: .text("Recommendation \(i % 40)")),
                    ]))
        }
        var random = SystemRandomNumberGenerator()
        while all.count < changes {
            let i = Int.random(in: 0..<actions, using: &random)
            let n = all.count
            switch n % 5 {
            case 0:
                let to = rag[i] == "red" ? "amber" : "red"
                all.append(
                    Change(
                        action: address(i), baseRevision: 0,
                        fields: [.rag: FieldChange(from: .text(rag[i]), to: .text(to))]))
                rag[i] = to
            case 1:
                let to = "Progress \(n): figures checked"
                all.append(
                    Change(
                        action: address(i), baseRevision: 0,
                        fields: [.progress: FieldChange(from: progress[i].map(FieldValue.text) ?? .null, to: .text(to))]
                    ))
                progress[i] = to
            case 2:
                let to = LocalDate(daysSinceEpoch: 20_200 + n % 400).description
                all.append(
                    Change(
                        action: address(i), baseRevision: 0,
                        fields: [.targetDate: FieldChange(from: .text(target[i]), to: .text(to))], reason: "Moved \(n)")
                )
                target[i] = to
            case 3:
                let item = EvidenceItem(kind: n % 2 == 0 ? .output : .impact, summary: "Evidence \(n)", author: .unset)
                all.append(Change(action: address(i), baseRevision: 0, append: [.evidence(item)]))
            default:
                all.append(
                    Change(
                        action: address(i), baseRevision: 0,
                        append: [.note(ProgressNote(text: "Note \(n)", author: .unset))]))
            }
        }
        var days = 0
        for batch in stride(from: 0, to: all.count, by: 1000) {
            clock.set(Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(days) * 7 * day))
            let (results, _, _) = try await hub.store.push(Array(all[batch..<min(batch + 1000, all.count)]), by: admin)
            if let bad = results.first(where: { $0.outcome == .rejected || $0.outcome == .conflict }) {
                fatalError("bench data: \(bad)")
            }
            days += 1
        }
        print("plan bench: \(actions) actions and \(all.count) changes pushed over \(days) weeks of hub time")
        return days
    }
}
