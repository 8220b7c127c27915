import ConcordCodec
import ConcordCore

/// One change the hub took (applied, merged or conflict: never a rejected one), as its audit
/// trail holds it. The report replays these, in `seq` order, to see every action as it was.
public struct TrailEntry: Sendable, Hashable {
    /// The hub's sequence number: the order the hub applied changes in.
    public var seq: Int64
    /// The agency whose token sent the change.
    public var agency: AgencyID
    /// Hub time the change was received.
    public var at: Timestamp
    /// The change as the agency sent it.
    public var change: Change

    /// An entry of the trail.
    public init(seq: Int64, agency: AgencyID, at: Timestamp, change: Change) {
        self.seq = seq
        self.agency = agency
        self.at = at
        self.change = change
    }
}

/// A plan as the report names it.
public struct ReportPlan: Sendable, Hashable {
    /// The plan's id, e.g. `child-m`.
    public var id: PlanID
    /// Its title: "Child M: Serious Case Review action plan".
    public var title: String
    /// The plan's RAG scheme; its ratings' words are the report's words.
    public var scheme: RAGScheme

    /// A plan with its scheme.
    public init(id: PlanID, title: String, scheme: RAGScheme) {
        self.id = id
        self.title = title
        self.scheme = scheme
    }
}

/// A conflict, with when it was opened and, if it was, resolved.
public struct ReportConflict: Sendable, Hashable {
    /// The hub's conflict id.
    public var id: Int64
    /// The action whose field is in conflict.
    public var action: ActionAddress
    /// The field.
    public var field: Field
    /// The agency whose edit met another.
    public var agency: AgencyID
    /// Hub time the conflict was recorded.
    public var openedAt: Timestamp
    /// Hub time it was resolved; `nil` while open.
    public var resolvedAt: Timestamp?
    /// Who resolved it (the business unit).
    public var resolvedBy: AgencyID?
    /// How: `keep-hub`, `take-agency` or `value`.
    public var choice: String?

    /// A conflict as the report sees it.
    public init(
        id: Int64, action: ActionAddress, field: Field, agency: AgencyID, openedAt: Timestamp,
        resolvedAt: Timestamp? = nil, resolvedBy: AgencyID? = nil, choice: String? = nil
    ) {
        self.id = id
        self.action = action
        self.field = field
        self.agency = agency
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.choice = choice
    }
}

/// A theme the partnership tracks across reviews ("Escalation"), found by words in an
/// action's recommendation or title.
public struct ThemeRule: Sendable, Hashable, Codable {
    /// The theme's name as printed.
    public var name: String
    /// Words or phrases, matched case-insensitively; any one puts an action in the theme.
    public var keywords: [String]

    /// A theme and its words.
    public init(name: String, keywords: [String]) {
        self.name = name
        self.keywords = keywords
    }
}

/// The thresholds of the scrutiny flags, and the themes (the hub config's `report`; see
/// `config/hub.example.json`).
public struct ReportSettings: Sendable, Hashable, Codable {
    /// An open action with no update, note or evidence for this many days is stale. 42: one
    /// committee cycle of six weeks.
    public var staleDays: Int
    /// A target date moved later by more than this many days in all is drift. 90: a quarter.
    public var driftDays: Int
    /// Red for longer than this many days is flagged. 90: a quarter at red is a plan not working.
    public var redDays: Int
    /// Themes across plans; actions matching none are grouped by their recommendation.
    public var themes: [ThemeRule]
    /// The committee's time zone (a tz database name). Default `Europe/London`.
    public var timeZone: String

    private enum CodingKeys: String, CodingKey { case staleDays, driftDays, redDays, themes, timeZone }

    /// Reads the hub config's `report` object: absent keys keep their defaults, unknown keys
    /// and days below 1 are refused by name.
    public init(from decoder: any Decoder) throws {
        try ConcordJSON.rejectUnknownKeys(
            in: decoder, known: ["staleDays", "driftDays", "redDays", "themes", "timeZone"], what: "report")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReportSettings()
        staleDays = try c.decodeIfPresent(Int.self, forKey: .staleDays) ?? d.staleDays
        driftDays = try c.decodeIfPresent(Int.self, forKey: .driftDays) ?? d.driftDays
        redDays = try c.decodeIfPresent(Int.self, forKey: .redDays) ?? d.redDays
        themes = try c.decodeIfPresent([ThemeRule].self, forKey: .themes) ?? []
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? d.timeZone
        for theme in themes
        where theme.name.allSatisfy(\.isWhitespace) || theme.keywords.isEmpty
            || theme.keywords.contains(where: { $0.allSatisfy(\.isWhitespace) })
        {
            throw DecodingError.dataCorruptedError(
                forKey: .themes, in: c,
                debugDescription: "each report theme needs a name and at least one keyword, none of them blank")
        }
        for (key, days) in [(CodingKeys.staleDays, staleDays), (.driftDays, driftDays), (.redDays, redDays)]
        where days < 1 {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c, debugDescription: "report.\(key.rawValue) must be at least 1 day")
        }
    }

    /// Settings; the defaults are the ones `config/hub.example.json` gives with their reasons.
    public init(
        staleDays: Int = 42, driftDays: Int = 90, redDays: Int = 90, themes: [ThemeRule] = [],
        timeZone: String = "Europe/London"
    ) {
        self.staleDays = staleDays
        self.driftDays = driftDays
        self.redDays = redDays
        self.themes = themes
        self.timeZone = timeZone
    }
}

/// The moments a report compares: "as at" T, and "since" S (the last meeting).
public struct ReportPeriod: Sendable, Hashable {
    /// The report shows the plan as it was at this hub time.
    public var asOf: Timestamp
    /// Changes after this time and up to `asOf` are listed; `nil`: no comparison.
    public var since: Timestamp?
    /// What `since` is, as people say it: "Safeguarding Committee, 12 March 2026".
    public var sinceLabel: String?
    /// The zone the report's dates and times are in (the day "overdue" turns, the times printed).
    public var zone: ReportTimeZone

    /// A period; `since` must be before `asOf` (the builder treats a later one as `asOf`).
    public init(asOf: Timestamp, since: Timestamp? = nil, sinceLabel: String? = nil, zone: ReportTimeZone = .utc) {
        self.asOf = asOf
        self.since = since
        self.sinceLabel = sinceLabel
        self.zone = zone
    }
}
