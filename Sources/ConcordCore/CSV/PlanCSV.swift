/// Every problem found in a CSV file (import checks the whole file before it takes any of it).
public struct CSVImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Every problem, in file order; never empty.
    public var problems: [CSVError]

    /// One problem per line; after 20, a count of the rest.
    public var description: String {
        let shown = problems.prefix(20).map(\.description)
        let more = problems.count > 20 ? ["... and \(problems.count - 20) more"] : []
        return (shown + more).joined(separator: "\n")
    }
}

/// Plans as partnerships keep them in spreadsheets: one row per action, in the columns
/// `ref, recommendation, action, lead_agency, supporting_agencies, lead_officer,
/// target_date, success_measure, rag, progress`.
public enum PlanCSV {
    /// The columns, in the order export writes them.
    public enum Column: String, CaseIterable, Sendable {
        /// The action's ref within the plan, e.g. `1.1`; required.
        case ref
        /// The review's recommendation the action answers.
        case recommendation
        /// The action as agreed (its title); required.
        case action
        /// The id of the agency that owns the action; required.
        case leadAgency = "lead_agency"
        /// Supporting agency ids separated by `;`.
        case supportingAgencies = "supporting_agencies"
        /// The named officer leading the work.
        case leadOfficer = "lead_officer"
        /// The target date, `YYYY-MM-DD`.
        case targetDate = "target_date"
        /// How the partnership will know the action worked.
        case successMeasure = "success_measure"
        /// A rating id of the plan's scheme, matched without regard to case.
        case rag
        /// The latest progress text.
        case progress

        /// The action field the column fills (`ref` is the address, not a field).
        var field: Field? {
            switch self {
            case .ref: nil
            case .recommendation: .recommendation
            case .action: .title
            case .leadAgency: .ownerAgency
            case .supportingAgencies: .supportingAgencies
            case .leadOfficer: .leadOfficer
            case .targetDate: .targetDate
            case .successMeasure: .successMeasure
            case .rag: .rag
            case .progress: .progress
            }
        }
    }

    /// Columns a file must have.
    public static let requiredColumns: [Column] = [.ref, .action, .leadAgency]

    /// A plan read from CSV, and the rules its rows break without blocking the import
    /// (a green action with no evidence): the committee needs to see those.
    public struct Imported: Hashable, Sendable {
        /// The plan with one action per data row.
        public var plan: Plan
        /// Rating rules the imported actions break (green without evidence, say); empty when none.
        public var flags: [Violation]

        /// An imported plan and its flags.
        public init(plan: Plan, flags: [Violation]) {
            self.plan = plan
            self.flags = flags
        }
    }

    /// Reads a plan. Empty cells mean "not set". Every problem is reported with its row and
    /// column, and nothing is taken from a file that has any. With `screening`, every cell is
    /// screened for identifying details (issue 14): one the policy blocks is a problem, one it
    /// flags is a flag, each naming its row and column.
    // Long: each column of a row checked in the order of the file, every problem named with its row and column.
    public static func importPlan(
        _ text: String, id: PlanID, title: String, scheme: RAGScheme = .standard, knownAgencies: Set<AgencyID>? = nil,
        screening: ScreeningRules? = nil
    ) throws(CSVImportError) -> Imported {
        let rows: [CSV.Row]
        do { rows = try CSV.parse(text) } catch { throw CSVImportError(problems: [error]) }
        guard let header = rows.first else {
            throw CSVImportError(problems: [
                CSVError(row: 1, column: nil, message: "the file is empty; expected a header row")
            ])
        }
        var problems: [CSVError] = []
        var columns: [Column] = []
        for name in header.cells {
            let key = name.trimmed.lowercased().replacingAll(" ", with: "_")
            if let column = Column(rawValue: key), !columns.contains(column) {
                columns.append(column)
            } else {
                let reason = columns.contains { $0.rawValue == key } ? "appears twice" : "is not a plan column"
                problems.append(
                    CSVError(
                        row: header.number, column: String(name.prefix(40)),
                        message:
                            "header '\(name.prefix(40))' \(reason); the columns are \(Column.allCases.map(\.rawValue).joined(separator: ", "))"
                    ))
            }
        }
        for column in requiredColumns where !columns.contains(column) {
            problems.append(
                CSVError(row: header.number, column: column.rawValue, message: "required column is missing"))
        }
        guard problems.isEmpty else { throw CSVImportError(problems: problems) }

        var actions: [Action] = []
        var seen: [ActionRef: Int] = [:]
        var screeningFlags: [Violation] = []
        for row in rows.dropFirst() {
            guard row.cells.count == columns.count else {
                problems.append(
                    CSVError(
                        row: row.number, column: nil,
                        message:
                            "has \(row.cells.count) cells but the header has \(columns.count); check for a stray or missing comma"
                    ))
                continue
            }
            var cells: [Column: String] = [:]
            for (column, cell) in zip(columns, row.cells) {
                // Line breaks typed in a spreadsheet cell arrive as CRLF: the store keeps LF.
                cells[column] = CSV.unescapingFormula(cell.trimmed).replacingAll("\r\n", with: "\n")
                    .replacingAll("\r", with: "\n")
            }
            let refText = cells[.ref] ?? ""
            let ref: ActionRef
            do { ref = try ActionRef(refText) } catch {
                problems.append(CSVError(row: row.number, column: Column.ref.rawValue, message: error.description))
                continue
            }
            if let first = seen[ref] {
                problems.append(
                    CSVError(
                        row: row.number, column: Column.ref.rawValue,
                        message: "ref \(ref) is already used by row \(first)"))
                continue
            }
            seen[ref] = row.number
            let address = ActionAddress(plan: id, ref: ref)
            var rowOK = true
            if let screening {
                let (blocked, flagged) = screen(cells, columns: columns, row: row.number, address, screening)
                problems += blocked
                screeningFlags += flagged
                rowOK = blocked.isEmpty
            }
            var fields: [(Field, FieldValue)] = []
            for column in columns {
                guard let field = column.field else { continue }
                let value = cellValue(cells[column] ?? "", field: field, scheme: scheme)
                if let v = FieldRules.check(field, value, action: address, scheme: scheme, knownAgencies: knownAgencies)
                {
                    problems.append(CSVError(row: row.number, column: column.rawValue, message: v.message))
                    rowOK = false
                }
                fields.append((field, value))
            }
            guard rowOK, let action = Action(creating: address, fields: fields) else { continue }
            actions.append(action)
        }
        guard problems.isEmpty else { throw CSVImportError(problems: problems) }
        let plan = Plan(id: id, title: title, scheme: scheme.id, actions: actions)
        let flags = plan.actions.flatMap { FieldRules.ratingViolations(of: $0, scheme: scheme) }
        return Imported(plan: plan, flags: flags + screeningFlags)
    }

    /// Screens every cell of a row: what the policy blocks, as problems, and what it flags,
    /// as flags, each naming the row and column.
    static func screen(
        _ cells: [Column: String], columns: [Column], row: Int, _ address: ActionAddress, _ rules: ScreeningRules
    ) -> (blocked: [CSVError], flagged: [Violation]) {
        var blocked: [CSVError] = []
        var flagged: [Violation] = []
        for column in columns {
            for finding in rules.screener.findings(in: cells[column] ?? "", field: column.rawValue) {
                switch rules.policy.action(for: finding.kind) {
                case .block:
                    let message = finding.violation(of: address, blocked: true).message
                    blocked.append(CSVError(row: row, column: column.rawValue, message: message))
                case .flag:
                    var flag = finding.violation(of: address, blocked: false)
                    flag.message = "row \(row), column \(column.rawValue): \(flag.message)"
                    flagged.append(flag)
                case .off: break
                }
            }
        }
        return (blocked, flagged)
    }

    /// A cell as a field value: agency lists split on `;`, ratings matched without regard to case.
    static func cellValue(_ cell: String, field: Field, scheme: RAGScheme) -> FieldValue {
        if cell.isEmpty { return field.emptyValue }
        switch field.kind {
        case .agencyList:
            return .list(cell.split(separator: ";").map { String($0).trimmed }.filter { !$0.isEmpty })
        case .rating:
            let id = scheme.ratings.first { $0.id.lowercased() == cell.lowercased() }?.id ?? cell
            return .text(id)
        default:
            return .text(cell)
        }
    }

    /// Writes a plan in the spreadsheet columns, actions in ref order, CRLF line ends.
    /// Evidence, notes and fields with no column are not part of the spreadsheet form. A
    /// cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`…) is written with a
    /// leading apostrophe, which import takes away again.
    public static func export(_ plan: Plan) -> String {
        var rows = [Column.allCases.map(\.rawValue)]
        for action in plan.actions.sorted(by: { $0.ref < $1.ref }) {
            rows.append(
                Column.allCases.map { column in
                    guard let field = column.field else { return action.ref.rawValue }
                    switch action.value(of: field) {
                    case .null, .flag: return ""
                    case .text(let s): return CSV.escapingFormula(s)
                    case .list(let l): return CSV.escapingFormula(l.joined(separator: ";"))
                    }
                })
        }
        return CSV.write(rows)
    }
}

extension String {
    /// Without leading and trailing white space and line breaks.
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
