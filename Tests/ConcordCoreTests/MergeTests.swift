import ConcordCore
import Foundation
import Testing

/// One row of the merge table: who applies which change to which hub record, and what must happen.
struct MergeCase: Sendable, CustomTestStringConvertible {
    let name: String
    var actor: AgencyID = Fixture.csc
    var role: Role = .agency
    var current: Action? = Fixture.action
    let change: Change
    let outcome: Outcome
    /// For a rejection: the rule that must be among the reasons.
    var rule: Violation.Rule? = nil
    /// Further checks of the result.
    var check: @Sendable (MergeResult) -> Bool = { _ in true }

    var testDescription: String { name }
}

private let progressLive = [Field.progress: edit(text("Drafted"), text("Live"))]
private let evidenceItem = EvidenceItem(kind: .output, summary: "Audit of 20 cases", author: Fixture.police)

let mergeTable: [MergeCase] = [
    MergeCase(
        name: "fieldChangedFromHubValue_isApplied", change: Fixture.change(progressLive), outcome: .applied,
        check: { $0.record?.progress == "Live" && $0.record?.revision == 4 && $0.changed && $0.applied == [.progress] }),
    MergeCase(
        name: "bothSidesSetSameValue_isMergedWithoutConflict",
        current: {
            var a = Fixture.action; a.progress = "Live"; return a
        }(),
        change: Fixture.change(progressLive), outcome: .merged,
        check: { $0.conflicts.isEmpty && !$0.changed && $0.record?.revision == 3 && $0.alreadySet == [.progress] }),
    MergeCase(
        name: "bothSidesEditedProgress_reportsConflictAndKeepsHubValue",
        current: {
            var a = Fixture.action; a.progress = "Template live since January"; return a
        }(),
        change: Fixture.change(progressLive), outcome: .conflict,
        check: {
            $0.record?.progress == "Template live since January" && !$0.changed
                && $0.conflicts == [
                    FieldConflict(
                        field: .progress, base: text("Drafted"), hub: text("Template live since January"),
                        incoming: text("Live"))
                ]
        }),
    MergeCase(
        name: "conflictOnOneField_stillAppliesTheOthers",
        current: {
            var a = Fixture.action; a.progress = "Other"; return a
        }(),
        change: Fixture.change([
            .progress: edit(text("Drafted"), text("Live")),
            .leadOfficer: edit(text("Head of Service Assessment"), text("Principal Social Worker")),
        ]), outcome: .conflict,
        check: {
            $0.record?.leadOfficer == "Principal Social Worker" && $0.record?.progress == "Other"
                && $0.applied == [.leadOfficer] && $0.record?.revision == 4
        }),
    MergeCase(
        name: "pushBothSidesEditedRag_reportsConflict",
        current: {
            var a = Fixture.action; a.rag = "red"; return a
        }(),
        change: Fixture.change([.rag: edit(text("amber"), text("amber"))]), outcome: .conflict,
        check: { $0.conflicts.first?.hub == text("red") && $0.conflicts.first?.incoming == text("amber") }),
    MergeCase(
        name: "adminCreatesNewAction_isAppliedAtRevisionOne", actor: Fixture.lscp, role: .admin, current: nil,
        change: Fixture.change(
            [.title: edit(.null, text("Learning event")), .ownerAgency: edit(.null, text("lscp"))], create: true,
            on: Fixture.address("child-m/6.2")), outcome: .applied,
        check: { $0.record?.revision == 1 && $0.record?.title == "Learning event" && $0.record?.ref.rawValue == "6.2" }),
    MergeCase(
        name: "createOfExistingActionWithSameValues_isMergedReplay", actor: Fixture.lscp, role: .admin,
        change: Fixture.change(
            [.title: edit(.null, text(Fixture.action.title)), .ownerAgency: edit(.null, text("csc"))], create: true),
        outcome: .merged, check: { !$0.changed && $0.record == Fixture.action }),
    MergeCase(
        name: "createOfExistingActionWithOtherValues_isRejected", actor: Fixture.lscp, role: .admin,
        change: Fixture.change(
            [.title: edit(.null, text("Something else")), .ownerAgency: edit(.null, text("csc"))], create: true),
        outcome: .rejected, rule: .alreadyExists),
    MergeCase(
        name: "agencyCreatesAction_isRejected", current: nil,
        change: Fixture.change(
            [.title: edit(.null, text("New")), .ownerAgency: edit(.null, text("csc"))], create: true,
            on: Fixture.address("child-m/9.1")), outcome: .rejected, rule: .adminOnly),
    MergeCase(
        name: "createWithoutTitle_isRejected", actor: Fixture.lscp, role: .admin, current: nil,
        change: Fixture.change([.ownerAgency: edit(.null, text("csc"))], create: true), outcome: .rejected,
        rule: .required),
    MergeCase(
        name: "editOfMissingAction_isRejectedNamingPlanAndRef", current: nil, change: Fixture.change(progressLive),
        outcome: .rejected, rule: .notFound,
        check: { $0.reason?.contains("action 2.1 not found in plan child-m") == true }),
    MergeCase(
        name: "unknownField_isRejectedAndChangesNothing",
        change: Change(
            action: Fixture.action.address, baseRevision: 3,
            set: ["colour": edit(.null, text("green")), "progress": edit(text("Drafted"), text("Live"))]),
        outcome: .rejected, rule: .unknownField,
        check: { $0.record == Fixture.action && $0.reason?.contains("'colour'") == true }),
    MergeCase(
        name: "emptyChange_isRejected", change: Fixture.change(), outcome: .rejected, rule: .emptyChange),
    // M1: a hostile change costs little and its answer stays small.
    MergeCase(
        name: "tenThousandUnknownKeys_isOneShortRejection",
        change: Change(
            action: Fixture.action.address, baseRevision: 3,
            set: Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("k\($0)", edit(.null, text("x"))) })),
        outcome: .rejected, rule: .tooLong,
        check: { $0.violations.count == 1 && ($0.reason?.utf8.count ?? 0) < 300 }),
    MergeCase(
        name: "severalUnknownFields_areNamedInOneViolation",
        change: Change(
            action: Fixture.action.address, baseRevision: 3,
            set: Dictionary(
                uniqueKeysWithValues: ["a", "b", "c", "d", "e\u{1B}[2J"].map { ($0, edit(.null, text("x"))) })),
        outcome: .rejected, rule: .unknownField,
        check: {
            $0.violations.count == 1 && $0.reason?.contains("and 2 more") == true
                && $0.reason?.contains("\u{1B}") == false
        }),
    MergeCase(
        name: "notPartnerSendingBadValues_isToldOnlyThatItIsNotAPartner", actor: Fixture.education,
        change: Fixture.change([.progress: edit(text("Drafted"), text("bell\u{07}")), .rag: edit(.null, text("mauve"))]
        ),
        outcome: .rejected, rule: .notPartner, check: { $0.violations.count == 1 }),
    MergeCase(
        name: "violations_areCappedAtTenAChange", actor: Fixture.lscp, role: .admin,
        change: Change(
            action: Fixture.action.address, baseRevision: 3,
            set: Dictionary(uniqueKeysWithValues: Field.allCases.map { ($0.rawValue, edit(.null, .flag(true))) })),
        outcome: .rejected, check: { $0.violations.count == FieldRules.maxViolationsPerChange }),
    // M8: `from` is checked and bounded like a value; text refuses terminal tricks.
    MergeCase(
        name: "fromWithAControlCharacter_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted\u{1B}[31m"), text("Live"))]), outcome: .rejected,
        rule: .controlCharacters),
    MergeCase(
        name: "fromLongerThanTheField_isRejected",
        change: Fixture.change([.progress: edit(text(String(repeating: "x", count: 8001)), text("Live"))]),
        outcome: .rejected, rule: .tooLong),
    MergeCase(
        name: "fromOfAShapeTheFieldNeverHolds_isRejected",
        change: Fixture.change([.progress: edit(.flag(true), text("Live"))]), outcome: .rejected, rule: .invalidValue),
    MergeCase(
        name: "fromQuotingAStoredCarriageReturn_isStillAccepted",
        current: {
            var a = Fixture.action; a.progress = "Line one\r\nLine two"; return a
        }(),
        change: Fixture.change([.progress: edit(text("Line one\r\nLine two"), text("Live"))]), outcome: .applied),
    MergeCase(
        name: "fromWithABidiOverrideThatIsNotTheStoredValue_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted \u{202E}x"), text("Live"))]), outcome: .rejected,
        rule: .controlCharacters),
    MergeCase(
        name: "bidiOverrideInText_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted"), text("Paid \u{202E}0001\u{202C} GBP"))]),
        outcome: .rejected, rule: .controlCharacters, check: { $0.reason?.contains("bidirectional") == true }),
    MergeCase(
        name: "carriageReturnInText_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted"), text("Done\rOverwritten"))]), outcome: .rejected,
        rule: .controlCharacters),
    MergeCase(
        name: "c1ControlInANote_isRejected",
        change: Fixture.change(append: [.note(ProgressNote(text: "csi \u{9B}2J", author: Fixture.csc))]),
        outcome: .rejected, rule: .controlCharacters),
    // M2: items are bounded per change and per action.
    MergeCase(
        name: "moreAppendsThanAChangeMayCarry_isRejected",
        change: Fixture.change(
            append: (0...FieldRules.maxAppendsPerChange).map {
                .note(ProgressNote(text: "n\($0)", author: Fixture.csc))
            }),
        outcome: .rejected, rule: .tooLong),
    MergeCase(
        name: "actionAtItsItemLimit_refusesANewNote_butAllowsARetraction",
        current: {
            var a = Fixture.withEvidence
            a.notes = (1..<FieldRules.maxItemsPerAction).map { ProgressNote(text: "n\($0)", author: Fixture.csc) }
            return a
        }(),
        change: Fixture.change(append: [.note(ProgressNote(text: "one more", author: Fixture.csc))]),
        outcome: .rejected, rule: .tooLong,
        check: { _ in
            let full = {
                var a = Fixture.withEvidence
                a.notes = (1..<FieldRules.maxItemsPerAction).map { ProgressNote(text: "n\($0)", author: Fixture.csc) }
                return a
            }()
            let retraction = Fixture.change(append: [.retract(RetractItem(item: Fixture.evidenceID, reason: "Wrong"))])
            return merge(retraction, into: full, context: Fixture.context(Fixture.csc, .agency)).outcome == .applied
        }),
    MergeCase(
        name: "newEvidenceAndNote_areAppendedAndStampedWithTheAuthenticatedAgency",
        change: Fixture.change(append: [
            .evidence(evidenceItem), .note(ProgressNote(text: "Audit booked", author: Fixture.police)),
        ]), outcome: .applied,
        check: {
            $0.record?.evidence.first?.author == Fixture.csc && $0.record?.evidence.first?.recordedAt == Fixture.now
                && $0.record?.notes.count == 1 && $0.added.count == 2
        }),
    MergeCase(
        name: "appendReplayed_isMergedAndChangesNothing",
        current: {
            var a = Fixture.action; var e = evidenceItem; e.author = Fixture.csc; a.evidence = [e]; return a
        }(),
        change: Fixture.change(append: [.evidence(evidenceItem)]), outcome: .merged,
        check: { !$0.changed && $0.record?.evidence.count == 1 && $0.alreadyPresent == [evidenceItem.id] }),
    MergeCase(
        name: "agencyEditsActionItDoesNotLeadOrSupport_isRejected", actor: Fixture.education,
        change: Fixture.change(progressLive), outcome: .rejected, rule: .notPartner,
        check: { $0.reason?.contains("only its lead (csc)") == true }),
    MergeCase(
        name: "supportingAgencyEdits_isApplied", actor: Fixture.police, change: Fixture.change(progressLive),
        outcome: .applied),
    MergeCase(
        name: "viewerEdits_isRejected", actor: Fixture.scrutiny, role: .viewer, change: Fixture.change(progressLive),
        outcome: .rejected, rule: .readOnlyRole),
    MergeCase(
        name: "agencyReassignsOwner_isRejectedAsAdminOnly",
        change: Fixture.change([.ownerAgency: edit(text("csc"), text("police"))]), outcome: .rejected,
        rule: .adminOnly),
    MergeCase(
        name: "agencySignsOff_isRejectedAsAdminOnly",
        change: Fixture.change([.signOff: edit(.null, text("Board, March"))]), outcome: .rejected, rule: .adminOnly),
    MergeCase(
        name: "agencyArchives_isRejectedAsAdminOnly",
        change: Fixture.change([.archived: edit(.flag(false), .flag(true))]), outcome: .rejected, rule: .adminOnly),
    MergeCase(
        name: "adminReassignsOwner_isApplied", actor: Fixture.lscp, role: .admin,
        change: Fixture.change([.ownerAgency: edit(text("csc"), text("police"))]), outcome: .applied,
        check: { $0.record?.ownerAgency == Fixture.police }),
    MergeCase(
        name: "agencyEditsArchivedAction_isRejected",
        current: {
            var a = Fixture.action; a.archived = true; return a
        }(),
        change: Fixture.change(progressLive), outcome: .rejected, rule: .archived),
    MergeCase(
        name: "greenWithoutEvidence_isRejected", change: Fixture.change([.rag: edit(text("amber"), text("green"))]),
        outcome: .rejected, rule: .requiresEvidence),
    MergeCase(
        name: "greenWithEvidenceInSameChange_isApplied",
        change: Fixture.change([.rag: edit(text("amber"), text("green"))], append: [.evidence(evidenceItem)]),
        outcome: .applied, check: { $0.record?.rag == "green" }),
    MergeCase(
        name: "blueWithoutSignOff_isRejected", current: Fixture.withEvidence,
        change: Fixture.change([.rag: edit(text("amber"), text("blue"))]), outcome: .rejected,
        rule: .requiresSignOff),
    MergeCase(
        name: "adminSetsBlueWithSignOff_isApplied", actor: Fixture.lscp, role: .admin, current: Fixture.withEvidence,
        change: Fixture.change([
            .rag: edit(text("amber"), text("blue")), .signOff: edit(.null, text("Partnership Board, 12 March 2026")),
        ]), outcome: .applied),
    MergeCase(
        name: "ratingOutsideScheme_isRejected", change: Fixture.change([.rag: edit(text("amber"), text("purple"))]),
        outcome: .rejected, rule: .unknownRating, check: { $0.reason?.contains("red, amber, green, blue") == true }),
    MergeCase(
        name: "targetDateMovedWithoutReason_isRejected",
        change: Fixture.change([.targetDate: edit(text("2026-02-28"), text("2026-06-30"))]), outcome: .rejected,
        rule: .targetDateNeedsReason),
    MergeCase(
        name: "targetDateMovedWithReason_isAppliedAndKeepsTheReason",
        change: Fixture.change(
            [.targetDate: edit(text("2026-02-28"), text("2026-06-30"))], reason: "Audit moved to Q2"),
        outcome: .applied,
        check: {
            $0.record?.targetDate == LocalDate("2026-06-30")
                && $0.record?.targetDateHistory.map(\.reason) == ["Audit moved to Q2"]
                && $0.record?.targetDateHistory.first?.from == LocalDate("2026-02-28")
        }),
    MergeCase(
        name: "impossibleDate_isRejected", change: Fixture.change([.completedOn: edit(.null, text("2026-02-30"))]),
        outcome: .rejected, rule: .invalidDate),
    MergeCase(
        name: "overlongProgress_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted"), text(String(repeating: "x", count: 8001)))]),
        outcome: .rejected, rule: .tooLong),
    MergeCase(
        name: "controlCharacterInText_isRejected",
        change: Fixture.change([.progress: edit(text("Drafted"), text("bell\u{07}"))]), outcome: .rejected,
        rule: .controlCharacters),
    MergeCase(
        name: "wrongValueType_isRejected", actor: Fixture.lscp, role: .admin,
        change: Fixture.change([.archived: edit(.flag(false), text("yes"))]), outcome: .rejected, rule: .invalidValue),
    MergeCase(
        name: "supportingAgencyOutsidePartnership_isRejected", actor: Fixture.lscp, role: .admin,
        change: Fixture.change([.supportingAgencies: edit(.list(["police"]), .list(["police", "fire"]))]),
        outcome: .rejected, rule: .unknownAgency),
    MergeCase(
        name: "titleSetEmpty_isRejected", actor: Fixture.lscp, role: .admin,
        change: Fixture.change([.title: edit(text(Fixture.action.title), .null)]), outcome: .rejected,
        rule: .required),
    MergeCase(
        name: "retractOwnEvidence_isApplied", current: Fixture.withEvidence,
        change: Fixture.change(append: [.retract(RetractItem(item: Fixture.evidenceID, reason: "Wrong file"))]),
        outcome: .applied, check: { $0.record?.evidence.first?.retraction?.reason == "Wrong file" }),
    MergeCase(
        name: "retractAnotherAgencysEvidence_isRejected", actor: Fixture.police, current: Fixture.withEvidence,
        change: Fixture.change(append: [.retract(RetractItem(item: Fixture.evidenceID, reason: "Not ours"))]),
        outcome: .rejected, rule: .notItemAuthor),
    MergeCase(
        name: "retractLastEvidenceOfGreenAction_isRejected",
        current: {
            var a = Fixture.withEvidence; a.rag = "green"; return a
        }(),
        change: Fixture.change(append: [.retract(RetractItem(item: Fixture.evidenceID, reason: "Wrong file"))]),
        outcome: .rejected, rule: .requiresEvidence),
    MergeCase(
        name: "retractUnknownItem_isRejected",
        change: Fixture.change(append: [.retract(RetractItem(item: UUID(), reason: "Gone"))]), outcome: .rejected,
        rule: .itemNotFound),
]

@Suite("Three-way field merge")
struct MergeTests {
    @Test(arguments: mergeTable)
    func mergeTableCase(_ row: MergeCase) {
        let result = merge(row.change, into: row.current, context: Fixture.context(row.actor, row.role))
        #expect(result.outcome == row.outcome, "\(result.reason ?? "")")
        if let rule = row.rule {
            #expect(result.violations.map(\.rule).contains(rule), "\(result.reason ?? "")")
        }
        if row.outcome == .rejected {
            #expect(result.record == row.current, "a rejected change must change nothing")
            #expect(!result.violations.isEmpty)
            #expect(result.violations.allSatisfy { $0.action == row.change.action })
        } else {
            #expect(result.violations.isEmpty)
        }
        #expect(row.check(result))
    }

    @Test(arguments: mergeTable.filter { $0.outcome != .rejected })
    func applyingTheSameChangeTwice_changesNothing(_ row: MergeCase) throws {
        let context = Fixture.context(row.actor, row.role)
        let first = merge(row.change, into: row.current, context: context)
        let record = try #require(first.record)
        let second = merge(row.change, into: record, context: context)
        #expect(second.record == record)
        #expect(!second.changed)
        #expect(second.outcome == (row.outcome == .conflict ? .conflict : .merged))
    }

    @Test func rejectionNamesActionFieldAndRule() {
        let result = merge(
            Fixture.change([.rag: edit(text("amber"), text("green"))]), into: Fixture.action,
            context: Fixture.context(Fixture.csc, .agency))
        let v = try! #require(result.violations.first)
        #expect(v.description.contains("action child-m/2.1"))
        #expect(v.description.contains("field rag"))
        #expect(v.description.contains("rule requiresEvidence"))
    }

    @Test func messagesNeverQuoteActionText() {
        let secret = "Family details that must never reach a log"
        let result = merge(
            Fixture.change([.progress: edit(text("Drafted"), text(secret + String(repeating: "!", count: 9000)))]),
            into: Fixture.action, context: Fixture.context(Fixture.csc, .agency))
        #expect(result.outcome == .rejected)
        #expect(result.reason?.contains("Family") == false)
    }

    @Test func localOverlay_showsPendingEditsOverThePulledRecord() throws {
        let change = Fixture.change(
            [.progress: edit(text("Drafted"), text("Live"))],
            append: [.note(ProgressNote(text: "n", author: Fixture.csc))])
        let view = try #require(Action.overlay(change, on: Fixture.action, author: Fixture.csc))
        #expect(view.progress == "Live")
        #expect(view.notes.count == 1 && view.notes[0].recordedAt == nil)
        #expect(Action.overlay(change, on: nil, author: Fixture.csc) == nil)
    }
}
