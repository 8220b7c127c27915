import ConcordCore
import ConcordReport
import ConcordWire
import Dispatch
import Foundation
import Synchronization

/// The formats a report is written in.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// One self-contained page, to email and print.
    case html
    /// Markdown, for committee papers.
    case md
    /// One row per action, for spreadsheets.
    case csv

    /// The answer's content type.
    public var contentType: String {
        switch self {
        case .html: "text/html; charset=utf-8"
        case .md: "text/markdown; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }
}

extension Hub {
    /// The committee report of `plan` (or `all` the plans the caller reads) as at `asOf`
    /// (default now), compared with `since`, written in `format`. Admins and viewers read
    /// every plan; an agency the plans it is a partner in.
    ///
    /// `asOf`: a time (`2026-03-12T18:00:00Z`) or a date (the end of that day in the
    /// committee's time zone, `report.timeZone`); a time still to come is now. `since`: a time,
    /// a date (its start there), a meeting id, or `last-meeting` (the latest meeting before `asOf`).
    public func report(
        _ plan: String, asOf: String?, since: String?, format: ReportFormat, for principal: Principal
    ) async throws -> String {
        let now = clock()
        var at = now
        if let asOf {
            guard let t = Self.time(asOf, endOfDay: true, zone: reportZone) else {
                throw HubError(.badRequest, "asOf must be a date (YYYY-MM-DD) or a time (2026-03-12T18:00:00Z)")
            }
            at = min(t, now)
        }
        let period = try await period(asOf: at, since: since)
        let partners = Dictionary(
            uniqueKeysWithValues: try await storage.plansAndPartners().map { ($0.plan, $0.partners) })
        let plans = try await reportPlans(plan, asOf: at, partners: partners, for: principal)
        // A report of a big plan takes both cores for about a second: a few at a time, the
        // rest told to come back, so pushes and pulls are never starved.
        guard reports.enter() else {
            throw HubError(
                .tooManyRequests,
                "\(ReportGate.limit) reports are being written; ask again in a few seconds")
        }
        defer { reports.leave() }
        let ids = plans.map(\.id)
        let trail = try await storage.trail(of: ids, through: at)
        let visibility = Visibility(principal)
        let conflicts = try await storage.conflicts(visibility: visibility, status: nil).filter {
            ids.contains($0.action.plan)
                && visibility.lists(conflictBy: $0.agency, planPartners: partners[$0.action.plan] ?? [])
        }.map(Self.reportConflict)
        let settings = reportSettings
        let names = try await storage.protectedNames(of: ids.count == 1 ? ids[0] : nil)
        // The year of the report's "as at", so a report as at a date is the same whenever it is written.
        let screening = Dictionary(
            uniqueKeysWithValues: ids.map { id in
                var rules = screeningRules(for: id, digests: names[id] ?? [])
                rules.screener.year = period.asOf.date.year
                return (id, rules)
            })
        return try await offThePool {
            let report = Report.build(
                plans: plans, trail: trail, conflicts: conflicts, period: period, settings: settings,
                screening: screening)
            switch format {
            case .html: return report.html
            case .md: return report.markdown
            case .csv: return report.csv
            }
        }
    }

    /// The changes the hub took for `plans` by `through`, in sequence order: what a report
    /// replays (no authorization: for the hub's own tools and benchmarks).
    public func trail(of plans: [PlanID], through: Timestamp) async throws -> [TrailEntry] {
        try await storage.trail(of: plans, through: through)
    }

    /// The plans a report covers: one, or `all` the caller reads that existed at `asOf`.
    func reportPlans(
        _ plan: String, asOf: Timestamp, partners: [PlanID: Set<AgencyID>], for principal: Principal
    ) async throws -> [ReportPlan] {
        let list = try await storage.planList()
        let chosen: [StoredPlan]
        if plan == "all" {
            let visibility = Visibility(principal)
            chosen = list.filter { $0.createdAt <= asOf && visibility.readsPlan(partners: partners[$0.id] ?? []) }
        } else {
            guard let id = try? PlanID(plan) else {
                throw HubError(.badRequest, "'\(plan.prefix(40))' is not a plan id")
            }
            try await requireReadable(id, by: principal)
            chosen = list.filter { $0.id == id }
        }
        return chosen.map { ReportPlan(id: $0.id, title: $0.title, scheme: scheme($0.scheme) ?? defaultScheme) }
    }

    /// The report's period: `since` read as a time, a date, a meeting id or `last-meeting`.
    func period(asOf: Timestamp, since: String?) async throws -> ReportPeriod {
        guard let since, !since.isEmpty else { return ReportPeriod(asOf: asOf, zone: reportZone) }
        if let t = Self.time(since, endOfDay: false, zone: reportZone) {
            guard t < asOf else { throw HubError(.unprocessable, "since (\(since)) must be before asOf (\(asOf))") }
            return ReportPeriod(asOf: asOf, since: t, zone: reportZone)
        }
        let meetings = try await storage.meetings()
        let meeting: Meeting
        if since == "last-meeting" {
            guard let last = meetings.last(where: { $0.date < asOf }) else {
                throw HubError(
                    .unprocessable,
                    "no meeting before \(asOf): add one with 'concordctl hub meetings add ID --date YYYY-MM-DD --title ...'"
                )
            }
            meeting = last
        } else {
            guard let found = meetings.first(where: { $0.id == since }) else {
                throw HubError(
                    .notFound,
                    "since '\(since.prefix(64))' is neither a date, a time, 'last-meeting' nor a meeting id (see concordctl hub meetings list)"
                )
            }
            meeting = found
        }
        guard meeting.date < asOf else {
            throw HubError(.unprocessable, "meeting \(meeting.id) (\(meeting.date)) is not before asOf (\(asOf))")
        }
        return ReportPeriod(asOf: asOf, since: meeting.date, sinceLabel: meeting.title, zone: reportZone)
    }

    /// A hub time, or a date: its start, or with `endOfDay` its last millisecond, in `zone`.
    static func time(_ text: String, endOfDay: Bool, zone: ReportTimeZone) -> Timestamp? {
        if let date = LocalDate(text) { return endOfDay ? zone.end(of: date) : zone.start(of: date) }
        return Timestamp(text)
    }

    static func reportConflict(_ c: ConflictRecord) -> ReportConflict {
        ReportConflict(
            id: c.id, action: c.action, field: c.field, agency: c.agency, openedAt: c.createdAt,
            resolvedAt: c.resolution?.at, resolvedBy: c.resolution?.by, choice: c.resolution?.choice.rawValue)
    }

    // MARK: Meetings

    /// Every committee meeting, by date (anyone who may read the hub).
    public func meetings() async throws -> MeetingList { MeetingList(meetings: try await storage.meetings()) }

    /// Adds a meeting (admins only); its date is a hub time or a day (its start in the
    /// committee's time zone). Returns it as stored.
    @discardableResult
    public func add(_ request: MeetingRequest, by principal: Principal) async throws -> Meeting {
        guard let date = Self.time(request.date, endOfDay: false, zone: reportZone) else {
            throw HubError(.unprocessable, "a meeting's date is a date (YYYY-MM-DD) or a time (2026-03-12T10:00:00Z)")
        }
        let meeting = Meeting(id: request.id, date: date, title: request.title)
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) adds meetings")
        }
        guard meeting.id != "last-meeting", LocalDate(meeting.id) == nil, Timestamp(meeting.id) == nil else {
            throw HubError(
                .unprocessable, "'\(meeting.id)' would read as a date or as last-meeting: give the meeting another id")
        }
        guard Meeting.isValidID(meeting.id) else {
            throw HubError(
                .unprocessable,
                "meeting id '\(meeting.id.prefix(64))' must be 1-64 of a-z, 0-9, '-', '.' and '_', starting with a letter or digit"
            )
        }
        let title = meeting.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...300).contains(title.count) else {
            throw HubError(.unprocessable, "a meeting's title is 1-300 characters, not blank")
        }
        let stored = Meeting(id: meeting.id, date: meeting.date, title: title)
        guard try await storage.add(stored, at: clock()) else {
            throw HubError(.conflict, "meeting \(meeting.id) exists already")
        }
        return stored
    }

    /// Removes a meeting (admins only).
    public func removeMeeting(_ id: String, by principal: Principal) async throws {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) removes meetings")
        }
        guard try await storage.removeMeeting(id) else {
            throw HubError(.notFound, "meeting \(id.prefix(64)) not found")
        }
    }
}

/// How many reports are being written; at most ``limit`` at once.
final class ReportGate: Sendable {
    /// Reports written at once: one per core of a small hub.
    static let limit = 2
    private let running = Mutex(0)

    /// Takes a place; `false` when all are taken.
    func enter() -> Bool {
        running.withLock { n in
            guard n < Self.limit else { return false }
            n += 1
            return true
        }
    }

    /// Gives a place back.
    func leave() { running.withLock { $0 -= 1 } }
}

extension ReportTimeZone {
    /// The zone of this name in the system's time zone database; `nil` for an unknown name.
    /// Europe/London says GMT and BST, as people there do.
    init?(foundation identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(identifier: identifier) { t in
            let date = Date(timeIntervalSince1970: Double(t.millisecondsSinceEpoch) / 1000)
            let seconds = zone.secondsFromGMT(for: date)
            if identifier == "Europe/London" { return (seconds, seconds == 0 ? "GMT" : "BST") }
            return (seconds, zone.abbreviation(for: date) ?? identifier)
        }
    }
}

/// Runs blocking, many-core work (a report's replay, a trail's decoding) on a thread of
/// Dispatch's, not on one of Swift's cooperative pool, which the hub's requests share.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
