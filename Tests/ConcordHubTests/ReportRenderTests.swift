import ConcordCore
import ConcordReport
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

/// Where the rendered report is kept for a reviewer to look at (CI keeps this folder).
let artifacts = repoRoot.appendingPathComponent(".build/artifacts")

@Suite("The committee report as a person sees it (headless Chromium)", .serialized)
struct ReportRenderTests {
    /// The report of the three sample plans, served by a real hub, rendered by Chromium: it
    /// loads nothing from anywhere, prints on A4, and its screenshot is kept.
    @Test func sampleReport_rendersInChromium_loadsNothing_andPrintsOnA4() async throws {
        let clock = TestClock(Timestamp("2026-01-05T09:00:00Z")!)
        try await withTestHub(clock: clock) { hub in
            let tokens = try await hub.seed()
            for (id, title) in [
                ("children-r-s", "Children R and S: thematic review"), ("improvement-2025", "Improvement plan 2025"),
            ] {
                let csv = try String(
                    contentsOf: repoRoot.appendingPathComponent("samples/plan-\(id).csv"), encoding: .utf8)
                let _: PlanImportResponse = try await hub.admin.post(
                    "/v1/plans", PlanImportRequest(id: PlanID(id), title: title, csv: csv), expect: 201)
            }
            let meeting = #"{"id":"scrutiny-jan","date":"2026-01-20T09:00:00Z","title":"Scrutiny, 20 January 2026"}"#
            #expect(try await hub.admin.raw("POST", "/v1/meetings", body: Array(meeting.utf8)).status == 201)
            clock.set(Timestamp("2026-02-02T10:00:00Z")!)
            let police = hub.client(tokens["police"])
            let item = EvidenceItem(kind: .output, summary: "Briefing to 40 officers", author: .unset)
            _ = try await police.push([
                Change(action: address("child-m/3.1"), baseRevision: 0, append: [.evidence(item)])
            ])
            _ = try await police.push([
                edit(
                    "child-m/1.1", [.targetDate: (.text("2026-03-31"), .text("2026-06-30"))],
                    reason: "Awaiting responses from two agencies")
            ])
            clock.set(Timestamp("2026-03-10T10:00:00Z")!)
            _ = try await hub.client(tokens["csc"]).push([
                edit("child-m/5.2", [.rag: (.text("red"), .text("amber"))])
            ])

            let page = try await hub.admin.raw("GET", "/v1/reports/all?since=last-meeting")
            #expect(page.status == 200)
            let html = page.text
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let file = artifacts.appendingPathComponent("report-sample-plans.html")
            try html.write(to: file, atomically: true, encoding: .utf8)
            try Self.expectSelfContained(html)

            let png = artifacts.appendingPathComponent("report-sample-plans.png")
            let pdf = artifacts.appendingPathComponent("report-sample-plans.pdf")
            try? FileManager.default.removeItem(at: png)
            try? FileManager.default.removeItem(at: pdf)
            var render = try await Chromium.render(file, screenshot: png)
            #expect(render.status == 0, "\(render.output)")
            #expect(render.requests.isEmpty, "the page loaded \(render.requests)")
            #expect(try Self.pngSize(png) == (1240, 1754))
            render = try await Chromium.render(file, pdf: pdf)
            #expect(render.status == 0 && render.requests.isEmpty, "\(render.requests) \(render.output)")
            let (pages, a4) = try Self.pdfPages(pdf)
            #expect(pages >= 3 && a4, "\(pages) pages; A4: \(a4)")
        }
    }

    /// The check above can fail: a page with a remote image and a web font is caught.
    @Test func theRequestCheck_catchesAPageThatLoadsFromElsewhere() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("bad.html")
            try """
            <!DOCTYPE html><html><head><link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Lato">
            </head><body><p>Report</p><img src="http://images.example.org/logo.png" alt=""></body></html>
            """.write(to: file, atomically: true, encoding: .utf8)
            let render = try await Chromium.render(file, screenshot: dir.appendingPathComponent("bad.png"))
            #expect(render.requests.contains { $0.contains("images.example.org") }, "\(render.requests)")
            #expect(render.requests.contains { $0.contains("fonts.googleapis.com") }, "\(render.requests)")
        }
    }

    /// An empty plan, a plan of one action and a plan of 500 render sensibly: the page of 500
    /// prints on A4 with every action in its table.
    @Test func emptyOneAndFiveHundredActionPlans_render() async throws {
        var trail: [TrailEntry] = []
        let plan = try PlanID("big")
        let start = Timestamp("2026-01-05T09:00:00Z")!
        for i in 1...500 {
            let fields: [Field: FieldChange] = [
                .title: FieldChange(from: .null, to: .text("Action \(i): audit of case files in team \(i % 17)")),
                .ownerAgency: FieldChange(from: .null, to: .text(["police", "csc", "icb", "education"][i % 4])),
                .rag: FieldChange(from: .null, to: .text(["red", "amber", "green", "blue"][i % 4])),
                .targetDate: FieldChange(from: .null, to: .text("2026-0\(1 + i % 9)-15")),
                .recommendation: FieldChange(from: .null, to: .text("Recommendation \(i % 12)")),
            ]
            trail.append(
                TrailEntry(
                    seq: Int64(i), agency: try AgencyID("lscp"), at: start,
                    change: Change(
                        action: ActionAddress(plan: plan, ref: try ActionRef("\(i / 10 + 1).\(i % 10 + 1)")),
                        baseRevision: 0, create: true, fields: fields)))
        }
        let asOf = Timestamp("2026-04-01T09:00:00Z")!
        func report(_ entries: ArraySlice<TrailEntry>) -> Report {
            Report.build(
                plans: [ReportPlan(id: plan, title: "Big plan", scheme: .standard)], trail: Array(entries),
                conflicts: [], period: ReportPeriod(asOf: asOf, since: start))
        }
        #expect(report(trail[0..<0]).html.contains("No actions as at 1 April 2026, 09:00 UTC."))
        #expect(report(trail[0..<0]).markdown.contains("No actions as at"))
        #expect(report(trail[0..<0]).csv == Report.csvColumns.joined(separator: ",") + "\r\n")
        let one = report(trail[0..<1])
        #expect(one.plans[0].headline.actions == 1 && one.html.contains("Action 1: audit"))
        let big = report(trail[...])
        #expect(big.plans[0].actions.count == 500)
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("big.html")
            try big.html.write(to: file, atomically: true, encoding: .utf8)
            let pdf = artifacts.appendingPathComponent("report-500-actions.pdf")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let render = try await Chromium.render(file, pdf: pdf)
            #expect(
                render.status == 0 && render.requests.isEmpty, "status \(render.status), requests \(render.requests)")
            let (pages, a4) = try Self.pdfPages(pdf)
            #expect(pages > 10 && pages < 200 && a4, "\(pages) pages")
        }
    }

    /// No script, no reference to anything outside the page.
    static func expectSelfContained(_ html: String) throws {
        let lower = html.lowercased()
        for banned in ["<script", " src=", " href=", "@import", "@font-face", "http://", "https://", "//fonts"] {
            #expect(!lower.contains(banned), "the page holds \(banned)")
        }
        let urls = lower.components(separatedBy: "url(").dropFirst()
        #expect(urls.allSatisfy { $0.hasPrefix("#") }, "only references to its own patterns")
    }

    /// A PNG's width and height, from its header.
    static func pngSize(_ url: URL) throws -> (Int, Int) {
        let data = try Data(contentsOf: url)
        guard data.count > 24, data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]) else { return (0, 0) }
        func int(_ at: Int) -> Int { data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }

    /// A PDF's page count, and whether its first page is A4 (595 × 842 points, give or take one).
    static func pdfPages(_ url: URL) throws -> (Int, Bool) {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let pages =
            text.components(separatedBy: "/Type /Page").count - 1
            - (text.components(separatedBy: "/Type /Pages").count - 1)
        guard let box = text.range(of: "/MediaBox [") else { return (pages, false) }
        let numbers = text[box.upperBound...].prefix(60).split(whereSeparator: { " ]".contains($0) }).prefix(4)
            .compactMap { Double($0) }
        let a4 = numbers.count == 4 && abs(numbers[2] - 595) < 2 && abs(numbers[3] - 842) < 2
        return (pages, a4)
    }
}
