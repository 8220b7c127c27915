import ConcordCore
import ConcordReport
import Foundation
import Testing

@Suite("Committee report")
struct ReportTests {
    /// Green (needs evidence) with none: flagged. Green with impact evidence: not.
    @Test func greenOrBlueWithoutEvidence_isFlagged() {
        var t = Trail()
        t.create("1.1", owner: "csc", day: 0, [.rag: .text("green")])  // imported so
        t.create("1.2", owner: "csc", day: 0, [.rag: .text("amber")])
        t.evidence("1.2", by: "csc", day: 5, .impact, "Audit of 20 cases: 18 escalated correctly")
        t.set("1.2", by: "csc", day: 6, [.rag: .text("green")])
        let r = t.report(asOf: 10)
        #expect(r.flags("1.1").contains(.noEvidence))
        #expect(r.flags("1.2").isEmpty)
        #expect(r.action("1.1")?.flags.first?.reason == "rated green with no evidence")
    }

    /// Blue needs impact evidence and sign-off; each missing one is its own flag.
    @Test func blueWithoutImpactEvidenceOrSignOff_isFlagged() {
        var t = Trail()
        for ref in ["2.1", "2.2", "2.3"] {
            t.create(ref, owner: "police", day: 0, [.rag: .text("amber")])
        }
        t.evidence("2.1", by: "police", day: 1, .output, "Briefing delivered to 40 officers")
        t.set("2.1", by: "police", day: 2, [.signOff: .text("Board, 1 Feb"), .rag: .text("blue")])
        t.evidence("2.2", by: "police", day: 1, .impact, "Referral quality audit: 90% good")
        t.set("2.2", by: "police", day: 2, [.rag: .text("blue")])
        t.evidence("2.3", by: "police", day: 1, .impact, "Dip sample shows the change held")
        t.set("2.3", by: "police", day: 2, [.signOff: .text("Board, 1 Feb"), .rag: .text("blue")])
        let r = t.report(asOf: 3)
        #expect(r.flags("2.1") == [.noImpactEvidence])
        #expect(r.flags("2.2") == [.noSignOff])
        #expect(r.flags("2.3").isEmpty)
        #expect(r.action("2.3")?.isOpen == false)
    }

    /// The date-set-not-training-held case: completed, or green, on outputs alone.
    @Test func doneOnOutputsAlone_isFlagged_untilImpactIsShown() {
        var t = Trail()
        t.create("3.1", owner: "lscp", day: 0, [.rag: .text("amber")])
        t.evidence("3.1", by: "lscp", day: 3, .output, "Training date set for 12 March")
        t.set("3.1", by: "lscp", day: 4, [.rag: .text("green")])
        t.create("3.2", owner: "lscp", day: 0, [.rag: .text("amber")])
        t.evidence("3.2", by: "lscp", day: 3, .output, "Policy published")
        t.set("3.2", by: "lscp", day: 4, [.completedOn: .text("2026-01-05")])
        var r = t.report(asOf: 5)
        #expect(r.flags("3.1") == [.outputsOnly])
        #expect(r.flags("3.2") == [.outputsOnly])
        let reason = r.action("3.1")?.flags.first?.reason ?? ""
        #expect(reason.contains("rated green on outputs alone (1 output") && reason.contains("Training date set"))
        #expect(r.action("3.2")?.flags.first?.reason.hasPrefix("completed 2026-01-05 on outputs alone") == true)
        t.evidence("3.1", by: "lscp", day: 30, .impact, "Evaluations: 82% describe the escalation steps")
        r = t.report(asOf: 31)
        #expect(!r.flags("3.1").contains(.outputsOnly))
        #expect(r.flags("3.2").contains(.outputsOnly))
    }

    /// Overdue: open, its target date passed. Completed or blue actions are not overdue.
    @Test func overdue_isOpenWithItsTargetDatePassed() {
        var t = Trail()
        t.create("4.1", owner: "icb", day: 0, [.targetDate: .text(Trail.date(20).description)])
        t.create("4.2", owner: "icb", day: 0, [.targetDate: .text(Trail.date(20).description)])
        t.evidence("4.2", by: "icb", day: 10, .impact, "GP attendance at conferences up from 10% to 60%")
        t.set("4.2", by: "icb", day: 11, [.completedOn: .text(Trail.date(11).description)])
        t.create("4.3", owner: "icb", day: 0, [.targetDate: .text(Trail.date(40).description)])
        let before = t.report(asOf: 20)
        #expect(!before.flags("4.1").contains(.overdue))
        let r = t.report(asOf: 25)
        #expect(r.flags("4.1").contains(.overdue))
        #expect(
            r.action("4.1")?.flags.first { $0.kind == .overdue }?.reason == "target date 2026-01-21 passed 5 days ago")
        #expect(!r.flags("4.2").contains(.overdue) && !r.flags("4.3").contains(.overdue))
        #expect(r.plans[0].headline.overdue == 1)
    }

    /// Drift: moved more than once, or later by more than the drift days in all; the original
    /// and current dates are shown.
    @Test func drift_isMovedTwice_orTooFarInAll() {
        var t = Trail()
        let settings = ReportSettings(driftDays: 60)
        for ref in ["5.1", "5.2", "5.3"] {
            t.create(ref, owner: "csc", day: 0, [.targetDate: .text(Trail.date(30).description)])
        }
        t.set("5.1", by: "csc", day: 5, [.targetDate: .text(Trail.date(40).description)], reason: "Staff absence")
        t.set("5.1", by: "csc", day: 9, [.targetDate: .text(Trail.date(45).description)], reason: "Awaiting IT")
        t.set("5.2", by: "csc", day: 5, [.targetDate: .text(Trail.date(120).description)], reason: "Restructure")
        t.set("5.3", by: "csc", day: 5, [.targetDate: .text(Trail.date(50).description)], reason: "Short delay")
        let r = t.report(asOf: 10, settings: settings)
        #expect(r.flags("5.1").contains(.drift) && r.flags("5.2").contains(.drift))
        #expect(!r.flags("5.3").contains(.drift))
        let reason = r.action("5.1")?.flags.first { $0.kind == .drift }?.reason ?? ""
        #expect(reason == "moved 2 times: 2026-01-31 → 2026-02-15 (+15 days); last reason: \"Awaiting IT\"")
        #expect(r.action("5.2")?.originalTargetDate == Trail.date(30) && r.action("5.2")?.targetDateMoves == 1)
        #expect(r.plans[0].forecast.latestTargetDate == Trail.date(120))
    }

    /// Stale: open and untouched for the stale days; a note counts as an update.
    @Test func stale_isOpenAndUntouchedForTheStaleDays() {
        var t = Trail()
        t.create("6.1", owner: "education", day: 0, [.rag: .text("amber")])
        t.create("6.2", owner: "education", day: 0, [.rag: .text("amber")])
        t.note("6.2", by: "education", day: 30, "Survey sent to schools")
        let r = t.report(asOf: 50)
        #expect(r.flags("6.1") == [.stale])
        #expect(r.action("6.1")?.flags.first?.reason == "no update, note or evidence for 50 days (last 2026-01-01)")
        #expect(!r.flags("6.2").contains(.stale))
    }

    /// Red for longer than the red days, counted from when it became red; leaving red resets it.
    @Test func longRed_isCountedFromWhenItBecameRed() {
        var t = Trail()
        t.create("7.1", owner: "probation", day: 0, [.rag: .text("amber")])
        t.set("7.1", by: "probation", day: 10, [.rag: .text("red")])
        t.set("7.1", by: "probation", day: 50, [.progress: .text("Still no data")])
        t.create("7.2", owner: "probation", day: 0, [.rag: .text("red")])
        t.set("7.2", by: "probation", day: 60, [.rag: .text("amber")])
        t.set("7.2", by: "probation", day: 80, [.rag: .text("red")])
        let r = t.report(asOf: 105, settings: ReportSettings(staleDays: 400, redDays: 90))
        #expect(r.flags("7.1") == [.longRed])
        #expect(r.action("7.1")?.flags.first?.reason == "red since 2026-01-11 (95 days)")
        #expect(r.flags("7.2").isEmpty)
    }

    /// What changed since the last meeting, each line with who and when; nothing from before.
    @Test func changedSince_listsEveryKindOfChangeWithWhoAndWhen() throws {
        var t = Trail()
        t.create("8.1", owner: "police", day: 0, [.rag: .text("red"), .targetDate: .text("2026-03-31")])
        t.set("8.1", by: "police", day: 5, [.rag: .text("amber")])  // before the meeting on day 10
        t.set("8.1", by: "police", day: 12, [.targetDate: .text("2026-05-31")], reason: "Trainer left")
        t.evidence("8.1", by: "police", day: 13, .output, "Sessions booked")
        let impact = t.evidence("8.1", by: "police", day: 14, .impact, "Audit: referrals complete")
        t.note("8.1", by: "police", day: 15, "Board asked for the audit tool")
        t.set("8.1", by: "police", day: 16, [.rag: .text("green"), .completedOn: .text("2026-01-17")])
        t.set("8.1", by: "lscp", day: 17, [.signOff: .text("Board, 18 Jan")])
        t.retract("8.1", item: impact, by: "police", day: 18, reason: "Wrong audit attached")
        t.create("8.2", owner: "csc", day: 19)
        t.set("8.2", by: "lscp", day: 20, [.archived: .flag(true)])
        let conflict = ReportConflict(
            id: 7, action: Trail.address("8.1"), field: .progress, agency: Fixture.csc,
            openedAt: Trail.time(15).minus(hours: 1),
            resolvedAt: Trail.time(16).minus(hours: 1), resolvedBy: Fixture.lscp, choice: "keep-hub")
        let r = t.report(asOf: 21, since: 10, conflicts: [conflict])
        let lines = r.plans[0].changes.map { "\($0.action.ref) \($0.by) \($0.at.date): \($0.what)" }
        #expect(
            lines == [
                "8.1 police 2026-01-13: targetDate(from: Optional(2026-03-31), to: Optional(2026-05-31), reason: \"Trainer left\")",
                "8.1 police 2026-01-14: evidence(ConcordCore.EvidenceKind.output, \"Sessions booked\")",
                "8.1 police 2026-01-15: evidence(ConcordCore.EvidenceKind.impact, \"Audit: referrals complete\")",
                "8.1 csc 2026-01-16: conflictOpened(id: 7, progress)",
                "8.1 police 2026-01-16: note(\"Board asked for the audit tool\")",
                "8.1 lscp 2026-01-17: conflictResolved(id: 7, progress, choice: \"keep-hub\")",
                "8.1 police 2026-01-17: rating(from: Optional(\"amber\"), to: Optional(\"green\"))",
                "8.1 police 2026-01-17: completed(Optional(2026-01-17))",
                "8.1 lscp 2026-01-18: signedOff(Optional(\"Board, 18 Jan\"))",
                "8.1 police 2026-01-19: retracted(\"Audit: referrals complete\", reason: \"Wrong audit attached\")",
                "8.2 lscp 2026-01-20: created",
                "8.2 lscp 2026-01-21: archived(true)",
            ], "\(lines.joined(separator: "\n"))")
        #expect(r.action("8.1")?.ratingAtSince == "amber")
        #expect(r.plans[0].movements.map { "\($0.from)>\($0.to):\($0.count)" } == ["amber>green:1"])
        #expect(r.markdown.contains("RAG movements: Amber → Green: 1."))
        #expect(r.action("8.2")?.existedAtSince == false)
        #expect(r.plans[0].ratingsAtSince?[id: "amber"] == 1)
        #expect(r.plans[0].headline.archived == 1 && r.plans[0].headline.actions == 1)
    }

    /// "As at": the report as at S is the report generated at S, whatever happened after.
    @Test func asAt_isTheReportGeneratedThen_whateverHappenedAfter() {
        var t = Trail()
        t.create("9.1", owner: "csc", day: 0, [.rag: .text("red"), .targetDate: .text("2026-02-01")])
        t.create("9.2", owner: "police", day: 1, [.rag: .text("amber")])
        t.set("9.1", by: "csc", day: 3, [.rag: .text("amber")])
        t.evidence("9.2", by: "police", day: 4, .output, "Leaflet printed")
        t.note("9.1", by: "csc", day: 6, "Chased ICB")
        let thenTrail = t
        let conflicts = [
            ReportConflict(
                id: 1, action: Trail.address("9.1"), field: .rag, agency: Fixture.agency("icb"),
                openedAt: Trail.time(5),
                resolvedAt: Trail.time(9), resolvedBy: Fixture.lscp, choice: "take-agency")
        ]
        t.set("9.1", by: "csc", day: 8, [.rag: .text("red"), .targetDate: .text("2026-06-01")], reason: "Delay")
        t.create("9.3", owner: "icb", day: 8)
        t.evidence("9.2", by: "police", day: 9, .impact, "Audit shows change")
        t.set("9.2", by: "lscp", day: 9, [.archived: .flag(true)])
        let asAtThen = t.report(asOf: 7, since: 2, conflicts: conflicts)
        let generatedThen = thenTrail.report(
            asOf: 7, since: 2,
            conflicts: conflicts.map {
                var c = $0; c.resolvedAt = nil; c.resolvedBy = nil; c.choice = nil; return c
            })
        #expect(asAtThen == generatedThen)
        #expect(asAtThen.markdown == generatedThen.markdown && asAtThen.csv == generatedThen.csv)
        #expect(asAtThen.html == generatedThen.html)
        #expect(t.report(asOf: 10, since: 2) != asAtThen)
        #expect(asAtThen.action("9.3") == nil && asAtThen.action("9.1")?.record.rag == "amber")
    }

    /// By lead agency, the impact percentage, and the forecast.
    @Test func headline_countsByAgency_andForecastsCompletion() {
        var t = Trail()
        t.create("1", owner: "police", day: 0, [.rag: .text("red"), .targetDate: .text("2026-01-10")])
        t.create("2", owner: "police", day: 0, [.rag: .text("amber"), .targetDate: .text("2026-03-01")])
        t.create("3", owner: "csc", day: 0, [.rag: .text("amber")])
        t.evidence("3", by: "csc", day: 1, .impact, "Audit")
        t.create("10", owner: "csc", day: 0)
        let r = t.report(asOf: 20)
        let h = r.plans[0].headline
        #expect(h.byRating.counts.map(\.id) == ["red", "amber", "green", "blue", "unrated"])
        #expect(h.byRating.counts.map(\.count) == [1, 2, 0, 0, 1])
        #expect(h.byAgency.map(\.agency.rawValue) == ["csc", "police"])
        #expect(h.byAgency[1].byRating[id: "red"] == 1 && h.byAgency[0].byRating[id: "unrated"] == 1)
        #expect(h.withImpactEvidence == 1 && h.impactPercent == 25 && h.overdue == 1)
        let f = r.plans[0].forecast
        #expect(f.open == 4 && f.openWithoutDate == 2 && f.latestTargetDate == LocalDate("2026-03-01"))
        #expect(f.pastOriginalDate == 1)
        #expect(r.plans[0].actions.map(\.record.ref.rawValue) == ["1", "2", "3", "10"])
    }

    /// Themes by the partnership's words, across plans: the same theme in two reviews is shown.
    @Test func themes_groupActionsAcrossPlans() throws {
        var t = Trail()
        let other = try PlanID("children-r-s")
        t.create("1.1", owner: "lscp", day: 0, [.recommendation: .text("Practitioners use the escalation policy")])
        t.create("2.1", owner: "csc", day: 0, [.recommendation: .text("Assessments consider all adults")])
        t.create("1.1", owner: "lscp", day: 0, plan: other, [.recommendation: .text("Agencies to use Escalation")])
        let plans = [Trail.reportPlan, ReportPlan(id: other, title: "Children R and S", scheme: .standard)]
        let r = t.report(
            asOf: 1, plans: plans,
            settings: ReportSettings(themes: [ThemeRule(name: "Escalation", keywords: ["escalation"])]))
        #expect(r.plans[0].themes.map(\.name) == ["Escalation", "Assessments consider all adults"])
        #expect(r.sharedThemes.map(\.name) == ["Escalation"])
        #expect(r.sharedThemes[0].plans == [Trail.plan, other] && r.sharedThemes[0].actions.count == 2)
    }

    /// Completed with no evidence at all, whatever the rating: flagged.
    @Test func completedWithNoEvidence_isFlagged() {
        var t = Trail()
        t.create("11.1", owner: "csc", day: 0, [.rag: .text("amber")])
        t.set("11.1", by: "csc", day: 2, [.completedOn: .text("2026-01-03")])
        let r = t.report(asOf: 3)
        #expect(r.flags("11.1") == [.noEvidence])
        #expect(r.action("11.1")?.flags.first?.reason == "completed 2026-01-03 with no evidence")
    }

    /// Refs in the order people number them, letters included; a `since` after `asOf` is
    /// `asOf` (nothing changed since).
    @Test func refsSortNaturally_andALateSinceIsAsOf() {
        var t = Trail()
        for ref in ["A10", "A2", "10.1", "2.10", "2.9", "A1"] { t.create(ref, owner: "csc", day: 0) }
        let r = t.report(asOf: 5, since: 9)
        #expect(r.plans[0].actions.map(\.record.ref.rawValue) == ["2.9", "2.10", "10.1", "A1", "A2", "A10"])
        #expect(r.period.since == r.period.asOf && r.plans[0].changes.isEmpty)
    }

    /// In the committee's zone: half past midnight BST on 1 July is already 1 July, so a
    /// target date of 30 June is overdue, and the time prints as the committee's clock says.
    @Test func datesAndTimes_areTheCommitteesZones() {
        let summer = ReportTimeZone(identifier: "Test/BST") { _ in (3600, "BST") }
        var t = Trail()
        t.create("12.1", owner: "police", day: 0, [.targetDate: .text("2026-06-30")])
        let asOf = Timestamp("2026-06-30T23:30:00Z")!
        let plan = [Trail.reportPlan]
        let local = Report.build(
            plans: plan, trail: t.entries, conflicts: [], period: ReportPeriod(asOf: asOf, zone: summer))
        let utc = Report.build(plans: plan, trail: t.entries, conflicts: [], period: ReportPeriod(asOf: asOf))
        #expect(local.flags("12.1").contains(.overdue) && !utc.flags("12.1").contains(.overdue))
        #expect(local.markdown.contains("**Data as at 1 July 2026, 00:30 BST.**"))
        #expect(utc.markdown.contains("**Data as at 30 June 2026, 23:30 UTC.**"))
        #expect(summer.start(of: LocalDate("2026-07-01")!) == Timestamp("2026-06-30T23:00:00Z"))
    }

    /// The plan's own scheme speaks in the report: its ratings in its order, with their meanings.
    @Test func theSchemesOwnWords_areInTheReport() {
        let onTrack = RAGScheme(
            id: "on-track", name: "Red, amber, green (progress against plan)",
            ratings: [
                Rating(id: "red", meaning: "Definite cause for concern"),
                Rating(id: "amber", meaning: "Needs monitoring"),
                Rating(id: "green", meaning: "On target; no known problems"),
            ])
        var t = Trail()
        t.create("1", owner: "csc", day: 0, [.rag: .text("green")])
        let r = t.report(asOf: 1, plans: [ReportPlan(id: Trail.plan, title: "Child M", scheme: onTrack)])
        #expect(
            r.markdown.contains(
                "RAG scheme Red, amber, green (progress against plan): **Red**: Definite cause for concern; **Amber**: Needs monitoring; **Green**: On target; no known problems."
            ))
        #expect(r.html.contains("On target; no known problems") && !r.html.contains("Blue"))
        #expect(r.plans[0].headline.byRating.counts.map(\.id) == ["red", "amber", "green"])
        #expect(r.flags("1").isEmpty, "green is 'on target' in this scheme, not 'done'")
    }
}
