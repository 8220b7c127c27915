import ArgumentParser
import ConcordCore

/// `concordctl`: the control CLI for agency staff (through the local agent) and hub
/// administrators (over HTTPS).
public struct Concordctl: AsyncParsableCommand {
    /// The command's name, help text and subcommands (agency commands, and `hub` for administrators).
    public static let configuration = CommandConfiguration(
        commandName: "concordctl",
        abstract: "See and update your agency's safeguarding action plans; administer the Concord hub.",
        discussion: """
            Agency staff talk to the local Concord agent, which works offline and syncs with the hub:
              concordctl status
              concordctl actions --mine --overdue
              concordctl show child-m/3.1
              concordctl update child-m/3.1 --rag amber --progress "Venue booked; invitations sent"
              concordctl evidence add child-m/3.1 --summary "Attendance list, 14 May" --kind output
              concordctl sync --wait 10

            Hub administrators (the partnership's business unit):
              concordctl hub plans --hub https://hub.example.org:8443 --token-file admin.token --ca-file ca.pem
              concordctl hub resolve 12 --take-agency --reason "CSC holds the audit figures"

            Exit status: 0 on success, 1 on an error you can fix (one line on stderr says what to do),
            2 on a usage error.
            """,
        subcommands: [
            Status.self, Actions.self, Show.self, Update.self, EvidenceCommand.self, NoteCommand.self, Sync.self,
            Conflicts.self, Problems.self, Hub.self,
        ])

    /// The root command as ArgumentParser makes it.
    public init() {}

    /// Runs the command line: usage errors exit 2, errors the user can fix exit 1 with one line.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as UserError {
            printError("concordctl: \(error.description)")
            return 1
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            let message = fullMessage(for: error)
            if code == .validationFailure {
                printError(message)
                return 2
            }
            printError(message.isEmpty ? "concordctl: \(error)" : message)
            return code.rawValue == 64 ? 2 : 1
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
