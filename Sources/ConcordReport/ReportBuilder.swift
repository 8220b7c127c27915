import ConcordCore
import Dispatch
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Report {
    /// The report of `plans` as at `period.asOf`, compared with `period.since`, from the audit
    /// trail alone: `trail` holds the changes the hub took (any plans; others are ignored),
    /// each action's in `seq` order (others are sorted first), `conflicts` the conflicts recorded. Nothing after `asOf` is read, so a
    /// report as at S is the report generated at S, whatever happened later. `screening`
    /// gives each plan's identifier screening for the data-quality section (the defaults
    /// for a plan not named). Pure.
    public static func build(
        plans: [ReportPlan], trail: [TrailEntry], conflicts: [ReportConflict], period: ReportPeriod,
        settings: ReportSettings = ReportSettings(), screening: [PlanID: ScreeningRules] = [:]
    ) -> Report {
        var period = period
        if let since = period.since, since > period.asOf { period.since = period.asOf }
        let wanted = Set(plans.map(\.id))
        // Each action's entries, as positions in the trail (the entries are not copied).
        var byAction: [ActionAddress: [Int]] = [:]
        for (i, entry) in trail.enumerated() where wanted.contains(entry.change.action.plan) {
            byAction[entry.change.action, default: []].append(i)
        }
        var byPlan: [PlanID: [[Int]]] = [:]
        for (address, entries) in byAction { byPlan[address.plan, default: []].append(entries) }
        let conflictsByPlan = Dictionary(grouping: conflicts.filter { wanted.contains($0.action.plan) }) {
            $0.action.plan
        }
        let reports = plans.map { plan in
            PlanReport(
                plan: plan, trail: trail, actions: byPlan[plan.id] ?? [], conflicts: conflictsByPlan[plan.id] ?? [],
                period: period, settings: settings, screening: screening[plan.id] ?? ScreeningRules())
        }
        return Report(
            period: period, settings: settings, plans: reports, sharedThemes: Theme.shared(reports.map(\.themes)))
    }
}

extension PlanReport {
    init(
        plan: ReportPlan, trail: [TrailEntry], actions trails: [[Int]], conflicts: [ReportConflict],
        period: ReportPeriod, settings: ReportSettings, screening: ScreeningRules
    ) {
        self.plan = plan
        let today = period.zone.date(of: period.asOf)
        // Each action's replay is its own: they run on every core, in slices.
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, trails.count / 250))
        let done = Mutex<[Int: [Replayed]]>([:])
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            var out: [Replayed] = []
            for positions in trails[(trails.count * slice / slices)..<(trails.count * (slice + 1) / slices)] {
                let ordered = zip(positions, positions.dropFirst()).allSatisfy { trail[$0].seq < trail[$1].seq }
                let timeline = Timeline(
                    trail, ordered ? positions : positions.sorted { trail[$0].seq < trail[$1].seq },
                    scheme: plan.scheme, period: period)
                guard let record = timeline.record else { continue }
                out.append(
                    Replayed(
                        report: ActionReport(
                            record: record, timeline: timeline, scheme: plan.scheme, today: today, period: period,
                            settings: settings), atSince: timeline.atSince, changes: timeline.changes))
            }
            done.withLock { $0[slice] = out }
        }
        var replayed = done.withLock { results in (0..<slices).flatMap { results[$0] ?? [] } }
        replayed.sort { $0.report.record.ref < $1.report.record.ref }
        let actions = replayed.map(\.report)
        let atSince = replayed.compactMap(\.atSince)
        var position: [ActionAddress: Int] = [:]
        for (i, a) in actions.enumerated() { position[a.record.address] = i }
        var changes = replayed.flatMap(\.changes)
        changes += Self.conflictLines(conflicts, period: period)
        // By time, then action; lines of one moment keep the order they were made in.
        changes = changes.enumerated().sorted {
            ($0.element.at, position[$0.element.action] ?? Int.max, $0.offset)
                < ($1.element.at, position[$1.element.action] ?? Int.max, $1.offset)
        }.map(\.element)
        self.actions = actions
        self.changes = changes
        headline = Headline(actions, scheme: plan.scheme)
        ratingsAtSince = period.since == nil ? nil : RatingCounts(atSince.filter { !$0.archived }, scheme: plan.scheme)
        forecast = Forecast(actions, today: today)
        themes = []
        dataQuality = actions.flatMap { a in
            Screener.texts(of: a.record).flatMap { screening.screener.findings(in: $0.text, field: $0.field) }
                .compactMap { f in
                    let policy = screening.policy.action(for: f.kind)
                    return policy == .off
                        ? nil
                        : DataQualityItem(
                            ref: a.record.ref, field: f.field, kind: f.kind, start: f.start, length: f.length,
                            policy: policy)
                }
        }
        maskBlocked(screening)
        // After the masking: a theme may be named by a recommendation's text.
        themes = Theme.of(self.actions, rules: settings.themes)
    }

    /// Conflicts opened or resolved after `since` and by `asOf`.
    static func conflictLines(_ conflicts: [ReportConflict], period: ReportPeriod) -> [ChangeLine] {
        guard let since = period.since else { return [] }
        var lines: [ChangeLine] = []
        for c in conflicts {
            if c.openedAt > since, c.openedAt <= period.asOf {
                lines.append(
                    ChangeLine(action: c.action, at: c.openedAt, by: c.agency, what: .conflictOpened(id: c.id, c.field))
                )
            }
            if let at = c.resolvedAt, at > since, at <= period.asOf {
                lines.append(
                    ChangeLine(
                        action: c.action, at: at, by: c.resolvedBy ?? c.agency,
                        what: .conflictResolved(id: c.id, c.field, choice: c.choice ?? "")))
            }
        }
        return lines
    }
}

extension Headline {
    /// The headline of actions as reported: archived ones counted apart.
    init(_ actions: [ActionReport], scheme: RAGScheme) {
        let live = actions.filter { !$0.record.archived }
        let records = live.map(\.record)
        byRating = RatingCounts(records, scheme: scheme)
        byAgency = Dictionary(grouping: records, by: \.ownerAgency).sorted { $0.key < $1.key }.map {
            AgencyRatings(agency: $0.key, byRating: RatingCounts($0.value, scheme: scheme))
        }
        self.actions = live.count
        archived = actions.count - live.count
        overdue = live.count(where: \.isOverdue)
        withImpactEvidence = live.count(where: \.hasImpactEvidence)
    }
}

extension RatingCounts {
    /// Every rating of the scheme in its order (zeros included, so charts line up), then
    /// `unrated` and any id the scheme does not know, when there are such records.
    init(_ records: [Action], scheme: RAGScheme) {
        var tally: [String: Int] = [:]
        for r in records { tally[r.rag ?? "unrated", default: 0] += 1 }
        var counts = scheme.ratings.map { (id: $0.id, count: tally.removeValue(forKey: $0.id) ?? 0) }
        let unrated = tally.removeValue(forKey: "unrated")
        counts += tally.sorted { $0.key < $1.key }.map { (id: $0.key, count: $0.value) }
        if let unrated { counts.append((id: "unrated", count: unrated)) }
        self.counts = counts
    }
}

extension Forecast {
    init(_ actions: [ActionReport], today: LocalDate) {
        let open = actions.filter(\.isOpen)
        self.open = open.count
        openWithoutDate = open.count { $0.record.targetDate == nil }
        latestTargetDate = open.compactMap(\.record.targetDate).max()
        pastOriginalDate = open.count { ($0.originalTargetDate.map { $0 < today }) ?? false }
    }
}

/// One action replayed: its report, its record at `since`, its lines since.
struct Replayed: Sendable {
    var report: ActionReport
    var atSince: Action?
    var changes: [ChangeLine]
}
