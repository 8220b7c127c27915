import ConcordCore

extension Report {
    /// The columns of ``csv``, in order.
    public static let csvColumns = [
        "plan", "ref", "title", "recommendation", "lead_agency", "supporting_agencies", "rag", "rag_at_since",
        "target_date", "original_target_date", "target_date_moves", "completed_on", "sign_off", "archived",
        "evidence_output", "evidence_impact", "last_activity", "open", "overdue", "flags", "flag_reasons",
        "identifying_details", "as_at", "since",
    ]

    /// One row per action with its flags, for the people who will still use a spreadsheet;
    /// every row says the time the data is as at (and since), so a saved file shows its age.
    /// Cells a spreadsheet would read as formulas are escaped (see `CSV.escapingFormula`).
    public var csv: String {
        var rows = [Self.csvColumns]
        for plan in plans {
            let details = Dictionary(grouping: plan.dataQuality, by: \.ref)
            for a in plan.actions {
                let r = a.record
                let row = [
                    r.plan.rawValue, r.ref.rawValue, r.title, r.recommendation ?? "", r.ownerAgency.rawValue,
                    r.supportingAgencies.map(\.rawValue).joined(separator: ";"), r.rag ?? "",
                    period.since == nil ? "" : (a.existedAtSince ? (a.ratingAtSince ?? "unrated") : "new"),
                    r.targetDate?.description ?? "", a.originalTargetDate?.description ?? "", "\(a.targetDateMoves)",
                    r.completedOn?.description ?? "", r.signOff ?? "", r.archived ? "yes" : "no",
                    "\(Words.evidence(r, .output))", "\(Words.evidence(r, .impact))", a.lastActivity.description,
                    a.isOpen ? "yes" : "no", a.isOverdue ? "yes" : "no",
                    a.flags.map(\.kind.rawValue).joined(separator: ";"),
                    a.flags.map(\.reason).joined(separator: " | "),
                    (details[r.ref] ?? []).map(\.words).joined(separator: "; "), period.asOf.description,
                    period.since?.description ?? "",
                ]
                rows.append(row.map(CSV.escapingFormula))
            }
        }
        return CSV.write(rows)
    }
}
