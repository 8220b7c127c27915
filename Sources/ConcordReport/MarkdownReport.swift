import ConcordCore

extension Report {
    /// The report as Markdown, for committee papers: headline tables, what changed, the
    /// flags, the forecast, themes and every action. Text from the plan is escaped, so an
    /// action's words never become Markdown.
    public var markdown: String {
        var md = MarkdownWriter()
        md.line("# \(MarkdownWriter.escape(Words.title(self)))")
        md.line("")
        md.line("**Data as at \(Words.time(period.asOf, period.zone)).**")
        if let since = Words.since(period) { md.line("Changes are those since \(MarkdownWriter.escape(since)).") }
        md.line("")
        for plan in plans { md.plan(plan, period: period, settings: settings) }
        if !sharedThemes.isEmpty {
            md.line("## Themes found in more than one plan")
            md.line("")
            md.table(["Theme", "Plans", "Actions", "RAG"]) {
                sharedThemes.map { t in
                    [t.name, t.plans.map(\.rawValue).joined(separator: ", "), "\(t.actions.count)", ratingSummary(t)]
                }
            }
        }
        return md.text
    }

    func ratingSummary(_ theme: Theme) -> String {
        theme.byRating.sorted { $0.key < $1.key }.map { "\(Words.rating($0.key)) \($0.value)" }.joined(separator: ", ")
    }
}

struct MarkdownWriter {
    var text = ""

    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    /// The bytes of Markdown's own characters and of line ends.
    static let special: Set<UInt8> = Set("\\`*_[]<>|#!~\n\r".utf8)

    /// Plan text made inert: Markdown's own characters escaped, line ends made spaces.
    static func escape(_ s: String) -> String {
        // Most text has nothing to escape.
        guard s.utf8.contains(where: { special.contains($0) }) else { return s }
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "!", "~": out += "\\" + String(ch)
            case "\n", "\r", "\r\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }

    mutating func table(_ header: [String], _ rows: () -> [[String]]) {
        line("| " + header.joined(separator: " | ") + " |")
        line("|" + header.map { _ in " --- |" }.joined())
        for row in rows() { line("| " + row.map(Self.escape).joined(separator: " | ") + " |") }
        line("")
    }

    // Long: the sections of a plan in the order a committee reads them, each a few lines.
    mutating func plan(_ p: PlanReport, period: ReportPeriod, settings: ReportSettings) {
        line("## \(Self.escape(p.plan.title)) (\(p.plan.id))")
        line("")
        let h = p.headline
        if p.actions.isEmpty {
            line("No actions as at \(Words.time(period.asOf, period.zone)).")
            line("")
            return
        }
        line("### Headline")
        line("")
        let ids = h.byRating.counts.map(\.id)
        let agencyRows: [(String, RatingCounts)] =
            [("All actions", h.byRating)] + h.byAgency.map { ($0.agency.rawValue, $0.byRating) }
        table(["Lead agency"] + ids.map(Words.rating) + ["Total"]) {
            agencyRows.map { name, counts -> [String] in
                let cells: [String] = ids.map { id in String(counts[id: id]) }
                return [name] + cells + [String(counts.total)]
            }
        }
        line(
            "Overdue: \(h.overdue). With impact evidence: \(h.withImpactEvidence) of \(h.actions) (\(h.impactPercent)%). Archived: \(h.archived)."
        )
        line("")
        line(
            "RAG scheme \(Self.escape(p.plan.scheme.name)): "
                + p.plan.scheme.ratings.map { "**\(Words.rating($0.id))**: \(Self.escape($0.meaning))" }.joined(
                    separator: "; ") + ".")
        line("")
        if let since = Words.since(period) {
            line("### Changed since \(Self.escape(since))")
            line("")
            let moves = p.movements
            if !moves.isEmpty {
                line(
                    "RAG movements: "
                        + moves.map { "\(Words.rating($0.from)) → \(Words.rating($0.to)): \($0.count)" }.joined(
                            separator: "; ") + ".")
                line("")
            }
            if p.changes.isEmpty { line("Nothing changed.") }
            for c in p.changes {
                line(
                    "- \(Words.time(c.at, period.zone)) · **\(c.action.ref)** · \(c.by): \(Self.escape(Words.change(c.what)))"
                )
            }
            line("")
        }
        line("### Scrutiny flags")
        line("")
        let flags = p.flags
        if flags.isEmpty {
            line("None.")
            line("")
        } else {
            table(["Flag", "Action", "Why"]) {
                flags.map { [$0.flag.kind.title, "\($0.action.ref) \(Words.short($0.action.title))", $0.flag.reason] }
            }
        }
        line("### Data quality: identifying details")
        line("")
        if p.dataQuality.isEmpty {
            line("None found.")
            line("")
        } else {
            line(Words.dataQualityNote)
            line("")
            table(["Action", "What", "Where", "Policy"]) {
                p.dataQuality.map {
                    [
                        $0.ref.rawValue, $0.kind.words,
                        "\($0.field), characters \($0.start + 1)–\($0.start + $0.length)",
                        $0.policy.rawValue,
                    ]
                }
            }
        }
        line("### Forecast")
        line("")
        let f = p.forecast
        line(
            "Open actions: \(f.open) (\(f.openWithoutDate) without a target date). Latest target date: \(f.latestTargetDate.map(Words.date) ?? "none"). Past their original target date: \(f.pastOriginalDate)."
        )
        line("")
        line("### Themes")
        line("")
        table(["Theme", "Actions", "RAG"]) {
            p.themes.map { t in
                [
                    t.name, t.actions.map(\.ref.rawValue).joined(separator: ", "),
                    t.byRating.sorted { $0.key < $1.key }.map { "\(Words.rating($0.key)) \($0.value)" }.joined(
                        separator: ", "),
                ]
            }
        }
        line("### Actions")
        line("")
        table(["Ref", "Action", "Lead", "RAG", "Target date", "Evidence (output / impact)", "Flags"]) {
            p.actions.map { a in
                let r = a.record
                return [
                    r.ref.rawValue, r.title + (r.archived ? " (archived)" : ""), r.ownerAgency.rawValue,
                    Words.rating(r.rag), r.targetDate.map(Words.date) ?? "",
                    "\(Words.evidence(r, .output)) / \(Words.evidence(r, .impact))",
                    a.flags.map(\.kind.rawValue).joined(separator: ", "),
                ]
            }
        }
    }
}
