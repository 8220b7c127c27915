import ArgumentParser
import ConcordCore
import ConcordWire

extension Hub {
    struct Protect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage a plan's protected names (the children a review is about).",
            discussion: """
                Edits whose text holds a protected name are refused (or flagged, as the hub's screening
                policy says), by the agent before they are queued and by the hub. Names are read from a
                file, one per line ("-" for standard input), so they stay out of shell history and the
                process list; the hub keeps only their digests and cannot list them back.
                Example: concordctl hub protect child-m --add-from names.txt
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: "The plan's id.") var plan: String
        @Option(help: ArgumentHelp("Protect the names in FILE, one per line (- for stdin).", valueName: "FILE"))
        var addFrom: String?
        @Option(help: ArgumentHelp("Stop protecting the names in FILE (- for stdin).", valueName: "FILE"))
        var removeFrom: String?

        func validate() throws {
            _ = try PlanID(plan)
            if addFrom == "-" && removeFrom == "-" {
                throw ValidationError("only one of the lists can come from stdin")
            }
        }

        static func names(_ path: String?) throws -> [String] {
            guard let path else { return [] }
            return try readFile(path == "-" ? "/dev/stdin" : path).split(whereSeparator: \.isNewline)
                .map { $0.drop(while: \.isWhitespace) }.filter { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
        }

        func run() async throws {
            let id = try PlanID(plan)
            let answer: ProtectedNamesResponse
            if addFrom == nil, removeFrom == nil {
                answer = try await hub.client().get("/v1/plans/\(id)/protected-names")
            } else {
                let request = ProtectedNamesRequest(add: try Self.names(addFrom), remove: try Self.names(removeFrom))
                answer = try await hub.client().post("/v1/plans/\(id)/protected-names", request)
            }
            if hub.json { return try printJSON(answer) }
            if addFrom != nil || removeFrom != nil { print("added \(answer.added), removed \(answer.removed)") }
            print("plan \(id) protects \(answer.count) name\(answer.count == 1 ? "" : "s")")
        }
    }

    struct Screen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List identifying details in what the hub stores: records and their history.",
            discussion: """
                Each finding names the action, where (the record, or the change SEQ of its history), the
                text, the kind and the characters, and what the policy does with the kind now: never
                the text itself. Redact one with concordctl hub redact.
                Example: concordctl hub screen child-m
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: "A plan's id; every plan when omitted.") var plan: String?

        func validate() throws { _ = try plan.map { try PlanID($0) } }

        func run() async throws {
            let query = try plan.map { "?plan=\(try PlanID($0))" } ?? ""
            let report: ScreeningReport = try await hub.client().get("/v1/screening\(query)")
            if hub.json { return try printJSON(report) }
            guard !report.findings.isEmpty else {
                return print("nothing found in \(report.plans.count) plan\(report.plans.count == 1 ? "" : "s")")
            }
            var table = Table("ACTION", "WHERE", "TEXT", "KIND", "CHARACTERS", "POLICY")
            for f in report.findings {
                table.add(
                    f.action.description, f.place == .record ? "record" : "change \(f.seq ?? 0)", f.field,
                    f.kind.rawValue, "\(f.start + 1)–\(f.start + f.length)", f.policy.rawValue)
            }
            print(table.rendered)
        }
    }

    struct Redact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Redact one kind of identifying detail from one text of an action, in every stored copy.",
            discussion: """
                Replaces what is found with [redacted: KIND] in the record, every change of its history and
                its conflicts; records the redaction, with the reason, in the history; sends the record to
                the agencies again; and rewrites the hub's database files so no copy is left in them.
                Example: concordctl hub redact child-m/3.1 --field progress --kind nhs-number --reason "NHS number typed in error"
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: "The action, as PLAN/REF.") var action: String
        @Option(help: "The text, as hub screen names it: progress, note, evidence.summary, reason, …") var field: String
        @Option(help: "nhs-number, date-of-birth, protected-name, postcode, phone or email.") var kind: String
        @Option(help: "Why: kept in the audit trail.") var reason: String

        func validate() throws {
            _ = try parseAddress(action)
            guard IdentifierKind(rawValue: kind) != nil else {
                throw ValidationError(
                    "--kind must be one of: \(IdentifierKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let address = try parseAddress(action)
            guard let kind = IdentifierKind(rawValue: kind) else { return }
            let answer: RedactionResponse = try await hub.client().post(
                "/v1/actions/\(address.plan)/\(address.ref)/redact",
                RedactionRequest(field: field, kind: kind, reason: reason))
            if hub.json { return try printJSON(answer) }
            print(
                "redacted \(kind.plural) in \(field) of \(address): \(answer.copies) stored cop\(answer.copies == 1 ? "y" : "ies") rewritten; revision \(answer.revision); change \(answer.changeId)"
            )
            if !answer.scrubbed {
                print(
                    "  the hub's database files could not be rewritten now (see its log): old copies may stay in them until SQLite's next checkpoint or PostgreSQL's next VACUUM FULL"
                )
            }
        }
    }
}
