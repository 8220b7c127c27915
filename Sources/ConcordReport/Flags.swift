import ConcordCore

extension ActionReport {
    /// An action as at `asOf`, with its flags.
    init(
        record: Action, timeline: Timeline, scheme: RAGScheme, today: LocalDate, period: ReportPeriod,
        settings: ReportSettings
    ) {
        self.record = record
        existedAtSince = timeline.atSince != nil
        ratingAtSince = timeline.atSince?.rag
        lastActivity = timeline.lastActivity
        worstSince = timeline.worstSince
        let moves = record.targetDateHistory.filter { $0.from != nil }
        targetDateMoves = moves.count
        originalTargetDate = moves.first?.from ?? record.targetDateHistory.first?.to ?? record.targetDate
        let rating = record.rag.flatMap { scheme.rating($0) }
        let embedded = rating?.requiresSignOff ?? false
        isOpen = !record.archived && record.completedOn == nil && !embedded
        isOverdue = isOpen && (record.targetDate.map { $0 < today } ?? false)
        hasImpactEvidence = record.liveEvidence.contains { $0.kind == .impact }
        flags = []
        if !record.archived {
            flags = Self.flags(
                of: self, rating: rating, scheme: scheme, today: today, period: period, settings: settings)
        }
    }

    // Long: one rule per flag, in the order the report lists them; each is two or three lines.
    static func flags(
        of a: ActionReport, rating: Rating?, scheme: RAGScheme, today: LocalDate, period: ReportPeriod,
        settings: ReportSettings
    ) -> [Flag] {
        let asOf = period.asOf
        var flags: [Flag] = []
        let record = a.record
        let live = record.liveEvidence
        let word = record.rag ?? "unrated"
        let embedded = rating?.requiresSignOff ?? false
        if rating?.requiresEvidence == true, live.isEmpty {
            flags.append(Flag(.noEvidence, "rated \(word) with no evidence"))
        } else if let done = record.completedOn, live.isEmpty {
            flags.append(Flag(.noEvidence, "completed \(done) with no evidence"))
        }
        if embedded, !live.isEmpty, !a.hasImpactEvidence {
            flags.append(
                Flag(.noImpactEvidence, "rated \(word) with \(count(live.count, "output")) and no evidence of impact"))
        }
        if embedded, record.signOff == nil {
            flags.append(Flag(.noSignOff, "rated \(word) without sign-off"))
        }
        let claimsDone = record.completedOn != nil || rating?.requiresEvidence == true
        if claimsDone, !embedded, !live.isEmpty, !a.hasImpactEvidence {
            let claim = record.completedOn.map { "completed \($0)" } ?? "rated \(word)"
            let latest = live.last.map { ": latest \"\(clipped($0.summary))\"" } ?? ""
            flags.append(
                Flag(
                    .outputsOnly,
                    "\(claim) on outputs alone (\(count(live.count, "output"))\(latest)); nothing shows what changed in practice"
                ))
        }
        if a.isOverdue, let due = record.targetDate {
            let late = today.daysSinceEpoch - due.daysSinceEpoch
            let claim =
                rating?.requiresEvidence == true ? "; rated \(word), but no completion date is recorded" : ""
            flags.append(Flag(.overdue, "target date \(due) passed \(count(late, "day")) ago\(claim)"))
        }
        if a.isOpen, let original = a.originalTargetDate, let current = record.targetDate {
            let drift = current.daysSinceEpoch - original.daysSinceEpoch
            if a.targetDateMoves > 1 || drift > settings.driftDays {
                let reason = record.targetDateHistory.last.map { "; last reason: \"\(clipped($0.reason))\"" } ?? ""
                flags.append(
                    Flag(
                        .drift,
                        "moved \(count(a.targetDateMoves, "time")): \(original) → \(current) (\(drift >= 0 ? "+" : "")\(drift) days)\(reason)"
                    ))
            }
        }
        let quiet = days(from: a.lastActivity, to: asOf)
        if a.isOpen, quiet > settings.staleDays {
            flags.append(
                Flag(
                    .stale,
                    "no update, note or evidence for \(quiet) days (last \(period.zone.date(of: a.lastActivity)))"))
        }
        if let since = a.worstSince, scheme.ratings.count > 1 {
            let held = days(from: since, to: asOf)
            if held > settings.redDays {
                flags.append(Flag(.longRed, "\(word) since \(period.zone.date(of: since)) (\(held) days)"))
            }
        }
        return flags
    }

    /// Whole days from one time to a later one.
    static func days(from a: Timestamp, to b: Timestamp) -> Int {
        Int((b.millisecondsSinceEpoch - a.millisecondsSinceEpoch) / 86_400_000)
    }

    /// "1 output", "3 outputs".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// A text cut to 80 characters for a reason line.
    static func clipped(_ text: String) -> String {
        text.utf8.count <= 80 || text.count <= 80 ? text : String(text.prefix(79)) + "…"
    }
}
