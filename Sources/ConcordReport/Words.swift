import ConcordCore

/// How the report says things, the same in every format.
enum Words {
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// What the data-quality section asks of the reader.
    static let dataQualityNote =
        "Details that may identify a child or family were found in these texts (the details are not shown here). The partnership's screening accepted them as flagged, or they predate it; the business unit checks each and redacts what identifies a child (concordctl hub redact)."

    /// "30 November 2026".
    static func date(_ d: LocalDate) -> String { "\(d.day) \(months[d.month - 1]) \(d.year)" }

    /// "30 November 2026, 13:05 GMT", in `zone`.
    static func time(_ t: Timestamp, _ zone: ReportTimeZone) -> String {
        let (offset, abbreviation) = zone.offset(at: t)
        let local = t.millisecondsSinceEpoch + Int64(offset) * 1000
        let minutes = Int((local % 86_400_000 + 86_400_000) % 86_400_000 / 60_000)
        let hm =
            (minutes / 60 < 10 ? "0" : "") + "\(minutes / 60):" + (minutes % 60 < 10 ? "0" : "") + "\(minutes % 60)"
        return "\(date(zone.date(of: t))), \(hm) \(abbreviation)"
    }

    /// A rating id as a word: "Green"; "Unrated".
    static func rating(_ id: String?) -> String {
        guard let id, !id.isEmpty else { return "Unrated" }
        return id.prefix(1).uppercased() + id.dropFirst()
    }

    /// "the last meeting (Safeguarding Committee, 12 March 2026)" or the time.
    static func since(_ period: ReportPeriod) -> String? {
        guard let since = period.since else { return nil }
        if let label = period.sinceLabel { return "\(label) (\(time(since, period.zone)))" }
        return time(since, period.zone)
    }

    /// One change as a sentence: "RAG amber → green".
    static func change(_ kind: ChangeKind) -> String {
        switch kind {
        case .created: "Action added to the plan"
        case .rating(let from, let to): "RAG \(rating(from)) → \(rating(to))"
        case .evidence(let kind, let summary): "New \(kind == .impact ? "impact" : "output") evidence: \(clip(summary))"
        case .retracted(let what, let reason): "Retracted \"\(what)\": \(reason)"
        case .targetDate(let from, let to, let reason):
            "Target date \(from.map(date) ?? "none") → \(to.map(date) ?? "none"). Reason: \(reason.isEmpty ? "none given" : reason)"
        case .note(let text): "Note: \(clip(text))"
        case .progress(let text): text.map { "Progress: \(clip($0))" } ?? "Progress cleared"
        case .edited(let field, let from, let to):
            "\(label(field)): \(from.map(clip) ?? "none") → \(to.map(clip) ?? "none")"
        case .completed(let day): day.map { "Completed on \(date($0))" } ?? "Completion date cleared"
        case .signedOff(let text): text.map { "Signed off: \($0)" } ?? "Sign-off cleared"
        case .archived(let on): on ? "Archived" : "Brought back from the archive"
        case .conflictOpened(let id, let field): "Conflict \(id) opened on \(label(field).lowercased())"
        case .conflictResolved(let id, let field, let choice):
            "Conflict \(id) on \(label(field).lowercased()) resolved (\(choice))"
        }
    }

    /// A field as people say it: "Lead officer".
    static func label(_ field: Field) -> String {
        switch field {
        case .title: "Action"
        case .recommendation: "Recommendation"
        case .description: "Description"
        case .ownerAgency: "Lead agency"
        case .supportingAgencies: "Supporting agencies"
        case .leadOfficer: "Lead officer"
        case .targetDate: "Target date"
        case .successMeasure: "Success measure"
        case .rag: "RAG"
        case .progress: "Progress"
        case .completedOn: "Completed on"
        case .signOff: "Sign-off"
        case .archived: "Archived"
        }
    }

    /// A text cut to 300 characters for a line of "changed since" (a progress summary may hold 8,000).
    static func clip(_ text: String) -> String {
        text.utf8.count <= 300 || text.count <= 300 ? text : String(text.prefix(299)) + "…"
    }

    /// A title cut to 70 characters for a table cell.
    static func short(_ text: String) -> String {
        text.utf8.count <= 70 || text.count <= 70 ? text : String(text.prefix(69)) + "…"
    }

    /// The heading of the whole report.
    static func title(_ report: Report) -> String {
        report.plans.count == 1 ? "Action plan report: \(report.plans[0].plan.title)" : "Action plans report"
    }

    /// Live evidence of one kind.
    static func evidence(_ a: Action, _ kind: EvidenceKind) -> Int { a.liveEvidence.count { $0.kind == kind } }
}
