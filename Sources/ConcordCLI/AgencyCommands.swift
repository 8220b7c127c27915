import ArgumentParser
import ConcordCodec
import ConcordCore
import ConcordWire

func describe(_ t: Timestamp?) -> String {
    t.map { String($0.description.prefix(16)).replacingAll("T", with: " ") } ?? "never"
}

func show(_ value: FieldValue) -> String {
    switch value {
    case .null: "(not set)"
    case .text(let s): s
    case .flag(let b): b ? "yes" : "no"
    case .list(let l): l.isEmpty ? "(none)" : l.joined(separator: ", ")
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the agent: hub, online or offline, last sync, pending changes, conflicts.",
        discussion: "Example: concordctl status")
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let status: AgentStatus = try await agent.client().get("/v1/status")
        if agent.json { return try printJSON(status) }
        print("agency:     \(status.agency)")
        print("hub:        \(status.hub) (\(status.online ? "online" : "offline"))")
        if !status.online {
            print(
                "silent:     \(status.lastContact.map { "since \(describe($0))" } ?? "not heard from since the agent started")"
            )
        }
        if let problem = status.problem { print("problem:    \(problem)") }
        print("last heard: \(describe(status.lastContact))")
        print("last push:  \(describe(status.lastPush))")
        print("last pull:  \(describe(status.lastPull))")
        print("actions:    \(status.actions)")
        print("pending:    \(status.pending)")
        print("conflicts:  \(status.openConflicts) open")
        if status.rejected > 0 {
            print("rejected:   \(status.rejected) (see concordctl conflicts and concordctl show)")
        }
        print(
            status.everythingUploaded
                ? "Everything is uploaded."
                : "\(status.pending) change\(status.pending == 1 ? "" : "s") waiting to upload\(status.online ? "" : " (kept safely here until the hub is reachable)")."
        )
    }
}

struct Actions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List actions as a table.", discussion: "Example: concordctl actions --plan child-m --overdue")
    @OptionGroup var agent: AgentOptions
    @Option(help: "Only this plan.") var plan: String?
    @Option(help: "Only actions this agency leads or supports.") var agency: String?
    @Option(help: "Only this rating (or 'unrated').") var rag: String?
    @Flag(help: "Only actions past their target date and not completed.") var overdue = false
    @Flag(help: "Only actions your agency leads or supports.") var mine = false

    func run() async throws {
        var query: [String] = []
        if let plan { query.append("plan=\(percentEncoded(plan))") }
        if let agency { query.append("agency=\(percentEncoded(agency))") }
        if let rag { query.append("rag=\(percentEncoded(rag))") }
        if overdue { query.append("overdue=true") }
        if mine { query.append("mine=true") }
        let list: ActionList = try await agent.client().get(
            "/v1/actions" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        if agent.json { return try printJSON(list) }
        var table = Table("ACTION", "LEAD", "RAG", "TARGET", "TITLE")
        for a in list.actions {
            table.add(
                a.address.description, a.ownerAgency.rawValue, a.rag ?? "-", a.targetDate?.description ?? "-", a.title)
        }
        print(table.rendered)
        print("\(list.actions.count) action\(list.actions.count == 1 ? "" : "s")")
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every field of an action, its evidence and notes, and pending or conflicted edits.",
        discussion: "Example: concordctl show child-m/3.1")
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The action, as PLAN/REF.") var action: String

    func validate() throws { _ = try parseAddress(action) }

    func run() async throws {
        let address = try parseAddress(action)
        let detail: ActionDetail = try await agent.client().get("/v1/actions/\(address.plan)/\(address.ref)")
        if agent.json { return try printJSON(detail) }
        let a = detail.action
        print("\(a.address)  (revision \(a.revision))")
        for field in Field.allCases { print("  \(field.rawValue):".padding(22) + show(a.value(of: field))) }
        if !a.evidence.isEmpty {
            print("evidence:")
            for e in a.evidence {
                let state =
                    e.retraction.map { " [retracted: \($0.reason)]" } ?? (e.recordedAt == nil ? " [pending]" : "")
                print(
                    "  - \(e.kind.rawValue): \(e.summary)\(e.reference.map { " (\($0))" } ?? "") — \(e.author)\(state)")
            }
        }
        if !a.notes.isEmpty {
            print("notes:")
            for n in a.notes {
                print("  - \(describe(n.recordedAt)) \(n.author): \(n.text)\(n.recordedAt == nil ? " [pending]" : "")")
            }
        }
        if !a.targetDateHistory.isEmpty {
            print("target date moves:")
            for m in a.targetDateHistory {
                print("  - \(m.from?.description ?? "none") → \(m.to?.description ?? "none") by \(m.by): \(m.reason)")
            }
        }
        if !detail.pending.isEmpty { print("pending: \(detail.pending.count) change(s) waiting to upload") }
        for p in detail.problems {
            print(
                "\(p.outcome.rawValue): change \(p.id) — \(p.reason ?? p.conflicts.map { "\($0.field) (conflict \($0.id))" }.joined(separator: ", "))"
            )
        }
        for c in detail.conflicts {
            print(
                "conflict \(c.id) (\(c.status.rawValue)) on \(c.field): hub \(show(c.hub)), yours \(show(c.incoming))")
        }
    }
}

struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Update fields of an action (checked against the plan's rules before it is queued).",
        discussion: """
            Examples:
              concordctl update child-m/3.1 --rag amber --progress "Venue booked"
              concordctl update child-m/3.1 --target-date 2026-06-30 --reason "Audit moved to June"
            """)
    @OptionGroup var agent: AgentOptions
    @Argument(help: "The action, as PLAN/REF.") var action: String
    @Option(help: "The RAG rating (a rating of the plan's scheme).") var rag: String?
    @Option(help: "The progress summary.") var progress: String?
    @Option(name: .customLong("target-date"), help: "The target date, YYYY-MM-DD (needs --reason when it moves).")
    var targetDate: String?
    @Option(help: "Why: required when the target date moves.") var reason: String?
    @Option(name: .customLong("success-measure"), help: "The success measure (SMART outcome).") var successMeasure:
        String?
    @Option(name: .customLong("lead-officer"), help: "The lead officer, as a role.") var leadOfficer: String?
    @Option(help: "A longer description.") var description: String?
    @Option(name: .customLong("completed-on"), help: "The date the action was completed, YYYY-MM-DD.")
    var completedOn: String?

    func validate() throws {
        _ = try parseAddress(action)
        for (name, value) in [("--target-date", targetDate), ("--completed-on", completedOn)] {
            if let value, !value.isEmpty, LocalDate(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a date: write YYYY-MM-DD")
            }
        }
        if fields.isEmpty { throw ValidationError("give at least one field to update, e.g. --rag amber") }
    }

    var fields: [Field: FieldValue] {
        var set: [Field: FieldValue] = [:]
        func text(_ v: String?) -> FieldValue? { v.map { $0.isEmpty ? .null : .text($0) } }
        set[.rag] = text(rag)
        set[.progress] = text(progress)
        set[.targetDate] = text(targetDate)
        set[.successMeasure] = text(successMeasure)
        set[.leadOfficer] = text(leadOfficer)
        set[.description] = text(description)
        set[.completedOn] = text(completedOn)
        return set
    }

    func run() async throws {
        let address = try parseAddress(action)
        let receipt: EditReceipt = try await agent.client().post(
            "/v1/actions/\(address.plan)/\(address.ref)", UpdateRequest(fields: fields, reason: reason))
        if agent.json { return try printJSON(receipt) }
        print(
            "updated \(address) (\(fields.keys.sorted().map(\.rawValue).joined(separator: ", "))); change \(receipt.change.id) queued for the hub"
        )
        printFlags(receipt)
    }
}

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Add evidence to an action.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an evidence item (what was done, or what difference it made).",
            discussion:
                "Example: concordctl evidence add child-m/6.2 --summary \"Attendance: 162 practitioners\" --kind output"
        )
        @OptionGroup var agent: AgentOptions
        @Argument(help: "The action, as PLAN/REF.") var action: String
        @Option(help: "What the evidence is.") var summary: String
        @Option(help: "output (something was done) or impact (it made a difference).") var kind: String = "output"
        @Option(help: "Where to find it: a document reference or URL.") var ref: String?

        func validate() throws {
            _ = try parseAddress(action)
            guard EvidenceKind(rawValue: kind) != nil else { throw ValidationError("--kind must be output or impact") }
        }

        func run() async throws {
            let address = try parseAddress(action)
            let receipt: EditReceipt = try await agent.client().post(
                "/v1/actions/\(address.plan)/\(address.ref)/evidence",
                EvidenceRequest(summary: summary, kind: EvidenceKind(rawValue: kind), reference: ref))
            if agent.json { return try printJSON(receipt) }
            print("evidence added to \(address); change \(receipt.change.id) queued for the hub")
            printFlags(receipt)
        }
    }
}

struct NoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Add a progress note to an action.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a progress note.",
            discussion: "Example: concordctl note add child-m/6.2 \"Invitations sent\"")
        @OptionGroup var agent: AgentOptions
        @Argument(help: "The action, as PLAN/REF.") var action: String
        @Argument(help: "The note.") var text: String

        func validate() throws { _ = try parseAddress(action) }

        func run() async throws {
            let address = try parseAddress(action)
            let receipt: EditReceipt = try await agent.client().post(
                "/v1/actions/\(address.plan)/\(address.ref)/notes", NoteRequest(text: text))
            if agent.json { return try printJSON(receipt) }
            print("note added to \(address); change \(receipt.change.id) queued for the hub")
            printFlags(receipt)
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sync with the hub now and say what was pushed and pulled.",
        discussion: "Example: concordctl sync --wait 10")
    @OptionGroup var agent: AgentOptions
    @Option(help: "Seconds to wait for the sync to finish (0-300).") var wait = 10

    func validate() throws {
        guard (0...300).contains(wait) else { throw ValidationError("--wait must be 0 to 300 seconds") }
    }

    func run() async throws {
        let report: SyncReport = try await agent.client().post("/v1/sync?wait=\(wait)", [String: String]())
        if agent.json { return try printJSON(report) }
        if report.online {
            let pushed = report.pushed > 0 ? "pushed \(report.pushed) change(s)" : "nothing left to push"
            let uploaded = report.pending == 0 ? "everything is uploaded" : "\(report.pending) still pending"
            print("synced: \(pushed), pulled \(report.pulled) record(s); \(uploaded)")
        } else if let problem = report.problem, problem.contains("refused the token") {
            throw UserError(
                "\(problem); ask the business unit for a new token. \(report.pending) edit(s) are safe locally")
        } else {
            print(
                "the hub is unreachable\(report.problem.map { " (\($0))" } ?? ""); \(report.pending) edit(s) are safe locally and will upload when it returns"
            )
        }
    }
}

struct Problems: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your changes the hub rejected or found in conflict, with the reasons (newest first).",
        discussion: "Example: concordctl problems")
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let list: ProblemList = try await agent.client().get("/v1/problems")
        if agent.json { return try printJSON(list) }
        var table = Table("CHANGE", "ACTION", "OUTCOME", "WHY")
        table.maxWidth = 90
        for p in list.problems {
            let why =
                p.reason ?? p.conflicts.map { "\($0.field) conflicts (conflict \($0.id))" }.joined(separator: "; ")
            table.add(String(p.id.canonicalString.prefix(8)), p.action.description, p.outcome.rawValue, why)
        }
        print(table.rendered)
        print("\(list.problems.count) change(s) not taken as sent")
    }
}

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your agency's conflicts, open and resolved, with both values.",
        discussion: "Example: concordctl conflicts")
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        let list: ConflictList = try await agent.client().get("/v1/conflicts")
        if agent.json { return try printJSON(list) }
        printConflicts(list.conflicts)
    }
}

func printConflicts(_ conflicts: [ConflictRecord]) {
    var table = Table("ID", "ACTION", "FIELD", "STATUS", "AGENCY", "HUB VALUE", "AGENCY VALUE", "RESOLUTION")
    table.maxWidth = 30
    for c in conflicts {
        table.add(
            "\(c.id)", c.action.description, c.field.rawValue, c.status.rawValue, c.agency.rawValue, show(c.hub),
            show(c.incoming), c.resolution.map { "\($0.choice.rawValue): \(show($0.value))" } ?? "-")
    }
    print(table.rendered)
    print(
        "\(conflicts.filter { $0.status == .open }.count) open, \(conflicts.filter { $0.status == .resolved }.count) resolved"
    )
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

/// A query-string value with everything but unreserved characters percent-encoded.
func percentEncoded(_ value: String) -> String {
    var out = ""
    for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            out.append(Character(UnicodeScalar(byte)))
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0xF)])"
        }
    }
    return out
}

/// The flags an edit was taken with, one line each: the author sees what screening flagged.
func printFlags(_ receipt: EditReceipt) {
    for flag in receipt.flags {
        print("  flagged: \(flag.field.map { "\($0): " } ?? "")\(flag.message)")
    }
}
