/// A problem in a CSV file, located as a spreadsheet user would find it: the row (the header
/// is row 1; a cell with line breaks does not start a new row) and the column.
public struct CSVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The row as a spreadsheet numbers it: the header is row 1, blank lines count.
    public var row: Int
    /// The column's header name, or its 1-based number when there is no header for it.
    public var column: String?
    /// What is wrong and, where it helps, how to fix it.
    public var message: String

    /// A problem at `row`; `column` is `nil` when it concerns the whole row.
    public init(row: Int, column: String?, message: String) {
        self.row = row
        self.column = column
        self.message = message
    }

    /// `row N, column C: message`, the column left out when there is none.
    public var description: String {
        "row \(row)\(column.map { ", column \($0)" } ?? ""): \(message)"
    }
}

/// RFC 4180 reading and writing: commas, double quotes doubled inside quoted cells, line
/// breaks (CRLF or LF) inside quoted cells, UTF-8 with or without a byte-order mark.
public enum CSV {
    /// One record and its row number in the file (1 for the first).
    public struct Row: Hashable, Sendable {
        /// The row number of the record's first line (a quoted line break does not start a new row).
        public var number: Int
        /// The cells, unquoted, in file order; not trimmed.
        public var cells: [String]
    }

    /// Splits CSV text into rows of cells. Blank lines are skipped but still counted.
    // Long: one state machine over the characters (RFC 4180 quoting), clearer whole than split.
    public static func parse(_ text: String) throws(CSVError) -> [Row] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var rows: [Row] = []
        var row: [String] = []
        var cell: [UInt8] = []
        var i = 0
        var rowNumber = 1
        var atCellStart = true

        func endCell() {
            row.append(String(decoding: cell, as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
            atCellStart = true
        }
        func endRow() {
            endCell()
            if !(row.count == 1 && row[0].isEmpty) { rows.append(Row(number: rowNumber, cells: row)) }
            row.removeAll(keepingCapacity: true)
            rowNumber += 1
        }

        while i < bytes.count {
            let c = bytes[i]
            if atCellStart && c == 0x22 {
                // A quoted cell runs to the next quote not followed by another quote.
                i += 1
                var closed = false
                while i < bytes.count {
                    if bytes[i] == 0x22 {
                        if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
                            cell.append(0x22)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    cell.append(bytes[i])
                    i += 1
                }
                guard closed else {
                    throw CSVError(
                        row: rowNumber, column: String(row.count + 1),
                        message: "a quoted cell is never closed: add the missing double quote")
                }
                atCellStart = false
                guard i == bytes.count || bytes[i] == 0x2C || bytes[i] == 0x0A || bytes[i] == 0x0D else {
                    throw CSVError(
                        row: rowNumber, column: String(row.count + 1),
                        message:
                            "text follows the closing quote of a quoted cell: quote the whole cell and double any quote inside it"
                    )
                }
                continue
            }
            atCellStart = false
            switch c {
            case 0x2C:
                endCell()
            case 0x0D:
                endRow()
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
            case 0x0A:
                endRow()
            case 0x22:
                throw CSVError(
                    row: rowNumber, column: String(row.count + 1),
                    message: "a double quote inside an unquoted cell: quote the cell and double the quote (\"\")")
            default:
                cell.append(c)
            }
            i += 1
        }
        if !cell.isEmpty || !row.isEmpty || !atCellStart { endRow() }
        return rows
    }

    /// Writes rows as RFC 4180 CSV with CRLF line ends, quoting only cells that need it.
    public static func write(_ rows: [[String]]) -> String {
        var out = ""
        for row in rows {
            out += row.map(quoteIfNeeded).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// Bytes that make a spreadsheet program read a cell as a formula (CSV injection: `=`,
    /// `+`, `-`, `@`, tab, carriage return), and the apostrophe that marks an escaped cell.
    static let formulaStarts: Set<UInt8> = [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D, 0x27]

    /// A cell a spreadsheet shows as text: one that starts with a formula character (or an
    /// apostrophe) gets a leading apostrophe. ``unescapingFormula(_:)`` takes it away again.
    public static func escapingFormula(_ cell: String) -> String {
        guard let first = cell.utf8.first, formulaStarts.contains(first) else { return cell }
        return "'" + cell
    }

    /// A written cell's own text: an apostrophe followed by a formula character (or another
    /// apostrophe) loses the apostrophe; anything else is as it is.
    public static func unescapingFormula(_ cell: String) -> String {
        let bytes = cell.utf8
        guard bytes.count >= 2, bytes.first == 0x27, formulaStarts.contains(bytes[bytes.index(after: bytes.startIndex)])
        else { return cell }
        return String(cell.dropFirst())
    }

    static func quoteIfNeeded(_ cell: String) -> String {
        let needsQuotes = cell.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    /// Every occurrence of `target` replaced (kept here so the core needs no Foundation).
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for ch in self {
            if ch == target { out += replacement } else { out.append(ch) }
        }
        return out
    }
}
