import ConcordCore

extension HTMLWriter {
    // Long: the sections of a plan in the order a committee reads them; each is a few lines of markup.
    mutating func plan(_ p: PlanReport, period: ReportPeriod) {
        let e = Self.escape
        raw("<section><h2>\(e(p.plan.title)) <small>(\(e(p.plan.id.rawValue)))</small></h2>")
        guard !p.actions.isEmpty else {
            raw("<p>No actions as at \(e(Words.time(period.asOf, period.zone))).</p></section>")
            return
        }
        let h = p.headline
        let ids = h.byRating.counts.map(\.id)
        raw("<h3>Headline</h3><table><thead><tr><th>Lead agency</th>")
        for id in ids { raw("<th>\(Self.badge(id))</th>") }
        raw("<th>Total</th></tr></thead><tbody>")
        let rows = [("All actions", h.byRating)] + h.byAgency.map { ($0.agency.rawValue, $0.byRating) }
        for (name, counts) in rows {
            raw("<tr><td>\(e(name))</td>")
            for id in ids { raw("<td class=\"n\">\(counts[id: id])</td>") }
            raw("<td class=\"n\">\(counts.total)</td></tr>")
        }
        raw("</tbody></table>")
        raw(
            "<p><strong>Overdue: \(h.overdue).</strong> With impact evidence: \(h.withImpactEvidence) of \(h.actions) (\(h.impactPercent)%). Archived: \(h.archived).</p>"
        )
        raw("<p>RAG scheme: \(e(p.plan.scheme.name)). ")
        raw(p.plan.scheme.ratings.map { "\(Self.badge($0.id)) \(e($0.meaning))" }.joined(separator: "; "))
        raw(".</p>")
        chart(
            caption: "Actions by lead agency and RAG rating", rows: rows.map { ($0.0, $0.1) }, ids: ids,
            id: "a-\(p.plan.id.rawValue)")
        if let since = Words.since(period) {
            raw("<h3>Changed since \(e(since))</h3>")
            if let before = p.ratingsAtSince {
                let both = ids + before.counts.map(\.id).filter { !ids.contains($0) }
                chart(
                    caption: "RAG ratings then and now", rows: [("Then", before), ("Now", h.byRating)],
                    ids: both, id: "m-\(p.plan.id.rawValue)")
            }
            let moves = p.movements
            if !moves.isEmpty {
                raw(
                    "<table class=\"moves\"><thead><tr><th>RAG moved from</th><th>to</th><th>actions</th></tr></thead><tbody>"
                )
                for m in moves {
                    raw(
                        "<tr><td>\(Self.badge(m.from))</td><td>\(Self.badge(m.to))</td><td class=\"n\">\(m.count)</td></tr>"
                    )
                }
                raw("</tbody></table>")
            }
            if p.changes.isEmpty { raw("<p>Nothing changed.</p>") }
            raw("<ul class=\"changes\">")
            for c in p.changes {
                var what = e(Words.change(c.what))
                if case .rating(let from, let to) = c.what { what = "RAG \(Self.badge(from)) → \(Self.badge(to))" }
                raw(
                    "<li><span class=\"when\">\(e(Words.time(c.at, period.zone)))</span> · <strong>\(e(c.action.ref.rawValue))</strong> · \(e(c.by.rawValue)): \(what)</li>"
                )
            }
            raw("</ul>")
        }
        raw("<h3>Scrutiny flags</h3>")
        let flags = p.flags
        if flags.isEmpty { raw("<p>None.</p>") }
        if !flags.isEmpty {
            raw("<table><thead><tr><th>Flag</th><th>Action</th><th>Why</th></tr></thead><tbody>")
            for (action, flag) in flags {
                raw(
                    "<tr><td class=\"flag\">⚑ \(e(flag.kind.title))</td><td><strong>\(e(action.ref.rawValue))</strong> \(e(Words.short(action.title)))</td><td>\(e(flag.reason))</td></tr>"
                )
            }
            raw("</tbody></table>")
        }
        dataQuality(p)
        let f = p.forecast
        raw("<h3>Forecast</h3>")
        raw(
            "<p>Open actions: \(f.open) (\(f.openWithoutDate) without a target date). Latest target date: <strong>\(e(f.latestTargetDate.map(Words.date) ?? "none"))</strong>. Past their original target date: \(f.pastOriginalDate).</p>"
        )
        raw("<h3>Themes</h3><table><thead><tr><th>Theme</th><th>Actions</th><th>RAG</th></tr></thead><tbody>")
        for t in p.themes {
            raw("<tr><td>\(e(t.name))</td><td>\(e(t.actions.map(\.ref.rawValue).joined(separator: ", ")))</td>")
            raw("<td>\(ratings(t.byRating))</td></tr>")
        }
        raw("</tbody></table>")
        actions(p)
        raw("</section>")
    }

    /// Identifying details in the records: where, never what.
    mutating func dataQuality(_ p: PlanReport) {
        let e = Self.escape
        raw("<h3>Data quality: identifying details</h3>")
        guard !p.dataQuality.isEmpty else { return raw("<p>None found.</p>") }
        raw("<p>\(e(Words.dataQualityNote))</p>")
        raw("<table><thead><tr><th>Action</th><th>What</th><th>Where</th><th>Policy</th></tr></thead><tbody>")
        for item in p.dataQuality {
            raw(
                "<tr><td><strong>\(e(item.ref.rawValue))</strong></td><td>\(e(item.kind.words))</td><td>\(e(item.field)), characters \(item.start + 1)–\(item.start + item.length)</td><td>\(e(item.policy.rawValue))</td></tr>"
            )
        }
        raw("</tbody></table>")
    }

    mutating func actions(_ p: PlanReport) {
        let e = Self.escape
        raw("<h3>Actions</h3><table><thead><tr><th>Ref</th><th>Action</th><th>Lead</th><th>RAG</th>")
        raw("<th>Target date</th><th>Evidence output / impact</th><th>Flags</th></tr></thead><tbody>")
        for a in p.actions {
            let r = a.record
            raw("<tr><td>\(e(r.ref.rawValue))</td><td>\(e(r.title))\(r.archived ? " <em>(archived)</em>" : "")</td>")
            raw("<td>\(e(r.ownerAgency.rawValue))</td><td>\(Self.badge(r.rag))</td>")
            raw("<td>\(e(r.targetDate.map(Words.date) ?? ""))</td>")
            raw("<td class=\"n\">\(Words.evidence(r, .output)) / \(Words.evidence(r, .impact))</td>")
            raw("<td>\(e(a.flags.map(\.kind.title).joined(separator: "; ")))</td></tr>")
        }
        raw("</tbody></table>")
    }

    /// A horizontal stacked bar chart: one bar per row, a segment per rating with its pattern,
    /// and the count written in each segment wide enough to hold it; a legend with the words.
    mutating func chart(caption: String, rows: [(String, RatingCounts)], ids: [String], id: String) {
        let e = Self.escape
        let rowHeight = 22
        let legendY = rows.count * rowHeight + 8
        let height = legendY + 22
        let most = max(1, rows.map(\.1.total).max() ?? 1)
        raw("<figure><svg viewBox=\"0 0 700 \(height)\" role=\"img\" aria-label=\"\(e(caption))\">")
        raw("<defs>")
        for rating in ids { raw(Self.pattern(rating, id: "\(id)-\(rating)")) }
        raw("</defs>")
        for (i, (name, counts)) in rows.enumerated() {
            let y = i * rowHeight
            raw("<text x=\"0\" y=\"\(y + 15)\" font-size=\"11\">\(e(String(name.prefix(22))))</text>")
            var x = 170.0
            for rating in ids where counts[id: rating] > 0 {
                let n = counts[id: rating]
                let w = 480.0 * Double(n) / Double(most)
                raw(
                    "<rect x=\"\(Self.f(x))\" y=\"\(y + 2)\" width=\"\(Self.f(w))\" height=\"\(rowHeight - 5)\" fill=\"url(#\(id)-\(rating))\" stroke=\"#222\" stroke-width=\"0.6\"><title>\(e(Words.rating(rating))): \(n)</title></rect>"
                )
                if w >= 22 {
                    raw(
                        "<text x=\"\(Self.f(x + w / 2))\" y=\"\(y + 15)\" font-size=\"10\" text-anchor=\"middle\" font-weight=\"bold\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">\(Self.symbol(rating))\(n)</text>"
                    )
                }
                x += w
            }
            raw("<text x=\"\(Self.f(x + 4))\" y=\"\(y + 15)\" font-size=\"10\">\(counts.total)</text>")
        }
        var lx = 0
        for rating in ids {
            raw(
                "<rect x=\"\(lx)\" y=\"\(legendY)\" width=\"14\" height=\"12\" fill=\"url(#\(id)-\(rating))\" stroke=\"#222\" stroke-width=\"0.6\"/><text x=\"\(lx + 18)\" y=\"\(legendY + 10)\" font-size=\"10\">\(Self.symbol(rating)) \(e(Words.rating(rating)))</text>"
            )
            lx += 100
        }
        raw("</svg><figcaption>\(e(caption)).</figcaption></figure>")
    }

    /// A fill for a rating that prints in black and white: colour and marks of its own.
    static func pattern(_ rating: String, id: String) -> String {
        let (colour, marks): (String, String) =
            switch rating {
            case "red": ("#e06055", "<path d=\"M0,0 L8,8 M8,0 L0,8\" stroke=\"#000\" stroke-width=\"1\"/>")
            case "amber": ("#f6bf26", "<path d=\"M0,8 L8,0\" stroke=\"#000\" stroke-width=\"1\"/>")
            case "green": ("#57bb8a", "<circle cx=\"4\" cy=\"4\" r=\"1.3\" fill=\"#000\"/>")
            case "blue": ("#6d9eeb", "<path d=\"M0,4 L8,4\" stroke=\"#000\" stroke-width=\"1\"/>")
            default: ("#d0d0d0", "")
            }
        return
            "<pattern id=\"\(escape(id))\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\"><rect width=\"8\" height=\"8\" fill=\"\(colour)\"/>\(marks)</pattern>"
    }

    /// A coordinate with one decimal.
    static func f(_ v: Double) -> String { String(Double(Int(v * 10)) / 10) }
}
