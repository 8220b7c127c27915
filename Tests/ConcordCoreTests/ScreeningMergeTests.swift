import ConcordCodec
import ConcordCore
import ConcordReport
import ConcordScreening
import ConcordTestSupport
import PropertyBased
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Issue 14 in the core: the merge refuses what the policy blocks and flags the rest; CSV
/// import screens every cell; protected names are digests; a redaction reaches every text
/// a finding can name.
@Suite("Screening in the merge, import, redaction and report")
struct ScreeningMergeTests {
    static let address = try! ActionAddress("child-m/3.1")
    static let police = try! AgencyID("police")
    static let record = Action(
        creating: address, fields: [(.title, .text("Share notifications")), (.ownerAgency, .text("police"))])!

    static func context(_ rules: ScreeningRules?) -> MergeContext {
        MergeContext(
            actor: police, role: .agency, now: Timestamp(millisecondsSinceEpoch: 1), screening: rules)
    }

    static func note(_ text: String) -> Change {
        Change(action: address, baseRevision: 1, append: [.note(ProgressNote(text: text, author: police))])
    }

    @Test func whatThePolicyBlocks_isRejectedNamingKindTextAndCharacters_neverTheText() {
        let result = merge(
            Self.note("NHS 943 476 5919, DOB 12/03/2014"), into: Self.record, context: Self.context(ScreeningRules()))
        #expect(result.outcome == .rejected && !result.changed)
        #expect(result.violations.map(\.rule) == [.identifyingDetail, .identifyingDetail])
        #expect(result.violations.map(\.field) == ["note", "note"])
        #expect(result.violations[0].message.hasPrefix("contains an NHS number at characters 5–16"))
        #expect(result.violations[1].message.hasPrefix("contains a date of birth at characters 23–32"))
        #expect(!result.violations.contains { $0.message.contains("5919") || $0.message.contains("2014") })
    }

    @Test func whatThePolicyFlags_isTakenWithAFlag_andOffIsNotLookedFor() {
        let flagged = merge(Self.note("Moved to LS6 2QT"), into: Self.record, context: Self.context(ScreeningRules()))
        #expect(flagged.outcome == .applied && flagged.changed)
        #expect(flagged.flags.map(\.rule) == [.identifyingDetail])
        #expect(flagged.flags[0].message.hasPrefix("contains a postcode at characters 10–16"))
        // A partnership that blocks postcodes, and one that ignores NHS numbers.
        let strict = ScreeningRules(policy: ScreeningPolicy([.postcode: .block, .nhsNumber: .off]))
        #expect(
            merge(Self.note("Moved to LS6 2QT"), into: Self.record, context: Self.context(strict)).outcome == .rejected)
        let nhs = merge(Self.note("NHS 943 476 5919"), into: Self.record, context: Self.context(strict))
        #expect(nhs.outcome == .applied && nhs.flags.isEmpty)
        // No screening (a unit test of other rules), and a replay of what the hub once took.
        #expect(merge(Self.note("NHS 943 476 5919"), into: Self.record, context: Self.context(nil)).outcome == .applied)
        var replay = Self.context(ScreeningRules())
        replay.replaying = true
        #expect(merge(Self.note("NHS 943 476 5919"), into: Self.record, context: replay).outcome == .applied)
    }

    @Test func aProtectedName_isADigestSaltedByThePlan_foundWhateverItsCaseAndSpacing() throws {
        let plan = try PlanID("child-m")
        let digests = try #require(ProtectedNames.digests(of: "  Liam   SMITH ", plan: plan))
        #expect(digests.name == ProtectedNames.digests(of: "liam smith", plan: plan)?.name)
        #expect(digests.name != ProtectedNames.digests(of: "liam smith", plan: try PlanID("child-n"))?.name)
        #expect(digests.firstWord == ProtectedNames.digests(of: "Liam", plan: plan)?.name)
        #expect(digests.name.count == 64 && !digests.name.contains("liam"))
        #expect(ProtectedNames.digests(of: "one two three four", plan: plan) == nil)
        #expect(ProtectedNames.digests(of: " ,. ", plan: plan) == nil)
        let ayesha = try #require(ProtectedNames.digests(of: "Ayesha", plan: plan))
        let names = ProtectedNames(
            plan: plan, digests: [digests.name, ayesha.name, "not a digest"],
            firstWords: [digests.firstWord, ayesha.firstWord])
        #expect(names.digests == [digests.name, ayesha.name])
        let rules = ScreeningRules(screener: names.screener)
        let result = merge(
            Self.note("LIAM SMITH's school rang; Ayesha’s too; liam alone is not"), into: Self.record,
            context: Self.context(rules))
        let messages = result.violations.map(\.message)
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.hasPrefix("contains a protected name at characters 1–12;") == true)
        #expect(messages.last?.hasPrefix("contains a protected name at characters 27–34;") == true)
        // Without the first words' digests, no word begins a name: nothing is found.
        let blind = ProtectedNames(plan: plan, digests: [digests.name], firstWords: [])
        #expect(blind.screener.findings(in: "Liam Smith", field: "note").isEmpty)
    }

    @Test func aPolicyIsReadFromItsWrittenForm_andAMistakeIsNamed() throws {
        let policy = try ScreeningPolicy(settings: ["postcode": "block", "nhs-number": "off"])
        #expect(policy.action(for: .postcode) == .block && policy.action(for: .nhsNumber) == .off)
        #expect(policy.action(for: .dateOfBirth) == .block && policy.action(for: .email) == .flag)
        #expect(try ScreeningPolicy(settings: policy.settings) == policy)
        #expect(throws: ScreeningPolicyError.self) { try ScreeningPolicy(settings: ["postcodes": "block"]) }
        let error = #expect(throws: ScreeningPolicyError.self) { try ScreeningPolicy(settings: ["phone": "deny"]) }
        #expect(error?.description == "screening: phone is 'deny'; use block, flag or off")
    }

    @Test func csvImport_screensEveryCell_namingRowAndColumn() throws {
        let csv = """
            ref,action,lead_agency,progress
            1.1,Audit,police,Started
            1.2,Visit,csc,"DOB 03/02/2015, at LS1 4AP"
            1.3,Call jo@example.org,csc,
            """
        let id = try PlanID("x")
        let error = #expect(throws: CSVImportError.self) {
            try PlanCSV.importPlan(csv, id: id, title: "X", screening: ScreeningRules())
        }
        #expect(error?.problems.map { "\($0.row) \($0.column ?? "")" } == ["3 progress"])
        #expect(error?.problems.first?.message.hasPrefix("contains a date of birth at characters 5–14") == true)
        let lenient = ScreeningRules(policy: ScreeningPolicy([.dateOfBirth: .flag]))
        let imported = try PlanCSV.importPlan(csv, id: PlanID("x"), title: "X", screening: lenient)
        let messages = imported.flags.map(\.message)
        #expect(messages.count == 3, "\(messages)")
        #expect(
            messages.first?.hasPrefix("row 3, column progress: contains a date of birth at characters 5–14") == true)
        #expect(messages.dropFirst().first?.hasPrefix("row 3, column progress: contains a postcode") == true)
        #expect(messages.last?.hasPrefix("row 4, column action: contains an e-mail address") == true)
        // Without screening (the CLI's own checks of a file), nothing is looked for.
        #expect(try PlanCSV.importPlan(csv, id: PlanID("x"), title: "X").flags.isEmpty)
    }

    /// Every text of any record and any change, with an NHS number planted in it, is
    /// reached by a redaction of the names ``Screener/texts(of:)`` gives: none is left.
    @Test func aRedactionOfEveryNamedText_leavesNoDetailInAnyText() async {
        let nhs = " 943 476 5919 "
        let input = FormatPropertyTests.gen { a in (a.action(), a.change()) }
        await propertyCheck(count: 200, input: input) { pair in
            var (action, change) = pair
            action.title += nhs
            for path in [\Action.recommendation, \.description, \.leadOfficer, \.successMeasure, \.progress, \.signOff]
            {
                action[keyPath: path] = action[keyPath: path].map { $0 + nhs }
            }
            for i in action.evidence.indices {
                action.evidence[i].summary += nhs
                action.evidence[i].reference = action.evidence[i].reference.map { $0 + nhs }
                action.evidence[i].retraction?.reason += nhs
            }
            for i in action.notes.indices {
                action.notes[i].text += nhs
                action.notes[i].reference = action.notes[i].reference.map { $0 + nhs }
                action.notes[i].retraction?.reason += nhs
            }
            for i in action.targetDateHistory.indices { action.targetDateHistory[i].reason += nhs }
            for name in Screener.freeTextFields {
                change.set[name] = FieldChange(from: .text("was" + nhs), to: .text("now" + nhs))
            }
            change.append = change.append.map { item in
                switch item {
                case .evidence(var e):
                    e.summary += nhs
                    e.reference = (e.reference ?? "") + nhs
                    return .evidence(e)
                case .note(var n):
                    n.text += nhs
                    n.reference = (n.reference ?? "") + nhs
                    return .note(n)
                case .retract(var r):
                    r.reason += nhs
                    return .retract(r)
                }
            }
            change.reason = (change.reason ?? "") + nhs
            let screener = Screener()
            for field in Set(Screener.texts(of: action).map(\.field)) {
                action = screener.redacting(action, field: field, kinds: [.nhsNumber]) ?? action
            }
            for field in Set(Screener.texts(of: change).map(\.field)) {
                change = screener.redacting(change, field: field, kinds: [.nhsNumber]) ?? change
            }
            #expect(!String(decoding: action.json, as: UTF8.self).contains("943 476 5919"))
            #expect(!String(decoding: change.json, as: UTF8.self).contains("943 476 5919"))
            #expect(String(decoding: action.json, as: UTF8.self).contains("[redacted: nhs-number]"))
        }
    }

    @Test func aRedaction_replacesOnlyItsKind_inOnlyItsText() throws {
        var action = Self.record
        action.progress = "At LS6 2QT, NHS 943 476 5919"
        action.notes = [ProgressNote(text: "Also LS6 2QT", author: Self.police)]
        let redacted = try #require(Screener().redacting(action, field: "progress", kinds: [.postcode]))
        #expect(redacted.progress == "At [redacted: postcode], NHS 943 476 5919")
        #expect(redacted.notes == action.notes && redacted.revision == action.revision)
        #expect(Screener().redacting(action, field: "progress", kinds: [.email]) == nil)
        #expect(Screener.redactionMarkers(in: redacted) == 1 && Screener.redactionMarkers(in: action) == 0)
    }

    @Test func theReport_listsIdentifyingDetails_inItsDataQualitySection_neverTheText() {
        var trail = Trail()
        trail.create("1.1", owner: "police", day: 1)
        trail.set("1.1", by: "police", day: 2, [.progress: .text("Family moved to LS6 2QT")])
        let report = Report.build(
            plans: [Trail.reportPlan], trail: trail.entries, conflicts: [],
            period: ReportPeriod(asOf: Trail.time(10)))
        let items = report.plans[0].dataQuality
        #expect(items.map(\.words) == ["a postcode in progress (characters 17–23)"])
        #expect(items.map(\.policy) == [.flag])
        #expect(report.html.contains("Data quality: identifying details") && !report.html.contains("LS6 2QT"))
        #expect(report.markdown.contains("| 1.1 | a postcode | progress, characters 17–23 | flag |"))
        #expect(report.csv.contains("a postcode in progress (characters 17–23)"))
        let off = Report.build(
            plans: [Trail.reportPlan], trail: trail.entries, conflicts: [], period: ReportPeriod(asOf: Trail.time(10)),
            screening: [Trail.plan: ScreeningRules(policy: ScreeningPolicy([.postcode: .off]))])
        #expect(off.plans[0].dataQuality.isEmpty && off.html.contains("None found."))
    }
}

/// What the audit of issue 14 found: text that came in by the side, and a redacted field
/// that could no longer be edited.
@Suite("Screening: what is new, what is stored")
struct ScreeningNewTextTests {
    static let address = ScreeningMergeTests.address
    static let police = ScreeningMergeTests.police

    static func context() -> MergeContext {
        MergeContext(
            actor: police, role: .agency, now: Timestamp(millisecondsSinceEpoch: 1), screening: ScreeningRules())
    }

    /// A `from` that is not the stored value (a hostile client's, or a copy from before a
    /// redaction) is not refused but kept redacted: a conflict keeps it as its base, and an
    /// old copy then meets the redacted record as unchanged.
    @Test func aFromValueThatIsNotTheStoredOne_isRedactedBeforeTheMerge() throws {
        var record = ScreeningMergeTests.record
        record.progress = "On track"
        let rules = ScreeningRules()
        let hostile = Change(
            action: Self.address, baseRevision: 1,
            fields: [.progress: FieldChange(from: .text("NHS 943 476 5919"), to: .text("Done"))])
        let kept = rules.redactingFrom(hostile, against: record)
        #expect(kept.set["progress"]?.from == .text("NHS [redacted: nhs-number]"))
        let result = merge(kept, into: record, context: Self.context())
        #expect(result.outcome == .conflict && result.conflicts.first?.base == .text("NHS [redacted: nhs-number]"))
        // An edit made from a copy taken before the redaction.
        record.progress = "Seen, NHS [redacted: nhs-number]"
        let old = Change(
            action: Self.address, baseRevision: 1,
            fields: [.progress: FieldChange(from: .text("Seen, NHS 943 476 5919"), to: .text("Seen"))])
        #expect(
            merge(rules.redactingFrom(old, against: record), into: record, context: Self.context()).outcome == .applied)
        // A from of a date field that is no date is refused, without quoting it.
        let date = Change(
            action: Self.address, baseRevision: 1,
            fields: [.targetDate: FieldChange(from: .text("Liam Smith b. 2014"), to: .text("2026-06-30"))],
            reason: "Moved")
        let refused = merge(date, into: record, context: Self.context())
        #expect(refused.violations.map(\.rule) == [.invalidValue] && !refused.violations[0].message.contains("Liam"))
    }

    /// A value already stored (from before the policy) is no new text: keeping it, quoting it
    /// as seen, or removing it is allowed; only what is new is screened.
    @Test func aValueAlreadyStored_isNotScreenedAgain_soTheRecordStaysEditable() {
        var record = ScreeningMergeTests.record
        record.progress = "Seen, NHS 943 476 5919"
        let clearing = Change(
            action: Self.address, baseRevision: 1,
            fields: [.progress: FieldChange(from: .text("Seen, NHS 943 476 5919"), to: .text("Seen"))])
        #expect(merge(clearing, into: record, context: Self.context()).outcome == .applied)
        let keeping = Change(
            action: Self.address, baseRevision: 1,
            fields: [
                .progress: FieldChange(from: .text("Seen, NHS 943 476 5919"), to: .text("Seen, NHS 943 476 5919")),
                .leadOfficer: FieldChange(from: .null, to: .text("DI")),
            ])
        #expect(merge(keeping, into: record, context: Self.context()).outcome == .merged)
    }

    /// A redaction's marker is longer than what it replaces: a text at its limit goes over
    /// it, and quoting it as seen must not lock the field.
    @Test func aRedactedTextOverItsLimit_canStillBeEdited() throws {
        var record = ScreeningMergeTests.record
        record.leadOfficer = String(repeating: "x", count: 190) + " LS6 2QT"
        let redacted = try #require(Screener().redacting(record, field: "leadOfficer", kinds: [.postcode]))
        let stored = try #require(redacted.leadOfficer)
        #expect(stored.count > 200)
        let change = Change(
            action: Self.address, baseRevision: 1,
            fields: [.leadOfficer: FieldChange(from: .text(stored), to: .text("DI"))])
        #expect(merge(change, into: redacted, context: Self.context()).outcome == .applied)
    }

    /// Messages quote bad values (a date, a rating), but never one that holds a detail.
    @Test func aMessage_neverQuotesAValueHoldingADetail() {
        let change = Change(
            action: Self.address, baseRevision: 1,
            fields: [.targetDate: FieldChange(from: .null, to: .text("NHS 943 476 5919"))])
        let result = merge(change, into: ScreeningMergeTests.record, context: Self.context())
        #expect(result.violations.map(\.rule) == [.invalidDate])
        #expect(result.violations.allSatisfy { !$0.message.contains("5919") })
        #expect(result.violations.first?.message.contains("(a value holding an identifying detail)") == true)
    }

    /// Redacting two kinds that overlap leaves nothing of either.
    @Test func overlappingFindings_areRedactedWhole() {
        // The phone "+44 7700 900123" and the address "900123@example.org" share digits.
        let text = "call +44 7700 900123@example.org now"
        let redacted = Screener().redacting(text, kinds: [.phone, .email])
        #expect(redacted == "call [redacted: phone] now", "\(redacted ?? "")")
    }

    /// The report prints a detail the policy blocks (in the trail from before the policy) as
    /// redacted, and says where it was.
    @Test func theReport_printsABlockedDetailRedacted() {
        var trail = Trail()
        trail.create("1.1", owner: "police", day: 1)
        trail.set("1.1", by: "police", day: 3, [.progress: .text("Child seen, NHS 943 476 5919")])
        let report = Report.build(
            plans: [Trail.reportPlan], trail: trail.entries, conflicts: [],
            period: ReportPeriod(asOf: Trail.time(10), since: Trail.time(2)))
        #expect(report.plans[0].dataQuality.map(\.policy) == [.block])
        #expect(report.plans[0].actions[0].record.progress == "Child seen, NHS [redacted: nhs-number]")
        for text in [report.html, report.markdown, report.csv] { #expect(!text.contains("5919")) }
        #expect(
            report.markdown.contains("[redacted: nhs-number]") || report.markdown.contains("\\[redacted: nhs-number\\]")
        )
    }
}
