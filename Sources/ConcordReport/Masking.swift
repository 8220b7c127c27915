import ConcordCore

extension PlanReport {
    /// Details of a kind the partnership blocks that are in the trail from before the policy
    /// (or a protected name added since) are printed as `[redacted: KIND]`: a report is
    /// published, and the data-quality section says where each was (issue 14).
    mutating func maskBlocked(_ screening: ScreeningRules) {
        let kinds = Set(IdentifierKind.allCases.filter { screening.policy.action(for: $0) == .block })
        guard !kinds.isEmpty else { return }
        let screener = screening.screener
        func mask(_ text: String) -> String { screener.redacting(text, kinds: kinds) ?? text }
        func mask(_ text: String?) -> String? { text.map(mask) }
        let fields = Dictionary(grouping: dataQuality.filter { $0.policy == .block }, by: \.ref).mapValues {
            Set($0.map(\.field))
        }
        for i in actions.indices {
            for field in fields[actions[i].record.ref] ?? [] {
                actions[i].record =
                    screener.redacting(actions[i].record, field: field, kinds: kinds) ?? actions[i].record
            }
            actions[i].flags = actions[i].flags.map { Flag($0.kind, mask($0.reason)) }
        }
        changes = changes.map { line in
            var line = line
            switch line.what {
            case .evidence(let kind, let summary): line.what = .evidence(kind, mask(summary))
            case .retracted(let item, let reason): line.what = .retracted(mask(item), reason: mask(reason))
            case .targetDate(let from, let to, let reason):
                line.what = .targetDate(from: from, to: to, reason: mask(reason))
            case .note(let text): line.what = .note(mask(text))
            case .progress(let text): line.what = .progress(mask(text))
            case .edited(let field, let from, let to): line.what = .edited(field, from: mask(from), to: mask(to))
            case .signedOff(let text): line.what = .signedOff(mask(text))
            default: break
            }
            return line
        }
    }
}
