import ConcordCore

/// A committee report: one or more plans as at a time, compared with an earlier one. A value,
/// computed by ``Report/build(plans:trail:conflicts:period:settings:)`` and written by the
/// renderers (HTML, Markdown, CSV).
public struct Report: Sendable, Hashable {
    /// The times compared.
    public var period: ReportPeriod
    /// The thresholds the flags used.
    public var settings: ReportSettings
    /// Each plan reported, in the order asked.
    public var plans: [PlanReport]
    /// Themes found in more than one plan: the same theme in several reviews is a finding.
    public var sharedThemes: [Theme]
}

/// One plan as at the report's time.
public struct PlanReport: Sendable, Hashable {
    /// The plan.
    public var plan: ReportPlan
    /// Its actions as they were at `asOf`, by ref; archived ones included (they count apart).
    public var actions: [ActionReport]
    /// The counts a committee reads first.
    public var headline: Headline
    /// Actions by rating at `since`, for the movement chart (`nil` when no `since` was given).
    public var ratingsAtSince: RatingCounts?
    /// What changed after `since`, oldest first.
    public var changes: [ChangeLine]
    /// When the plan will be complete.
    public var forecast: Forecast
    /// The plan's actions by theme.
    public var themes: [Theme]
    /// Identifying details in the records as reported (issue 14), by action: what the
    /// partnership's policy flags (and anything it blocks that predates the policy). Where
    /// they are, never the text.
    public var dataQuality: [DataQualityItem]

    /// Net RAG movements between `since` and `asOf`: how many actions went from one rating to
    /// another (actions added since, and those whose rating is the same, are not counted),
    /// in the scheme's order of the ratings moved from, then to.
    public var movements: [(from: String, to: String, count: Int)] {
        guard ratingsAtSince != nil else { return [] }
        var tally: [String: [String: Int]] = [:]
        for a in actions where a.existedAtSince && a.ratingAtSince != a.record.rag {
            tally[a.ratingAtSince ?? "unrated", default: [:]][a.record.rag ?? "unrated", default: 0] += 1
        }
        let order = plan.scheme.ratings.map(\.id) + ["unrated"]
        func rank(_ id: String) -> Int { order.firstIndex(of: id) ?? order.count }
        return tally.flatMap { from, tos in tos.map { (from: from, to: $0.key, count: $0.value) } }
            .sorted { (rank($0.from), rank($0.to), $0.from, $0.to) < (rank($1.from), rank($1.to), $1.from, $1.to) }
    }

    /// Every action's flags, by question (the order of ``FlagKind``), then by action: "why is
    /// everything green?" is answered in one place.
    public var flags: [(action: Action, flag: Flag)] {
        FlagKind.allCases.flatMap { kind in
            actions.flatMap { a in a.flags.filter { $0.kind == kind }.map { (a.record, $0) } }
        }
    }

}

/// One action as at the report's time, with what the trail says of it.
public struct ActionReport: Sendable, Hashable {
    /// The record as it was.
    public var record: Action
    /// Its rating at `since`; `nil` when it was unrated or did not exist then.
    public var ratingAtSince: String?
    /// Whether it existed at `since`.
    public var existedAtSince: Bool
    /// The last time an update, note or evidence changed it.
    public var lastActivity: Timestamp
    /// Since when it has been at the scheme's worst rating (`nil` when it is not).
    public var worstSince: Timestamp?
    /// The first target date it had.
    public var originalTargetDate: LocalDate?
    /// How many times the target date was moved.
    public var targetDateMoves: Int
    /// Open: not archived, not completed, not at a rating that needs sign-off (embedded).
    public var isOpen: Bool
    /// Open with its target date passed.
    public var isOverdue: Bool
    /// At least one live item of impact evidence.
    public var hasImpactEvidence: Bool
    /// What a committee should ask about it.
    public var flags: [Flag]
}

/// Counts by rating: the scheme's ratings in order, then "unrated".
public struct RatingCounts: Sendable, Hashable {
    /// `(rating id, count)` in the scheme's order; `unrated` last when any.
    public var counts: [(id: String, count: Int)]

    /// The count of one rating id.
    public subscript(id id: String) -> Int { counts.first { $0.id == id }?.count ?? 0 }
    /// All actions counted.
    public var total: Int { counts.reduce(0) { $0 + $1.count } }

    /// Equal when the same ids have the same counts in the same order.
    public static func == (a: Self, b: Self) -> Bool {
        a.counts.map(\.id) == b.counts.map(\.id) && a.counts.map(\.count) == b.counts.map(\.count)
    }

    /// Hashes the ids and counts.
    public func hash(into hasher: inout Hasher) {
        for c in counts {
            hasher.combine(c.id)
            hasher.combine(c.count)
        }
    }
}

/// The headline: actions by rating, overall and by lead agency, and the counts that matter.
public struct Headline: Sendable, Hashable {
    /// Actions not archived.
    public var actions: Int
    /// Archived actions (not counted elsewhere).
    public var archived: Int
    /// Actions by rating.
    public var byRating: RatingCounts
    /// Actions by lead agency, then by rating; agencies by id.
    public var byAgency: [AgencyRatings]
    /// Open actions past their target date.
    public var overdue: Int
    /// Actions with at least one live item of impact evidence.
    public var withImpactEvidence: Int

    /// `withImpactEvidence` as a whole percentage of `actions` (0 when there are none).
    public var impactPercent: Int { actions == 0 ? 0 : (withImpactEvidence * 100 + actions / 2) / actions }
}

/// One lead agency's actions by rating.
public struct AgencyRatings: Sendable, Hashable {
    /// The lead agency.
    public var agency: AgencyID
    /// Its actions by rating.
    public var byRating: RatingCounts
}

/// A scrutiny flag: what a committee should ask, and why.
public struct Flag: Sendable, Hashable {
    /// Which question.
    public var kind: FlagKind
    /// The reason, with the numbers: "rated green with no evidence".
    public var reason: String

    /// A flag and its reason.
    public init(_ kind: FlagKind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }
}

/// The questions the report asks of each action.
public enum FlagKind: String, Sendable, Hashable, CaseIterable {
    /// At a rating that needs evidence (green, blue), or completed, with no live evidence.
    case noEvidence = "no-evidence"
    /// At a rating that needs sign-off (blue) without impact evidence.
    case noImpactEvidence = "no-impact-evidence"
    /// At a rating that needs sign-off (blue) without it.
    case noSignOff = "no-sign-off"
    /// Completed or green where every evidence item is an output: the date set, the training
    /// not shown to have been held or to have changed practice.
    case outputsOnly = "outputs-only"
    /// Open, its target date passed.
    case overdue
    /// Target date moved more than once, or later by more than the drift days in all.
    case drift
    /// Open with no update, note or evidence for the stale days.
    case stale
    /// At the scheme's worst rating for longer than the red days.
    case longRed = "long-red"

    /// The heading a person reads.
    public var title: String {
        switch self {
        case .noEvidence: "Done without evidence"
        case .noImpactEvidence: "Embedded without impact evidence"
        case .noSignOff: "Embedded without sign-off"
        case .outputsOnly: "Done on outputs alone"
        case .overdue: "Overdue"
        case .drift: "Target date drift"
        case .stale: "No update"
        case .longRed: "Red for too long"
        }
    }
}

/// One thing that happened after `since`.
public struct ChangeLine: Sendable, Hashable {
    /// The action.
    public var action: ActionAddress
    /// Hub time.
    public var at: Timestamp
    /// The agency that did it.
    public var by: AgencyID
    /// What happened.
    public var what: ChangeKind
}

/// What happened to an action.
public enum ChangeKind: Sendable, Hashable {
    /// The action was added to the plan.
    case created
    /// Its rating moved.
    case rating(from: String?, to: String?)
    /// Evidence was added.
    case evidence(EvidenceKind, String)
    /// Evidence or a note was retracted, with the reason.
    case retracted(String, reason: String)
    /// The target date moved, with the reason.
    case targetDate(from: LocalDate?, to: LocalDate?, reason: String)
    /// A progress note was added.
    case note(String)
    /// The progress summary was rewritten (or cleared: `nil`).
    case progress(String?)
    /// Another field was edited: title, recommendation, description, lead officer, success
    /// measure, lead or supporting agencies.
    case edited(Field, from: String?, to: String?)
    /// It was marked completed (or the completion was cleared: `nil`).
    case completed(LocalDate?)
    /// It was signed off (or the sign-off was cleared: `nil`).
    case signedOff(String?)
    /// It was archived (or brought back: `false`).
    case archived(Bool)
    /// A conflict was recorded on a field.
    case conflictOpened(id: Int64, Field)
    /// A conflict was resolved.
    case conflictResolved(id: Int64, Field, choice: String)
}

/// "When will the plan be complete?"
public struct Forecast: Sendable, Hashable {
    /// Open actions.
    public var open: Int
    /// Open actions with no target date.
    public var openWithoutDate: Int
    /// The latest target date of the open actions.
    public var latestTargetDate: LocalDate?
    /// Open actions whose original target date has passed.
    public var pastOriginalDate: Int
}

/// Actions under one theme.
public struct Theme: Sendable, Hashable {
    /// The theme's name, or the recommendation's text.
    public var name: String
    /// The actions, by plan and ref.
    public var actions: [ActionAddress]
    /// The plans they are in.
    public var plans: [PlanID]
    /// Their ratings (the names are the ids; plans may differ in scheme).
    public var byRating: [String: Int]
}

/// An identifying detail in a reported record: where it is and what kind, never the text.
public struct DataQualityItem: Sendable, Hashable {
    /// The action.
    public var ref: ActionRef
    /// The text it is in, as a redaction names it.
    public var field: String
    /// What kind of detail.
    public var kind: IdentifierKind
    /// The first character (from 0) and how many.
    public var start: Int
    /// How many characters.
    public var length: Int
    /// What the partnership's policy does with the kind: flag, or block (it predates the policy).
    public var policy: ScreeningAction

    /// "a postcode in note (characters 12–19)".
    public var words: String { "\(kind.words) in \(field) (characters \(start + 1)–\(start + length))" }
}
