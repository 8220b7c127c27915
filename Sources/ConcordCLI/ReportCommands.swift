import ArgumentParser
import ConcordCore
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Hub {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the committee report of a plan (or all plans), as at a time, since a meeting.",
            discussion: """
                The report is computed from the hub's audit trail: the plan exactly as it was at
                --as-of (default now), what changed since --since, and the scrutiny flags (done
                without evidence, done on outputs alone, overdue, drift, stale, red too long).
                Examples:
                  concordctl hub report child-m --since last-meeting -o child-m.html
                  concordctl hub report all --as-of 2026-03-12 --since scrutiny-2026-01 --format md
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: "The plan id, or all.") var plan: String
        @Option(
            name: .customLong("as-of"),
            help: ArgumentHelp(
                "The report as at this date (its end, in the hub's time zone) or time; default now.", valueName: "T"))
        var asOf: String?
        @Option(
            help: ArgumentHelp(
                "Compare with this date (its start), time, meeting id, or last-meeting.", valueName: "S"))
        var since: String?
        @Option(help: "html (to email and print), md (committee papers) or csv (spreadsheets).") var format = "html"
        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of printing.", valueName: "FILE"))
        var output: String?

        func validate() throws {
            guard ["html", "md", "csv"].contains(format) else {
                throw ValidationError("--format is html, md or csv, not '\(format.prefix(20))'")
            }
        }

        func run() async throws {
            var query = ["format=\(format)"]
            if let asOf { query.append("asOf=\(Self.encoded(asOf))") }
            if let since { query.append("since=\(Self.encoded(since))") }
            let response = try await hub.client().send(
                "GET", "/v1/reports/\(Self.encoded(plan))?" + query.joined(separator: "&"), timeout: .seconds(120))
            guard let output else { return print(response.text, terminator: "") }
            do {
                try Data(response.body).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw UserError("could not write \(output): \(error)")
            }
            print("wrote \(output) (\(response.body.count) bytes)")
        }

        /// A query value with everything but unreserved characters percent-encoded.
        static func encoded(_ value: String) -> String {
            var out = ""
            for byte in value.utf8 {
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                    out.append(Character(UnicodeScalar(byte)))
                default:
                    let hex = Array("0123456789ABCDEF")
                    out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
                }
            }
            return out
        }
    }

    struct Meetings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Committee meetings: named points in time a report compares with.",
            subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the meetings, oldest first.")
            @OptionGroup var hub: HubOptions

            func run() async throws {
                let list: MeetingList = try await hub.client().get("/v1/meetings")
                if hub.json { return try printJSON(list) }
                if list.meetings.isEmpty { return print("no meetings yet: add one with concordctl hub meetings add") }
                var table = Table("ID", "DATE", "TITLE")
                for m in list.meetings { table.add(m.id, m.date.description, m.title) }
                print(table.rendered)
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a meeting.",
                discussion:
                    "Example: concordctl hub meetings add scrutiny-2026-03 --date 2026-03-12 --title \"Scrutiny Committee, 12 March 2026\""
            )
            @OptionGroup var hub: HubOptions
            @Argument(help: "The meeting's id: a-z, 0-9, '-', '.', '_'.") var id: String
            @Option(help: "When: a date (its start, in the hub's time zone) or a time (2026-03-12T10:00:00Z).")
            var date: String
            @Option(help: "What people call it.") var title: String

            func validate() throws {
                guard Meeting.isValidID(id) else {
                    throw ValidationError(
                        "the id is 1-64 of a-z, 0-9, '-', '.' and '_', starting with a letter or digit")
                }
                guard Self.time(date) else {
                    throw ValidationError("--date '\(date.prefix(30))' is not a date (YYYY-MM-DD) or a time")
                }
            }

            func run() async throws {
                let added: Meeting = try await hub.client().post(
                    "/v1/meetings", MeetingRequest(id: id, date: date, title: title))
                if hub.json { return try printJSON(added) }
                print("meeting \(added.id) added: \(added.title), \(added.date)")
            }

            /// A date or a time (the hub reads a date as the start of that day in the committee's time zone).
            static func time(_ text: String) -> Bool { LocalDate(text) != nil || Timestamp(text) != nil }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a meeting (reports keep working).")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The meeting's id.") var id: String

            func run() async throws {
                _ = try await hub.client().send("DELETE", "/v1/meetings/\(Report.encoded(id))")
                print("meeting \(id) removed")
            }
        }
    }
}
