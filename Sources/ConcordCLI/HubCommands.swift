import ArgumentParser
import ConcordCodec
import ConcordCore
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

struct Hub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Administer the hub: agencies and tokens, plans, conflicts, audit history, reports, identifier screening.",
        discussion: """
            Reach the hub with --hub URL --token-file FILE [--ca-file FILE], the environment
            (CONCORD_HUB, CONCORD_TOKEN_FILE, CONCORD_CA_FILE), or ~/.config/concord/hub-admin.json
            ({"hub": "...", "tokenFile": "...", "caFile": "..."}).
            """,
        subcommands: [
            Agencies.self, Plans.self, Import.self, Export.self, HubConflicts.self, Resolve.self, History.self,
            Report.self, Meetings.self, Protect.self, Screen.self, Redact.self,
        ])

    struct Agencies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List agencies, or add or revoke one.", subcommands: [List.self, Add.self, Revoke.self],
            defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List agencies: role, active tokens, and when the hub last heard from each.",
                discussion: """
                    LAST CONTACT is the hub's last request from the agency (or line of its open stream);
                    LAST PUSH the last push the hub answered. Example, the agencies that have gone quiet:
                    concordctl hub agencies --silent 3d
                    """)
            @OptionGroup var hub: HubOptions
            @Option(
                help: ArgumentHelp(
                    "Only agencies not heard from for this long (e.g. 3d, 12h, 30m; units s m h d w).",
                    valueName: "SPAN"))
            var silent: String?

            func run() async throws {
                let span = try silent.map { text in
                    guard let seconds = Self.seconds(in: text) else {
                        throw ValidationError(
                            "--silent takes a span such as 3d, 12h or 30m (units s m h d w), not '\(text.prefix(20))'")
                    }
                    return seconds
                }
                var list: AgencyList = try await hub.client().get("/v1/agencies")
                // The hub's clock: this machine's may be wrong, and "silent for 3 days" is the hub's view.
                let now =
                    list.asOf
                    ?? Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
                if let span { list.agencies = list.silent(for: span, fallback: now) }
                if hub.json { return try printJSON(list) }
                if let silent, list.agencies.isEmpty {
                    return print("every agency was heard from in the last \(silent)")
                }
                var table = Table("ID", "ROLE", "TOKENS", "LAST CONTACT", "LAST PUSH", "NAME")
                for a in list.agencies {
                    table.add(
                        a.id.rawValue, a.role.rawValue, "\(a.activeTokens)", Self.ago(a.lastContact, now: now),
                        Self.ago(a.lastPush, now: now), a.name)
                }
                print(table.rendered)
            }

            /// Seconds in a span such as `3d`; `nil` when it is not one.
            static func seconds(in text: String) -> Int64? {
                let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
                guard let unit = text.last.flatMap({ units[$0] }), let n = Int64(text.dropLast()), n >= 0,
                    n <= Int64.max / unit / 1000
                else { return nil }
                return n * unit
            }

            /// "12 min ago (2026-11-30 09:12)", or "never".
            static func ago(_ time: Timestamp?, now: Timestamp) -> String {
                guard let time else { return "never" }
                let seconds = max(0, (now.millisecondsSinceEpoch - time.millisecondsSinceEpoch) / 1000)
                let span =
                    switch seconds {
                    case ..<60: "\(seconds) s"
                    case ..<3600: "\(seconds / 60) min"
                    case ..<172_800: "\(seconds / 3600) h"
                    default: "\(seconds / 86_400) days"
                    }
                return "\(span) ago (\(describe(time)))"
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add an agency and print its token once.",
                discussion: "Example: concordctl hub agencies add police --name \"Northshire Police\" --role agency")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The agency id: lower-case letters, digits, hyphens.") var id: String
            @Option(help: "The agency's name.") var name: String
            @Option(help: "agency, admin or viewer.") var role: String = "agency"

            func validate() throws {
                do { _ = try AgencyID(id) } catch { throw ValidationError(error.description) }
                guard Role(rawValue: role) != nil else {
                    throw ValidationError("--role must be agency, admin or viewer")
                }
            }

            func run() async throws {
                let issued: IssuedToken = try await hub.client().post(
                    "/v1/agencies", AgencyRequest(id: try AgencyID(id), name: name, role: Role(rawValue: role)!))
                if hub.json { return try printJSON(issued) }
                print("added \(issued.agency.id) (\(issued.agency.role)); its token, shown once — hand it over safely:")
                print(issued.token)
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke every token of an agency.")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The agency id.") var id: String

            func run() async throws {
                let info: AgencyInfo = try await hub.client().post("/v1/agencies/\(id)/revoke", [String: String]())
                if hub.json { return try printJSON(info) }
                print("revoked the tokens of \(info.id); \(info.activeTokens) active")
            }
        }
    }

    struct Plans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans with counts by rating.")
        @OptionGroup var hub: HubOptions

        func run() async throws {
            let list: PlanList = try await hub.client().get("/v1/plans")
            if hub.json { return try printJSON(list) }
            var table = Table("PLAN", "ACTIONS", "RAG", "TITLE")
            for p in list.plans {
                let rag = p.rag.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                table.add(p.id.rawValue, "\(p.actions)", rag, p.title)
            }
            print(table.rendered)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a plan from a spreadsheet (CSV), or re-import it.",
            discussion: "Example: concordctl hub import child-m --title \"CSPR Child M\" plan-child-m.csv")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The plan id.") var plan: String
        @Option(help: "The plan's title.") var title: String
        @Option(help: "The RAG scheme id (default: the hub's).") var scheme: String?
        @Argument(help: "The CSV file.") var file: String

        func validate() throws {
            do { _ = try PlanID(plan) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let csv = try readFile(file)
            let response: PlanImportResponse = try await hub.client().post(
                "/v1/plans", PlanImportRequest(id: try PlanID(plan), title: title, scheme: scheme, csv: csv))
            if hub.json { return try printJSON(response) }
            var counts: [Outcome: Int] = [:]
            for r in response.results { counts[r.outcome, default: 0] += 1 }
            let summary = Outcome.allCases.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }
            print("plan \(response.plan.id): \(response.plan.actions) actions (\(summary.joined(separator: ", ")))")
            for r in response.results where r.outcome == .rejected {
                print("  rejected \(r.action): \(r.reason ?? "")")
            }
            for f in response.flags { print("  flagged \(f.action): \(f.message)") }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a plan as CSV (the spreadsheet form).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The plan id.") var plan: String

        func run() async throws {
            let response = try await hub.client().send("GET", "/v1/plans/\(plan)?format=csv")
            if hub.json {
                let p: Plan = try await hub.client().get("/v1/plans/\(plan)")
                return try printJSON(p)
            }
            print(response.text, terminator: "")
        }
    }

    struct HubConflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conflicts", abstract: "List conflicts, or show one.", subcommands: [List.self, ShowOne.self],
            defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List conflicts (all agencies).")
            @OptionGroup var hub: HubOptions
            @Flag(help: "Only open conflicts.") var open = false

            func run() async throws {
                let list: ConflictList = try await hub.client().get("/v1/conflicts" + (open ? "?status=open" : ""))
                if hub.json { return try printJSON(list) }
                printConflicts(list.conflicts)
            }
        }

        struct ShowOne: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one conflict.")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The conflict id.") var id: Int64

            func run() async throws {
                let c: ConflictRecord = try await hub.client().get("/v1/conflicts/\(id)")
                if hub.json { return try printJSON(c) }
                print("conflict \(c.id) on \(c.action) field \(c.field) — \(c.status.rawValue)")
                print("  agency:        \(c.agency) (change \(c.changeId), \(describe(c.createdAt)))")
                print("  base:          \(show(c.base))")
                print("  hub value:     \(show(c.hub))")
                print("  agency value:  \(show(c.incoming))")
                if let r = c.resolution {
                    print(
                        "  resolved:      \(r.choice.rawValue) → \(show(r.value)) by \(r.by), \(describe(r.at)): \(r.rationale)"
                    )
                }
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict: keep the hub's value, take the agency's, or set a new one.",
            discussion: "Example: concordctl hub resolve 12 --take-agency --reason \"CSC holds the audit figures\"")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The conflict id.") var id: Int64
        @Flag(name: .customLong("keep-hub"), help: "Keep the hub's value.") var keepHub = false
        @Flag(name: .customLong("take-agency"), help: "Take the agency's value.") var takeAgency = false
        @Option(help: "Set this value instead.") var value: String?
        @Option(help: "Why (kept in the audit trail and shown to the agency).") var reason: String
        @Option(help: "The field's current value, when it changed after the conflict: replace it knowingly.")
        var replaces: String?

        func validate() throws {
            let chosen = [keepHub, takeAgency, value != nil].filter { $0 }.count
            guard chosen == 1 else { throw ValidationError("choose one of --keep-hub, --take-agency or --value V") }
        }

        func run() async throws {
            let choice: ResolutionChoice = keepHub ? .keepHub : takeAgency ? .takeAgency : .newValue
            let response: ResolveResponse = try await hub.client().post(
                "/v1/conflicts/\(id)/resolve",
                ResolveRequest(
                    choice: choice, value: value.map { .text($0) }, rationale: reason,
                    replaces: replaces.map { .text($0) }))
            if hub.json { return try printJSON(response) }
            print(
                "conflict \(id) resolved (\(choice.rawValue)): \(response.conflict.action) \(response.conflict.field) = \(show(response.conflict.resolution?.value ?? .null))"
            )
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit trail of one action: every change, who, when, and what happened.",
            discussion: "Example: concordctl hub history child-m/3.1")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The action, as PLAN/REF.") var action: String

        func validate() throws { _ = try parseAddress(action) }

        func run() async throws {
            let address = try parseAddress(action)
            let history: ConcordWire.History = try await hub.client().get(
                "/v1/actions/\(address.plan)/\(address.ref)/history")
            if hub.json { return try printJSON(history) }
            var table = Table("SEQ", "WHEN", "AGENCY", "OUTCOME", "CHANGED")
            for e in history.entries {
                let fields = e.change.set.keys.sorted().joined(separator: ", ")
                let appends = e.change.append.isEmpty ? "" : "\(e.change.append.count) item(s)"
                table.add(
                    "\(e.seq)", describe(e.at), e.agency.rawValue, e.outcome.rawValue,
                    [e.change.create ? "created" : "", fields, appends].filter { !$0.isEmpty }.joined(separator: "; ")
                        .nonEmpty ?? String((e.change.reason ?? "").prefix(60)))
            }
            print(table.rendered)
        }
    }
}

extension String {
    /// `nil` when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
