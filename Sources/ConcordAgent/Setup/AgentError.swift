import ConcordCore

/// An agent error said so that the user can act on it.
public enum AgentError: Error, CustomStringConvertible, Equatable {
    /// The agent's set-up is wrong (configuration, the control socket); the message says what to change.
    case config(String)
    /// No such action in the agent's local copy (not pulled yet, or not the agency's).
    case notFound(String)
    /// An edit breaks the core's rules, checked before it is queued; nothing was recorded.
    case invalid([Violation])
    /// The request cannot be acted on (a malformed body, nothing to change).
    case badRequest(String)

    /// The message; for broken rules, each violation, joined by `; `.
    public var description: String {
        switch self {
        case .config(let m), .notFound(let m), .badRequest(let m): m
        case .invalid(let violations): violations.map(\.description).joined(separator: "; ")
        }
    }
}
