import ConcordCore

/// A plain-text table: columns padded to their widest cell, long cells cut with "…".
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    var maxWidth = 60

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }

    var rendered: String {
        func clip(_ s: String) -> String {
            let flat = s.replacingAll("\n", with: " ")
            return flat.count > maxWidth ? String(flat.prefix(maxWidth - 1)) + "…" : flat
        }
        let all = [headers] + rows.map { $0.map(clip) }
        var widths = headers.map(\.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
