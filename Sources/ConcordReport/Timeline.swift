import ConcordCore

/// One action's trail replayed through the merge, up to the report's time: the record as it
/// was at `since` and at `asOf`, and the lines of what changed between them.
///
/// The replay is the hub's own merge (`MergeContext.replaying`), so a record as at any time
/// is exactly what the hub held then; the hub's tests hold the replay to its current records.
struct Timeline {
    /// The record at `asOf`; `nil` when the action did not exist yet.
    var record: Action?
    /// The record at `since`.
    var atSince: Action?
    /// The last change that altered the record.
    var lastActivity = Timestamp(millisecondsSinceEpoch: 0)
    /// Since when the record has held the scheme's worst rating.
    var worstSince: Timestamp?
    /// What changed after `since`, oldest first.
    var changes: [ChangeLine] = []

    /// Replays the entries of `trail` at `positions` (one action's, in `seq` order) as far as
    /// `period.asOf`.
    init(_ trail: [TrailEntry], _ positions: [Int], scheme: RAGScheme, period: ReportPeriod) {
        let worst = scheme.ratings.first?.id
        for i in positions where trail[i].at <= period.asOf {
            let at = trail[i].at
            var context = MergeContext(actor: trail[i].agency, role: .admin, scheme: scheme, now: at)
            context.replaying = true
            let result = merge(trail[i].change, into: record, context: context)
            guard result.outcome != .rejected, result.changed, let after = result.record else { continue }
            let before = record
            record = after
            lastActivity = at
            if after.rag != worst || worst == nil {
                worstSince = nil
            } else if before?.rag != worst {
                worstSince = at
            }
            if let since = period.since, at > since {
                Self.lines(from: before, to: after, at: at, by: trail[i].agency, into: &changes)
            } else {
                atSince = after
            }
        }
    }

    /// The lines a committee reads for one change: what is different between two records.
    static func lines(
        from before: Action?, to after: Action, at: Timestamp, by: AgencyID, into lines: inout [ChangeLine]
    ) {
        func add(_ what: ChangeKind) { lines.append(ChangeLine(action: after.address, at: at, by: by, what: what)) }
        guard let before else { return add(.created) }
        if before.rag != after.rag { add(.rating(from: before.rag, to: after.rag)) }
        for move in after.targetDateHistory.dropFirst(before.targetDateHistory.count) {
            add(.targetDate(from: move.from, to: move.to, reason: move.reason))
        }
        if before.progress != after.progress { add(.progress(after.progress)) }
        for field in Self.otherFields where before.value(of: field) != after.value(of: field) {
            add(.edited(field, from: Self.text(before.value(of: field)), to: Self.text(after.value(of: field))))
        }
        if before.completedOn != after.completedOn { add(.completed(after.completedOn)) }
        if before.signOff != after.signOff { add(.signedOff(after.signOff)) }
        if before.archived != after.archived { add(.archived(after.archived)) }
        if before.evidence != after.evidence { evidence(from: before.evidence, to: after.evidence, add) }
        if before.notes != after.notes { notes(from: before.notes, to: after.notes, add) }
    }

    /// The fields without a line of their own.
    static let otherFields: [Field] = Field.allCases.filter {
        ![.rag, .targetDate, .completedOn, .signOff, .archived, .progress].contains($0)
    }

    /// A field's value as text: a list joined with commas; `nil` when empty.
    static func text(_ value: FieldValue) -> String? {
        switch value {
        case .null: nil
        case .text(let s): s
        case .flag(let b): b ? "yes" : "no"
        case .list(let l): l.isEmpty ? nil : l.joined(separator: ", ")
        }
    }

    /// Evidence added, and evidence retracted.
    static func evidence(from before: [EvidenceItem], to after: [EvidenceItem], _ add: (ChangeKind) -> Void) {
        let evidenceBefore = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for item in after {
            if let old = evidenceBefore[item.id] {
                if old.isLive, let r = item.retraction { add(.retracted(item.summary, reason: r.reason)) }
            } else {
                add(.evidence(item.kind, item.summary))
            }
        }
    }

    /// Notes added, and notes retracted.
    static func notes(from before: [ProgressNote], to after: [ProgressNote], _ add: (ChangeKind) -> Void) {
        let notesBefore = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for note in after {
            if let old = notesBefore[note.id] {
                if old.isLive, let r = note.retraction { add(.retracted(note.text, reason: r.reason)) }
            } else {
                add(.note(note.text))
            }
        }
    }
}
