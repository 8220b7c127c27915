import ConcordCore

/// An agent error said so that the user can act on it.
public enum AgentError: Error, CustomStringConvertible, Equatable {
    case config(String)
    case notFound(String)
    case invalid([Violation])
    case badRequest(String)

    public var description: String {
        switch self {
        case .config(let m), .notFound(let m), .badRequest(let m): m
        case .invalid(let violations): violations.map(\.description).joined(separator: "; ")
        }
    }
}
