import ConcordCore

extension Theme {
    /// A plan's actions (archived ones left out) by theme: each action under every rule whose
    /// words its recommendation or title holds, or else under its recommendation's text.
    static func of(_ actions: [ActionReport], rules: [ThemeRule]) -> [Theme] {
        var themes: [String: Theme] = [:]
        var order: [String] = []
        for action in actions where !action.record.archived {
            let record = action.record
            let text = ((record.recommendation ?? "") + " " + record.title).lowercased()
            var names = rules.filter { rule in rule.keywords.contains { text.contains($0.lowercased()) } }.map(\.name)
            if names.isEmpty {
                let recommendation = (record.recommendation ?? "").trimmed
                names = [recommendation.isEmpty ? "(no recommendation given)" : recommendation]
            }
            for name in names {
                if themes[name] == nil {
                    order.append(name)
                    themes[name] = Theme(name: name, actions: [], plans: [record.plan], byRating: [:])
                }
                themes[name]?.actions.append(record.address)
                themes[name]?.byRating[record.rag ?? "unrated", default: 0] += 1
            }
        }
        return order.compactMap { themes[$0] }
    }

    /// Themes found in more than one plan, merged, most plans first.
    static func shared(_ perPlan: [[Theme]]) -> [Theme] {
        var merged: [String: Theme] = [:]
        var order: [String] = []
        for themes in perPlan {
            for theme in themes {
                guard var m = merged[theme.name] else {
                    merged[theme.name] = theme
                    order.append(theme.name)
                    continue
                }
                m.actions += theme.actions
                m.plans += theme.plans.filter { !m.plans.contains($0) }
                m.byRating.merge(theme.byRating, uniquingKeysWith: +)
                merged[theme.name] = m
            }
        }
        return order.compactMap { merged[$0] }.filter { $0.plans.count > 1 }.enumerated()
            .sorted { ($1.element.plans.count, $0.offset) < ($0.element.plans.count, $1.offset) }.map(\.element)
    }
}

extension String {
    /// Without white space at either end.
    var trimmed: String { String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
}
